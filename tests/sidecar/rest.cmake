# The REST layer (unit): routes against Supervisors on the simulator, the JSON objects, and the
# query/body parsers. No sockets, no sleeps.
herd_test(herd_rest_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/rest_api_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/object_json_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/rest_api_parse_test.cc
  DEPS herd_rest herd_sim)
