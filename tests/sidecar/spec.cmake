# Tests of the workload spec: validation, YAML/JSON parsing and writing, quantities, the codec
# and fingerprints, and the example workloads.
herd_test(herd_spec_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_spec_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/quantity_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_parser_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_roundtrip_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_codec_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_examples_test.cc
  DEPS herd_spec)
target_compile_definitions(herd_spec_test PRIVATE
  HERD_EXAMPLES_WORKLOADS_DIR="${PROJECT_SOURCE_DIR}/examples/workloads")
