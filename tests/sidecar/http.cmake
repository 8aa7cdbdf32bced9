# HTTP: the Router and value types (unit, no sockets), then the server, client and TLS over
# real loopback sockets (integration).
herd_test(herd_http_router_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_router_test.cc
  DEPS herd_http_types)

herd_test(herd_http_test LABEL integration
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_server_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/http_client_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/http_tls_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/http_test_certs.cc
          ${CMAKE_CURRENT_LIST_DIR}/http_test_client.cc
  DEPS herd_http herd_test_process)
