# The agent's HTTP server (Boost.Beast) and client (cpprestsdk), with TLS and mTLS.
find_package(cpprestsdk CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost REQUIRED)
herd_library(herd_http
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_server.cc ${CMAKE_CURRENT_LIST_DIR}/http_session.cc
          ${CMAKE_CURRENT_LIST_DIR}/http_tls.cc ${CMAKE_CURRENT_LIST_DIR}/http_client.cc
  DEPS herd_http_types herd_common cpprestsdk::cpprest OpenSSL::SSL OpenSSL::Crypto
       Threads::Threads Boost::headers)
