# REST authentication and authorization (issue 9): the pure logic (unit), then real agents over
# real HTTP with a token file, the CLI's --token, and TokenReview against the fake API server
# (integration).
herd_test(herd_auth_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/auth_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/auth_kube_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/auth_config_test.cc
  DEPS herd_auth herd_metrics herd_agent_config)

herd_test(herd_auth_agent_test LABEL integration TIMEOUT 300
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/auth_agent_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/auth_review_test.cc
  DEPS herd_agent_cluster herd_fake_kube herd_cli herd_k8s_client)
add_dependencies(herd_auth_agent_test herd herd-sleeper)
target_compile_definitions(herd_auth_agent_test PRIVATE HERD_BINARY_DIR="${CMAKE_BINARY_DIR}")
