# The REST API layer: routes, query and body parsing, JSON objects, error mapping. No sockets:
# the agent serves it through sidecar/posix/http_server.h.
herd_library(herd_rest
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/rest_api.cc
          ${CMAKE_CURRENT_LIST_DIR}/rest_api_workloads.cc
          ${CMAKE_CURRENT_LIST_DIR}/rest_api_parse.cc
          ${CMAKE_CURRENT_LIST_DIR}/object_json.cc
  DEPS herd_core herd_http_types herd_spec)
