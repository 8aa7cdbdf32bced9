# REST authentication and authorization (issue 9): bearer tokens from a token file or from
# Kubernetes TokenReview + SubjectAccessReview, and the handler hook every REST route passes.
# No sockets, files or clocks: the agent's side is in posix/auth.cmake.
find_package(OpenSSL REQUIRED)
herd_library(herd_auth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/auth.cc
          ${CMAKE_CURRENT_LIST_DIR}/auth_tokens.cc
          ${CMAKE_CURRENT_LIST_DIR}/auth_kube.cc
  DEPS herd_common herd_http_types herd_k8s OpenSSL::Crypto)
