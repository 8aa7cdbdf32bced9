# The Workload custom resource decoder (JSON from the API server) and the status merge patches
# the operator writes. Sources compiled in for libFuzzer coverage (see spec.cmake).
herd_fuzz_target(workload_resource
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/workload_resource_fuzz.cc
          ${PROJECT_SOURCE_DIR}/k8s/workload_resource.cc
          ${PROJECT_SOURCE_DIR}/sidecar/object_json.cc
          ${PROJECT_SOURCE_DIR}/sidecar/records.cc
          ${herd_spec_fuzz_sources}
  DEPS herd_common yaml-cpp nlohmann_json::nlohmann_json)
