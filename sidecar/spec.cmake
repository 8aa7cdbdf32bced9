# Workload specs: validation, YAML/JSON reading and writing, the binary codec and fingerprints.
herd_library(herd_spec
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_spec.cc
          ${CMAKE_CURRENT_LIST_DIR}/field_error.cc
          ${CMAKE_CURRENT_LIST_DIR}/utf8.cc
          ${CMAKE_CURRENT_LIST_DIR}/quantity.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_tree.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_parser.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_writer.cc
          ${CMAKE_CURRENT_LIST_DIR}/spec_codec.cc
  DEPS herd_common yaml-cpp nlohmann_json::nlohmann_json)
