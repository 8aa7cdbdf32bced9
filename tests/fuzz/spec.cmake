# The workload spec reader (YAML/JSON request bodies) and the spec codec (CRDT map values).
# The spec sources are compiled into each target rather than linked from herd_spec so that, in
# a HERD_FUZZ build, libFuzzer gets coverage from them.
set(herd_spec_fuzz_sources
  ${PROJECT_SOURCE_DIR}/sidecar/workload_spec.cc
  ${PROJECT_SOURCE_DIR}/sidecar/field_error.cc
  ${PROJECT_SOURCE_DIR}/sidecar/utf8.cc
  ${PROJECT_SOURCE_DIR}/sidecar/quantity.cc
  ${PROJECT_SOURCE_DIR}/sidecar/spec_tree.cc
  ${PROJECT_SOURCE_DIR}/sidecar/spec_parser.cc
  ${PROJECT_SOURCE_DIR}/sidecar/spec_writer.cc
  ${PROJECT_SOURCE_DIR}/sidecar/spec_codec.cc)
herd_fuzz_target(spec_parser
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/spec_parser_fuzz.cc ${herd_spec_fuzz_sources}
  DEPS herd_common yaml-cpp nlohmann_json::nlohmann_json)
herd_fuzz_target(spec_codec
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/spec_codec_fuzz.cc ${herd_spec_fuzz_sources}
  DEPS herd_common yaml-cpp nlohmann_json::nlohmann_json)
