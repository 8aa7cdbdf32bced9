# The EndpointSlice decoder (JSON from the API server) and the membership built on it. The
# sources are compiled into the target so that, in a HERD_FUZZ build, libFuzzer sees them.
herd_fuzz_target(endpointslice
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/endpointslice_fuzz.cc
          ${PROJECT_SOURCE_DIR}/k8s/endpoint_slice.cc
          ${PROJECT_SOURCE_DIR}/k8s/endpoint_membership.cc
          ${PROJECT_SOURCE_DIR}/k8s/watcher.cc
          ${PROJECT_SOURCE_DIR}/k8s/kube_client.cc
          ${PROJECT_SOURCE_DIR}/k8s/backoff.cc
  DEPS herd_common nlohmann_json::nlohmann_json Threads::Threads)
