# k8s_bench: issue 6's numbers: real agents with --members auto against the fake API server,
# and a 10,000-object relist (build/bench/k8s_bench).
herd_bench(k8s_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/k8s_bench.cc
  DEPS herd_kube_agent_cluster herd_k8s_client nlohmann_json::nlohmann_json)
set_target_properties(k8s_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
add_dependencies(k8s_bench herd herd-sleeper)
