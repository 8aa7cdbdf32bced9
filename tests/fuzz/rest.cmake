# The REST API's query and body parsers (PUT /v1/members, ?label=, ?limit=, ...). Sources are
# compiled in, as for the spec targets, so that a HERD_FUZZ build instruments them.
herd_fuzz_target(rest_parse
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/rest_parse_fuzz.cc
          ${PROJECT_SOURCE_DIR}/sidecar/rest_api_parse.cc
          ${PROJECT_SOURCE_DIR}/sidecar/http.cc
          ${PROJECT_SOURCE_DIR}/sidecar/workload_spec.cc
          ${PROJECT_SOURCE_DIR}/sidecar/field_error.cc
          ${PROJECT_SOURCE_DIR}/sidecar/utf8.cc
  DEPS herd_common nlohmann_json::nlohmann_json)
