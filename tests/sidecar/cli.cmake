# The `herd` CLI: pure parts (unit) and every command against a canned agent on loopback
# (integration).
herd_test(herd_cli_unit_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_format_test.cc
  DEPS herd_cli)

herd_test(herd_cli_test LABEL integration TIMEOUT 60
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_test_server.cc
  DEPS herd_cli herd_http)
