# cluster_bench: issue 5's numbers on three real agents on loopback (build/bench/cluster_bench).
# It runs herd, herd-launch and herd-sleeper from --bin-dir (default: this build directory) and
# does not depend on them, so building it does not build the agent.
herd_bench(cluster_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cluster_bench.cc
          ${CMAKE_CURRENT_LIST_DIR}/cluster_bench_load.cc
          ${CMAKE_CURRENT_LIST_DIR}/cluster_bench_proc.cc
  DEPS herd_agent_cluster herd_bench_raw_http nlohmann_json::nlohmann_json)
set_target_properties(cluster_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
target_compile_definitions(cluster_bench PRIVATE HERD_BINARY_DIR="${CMAKE_BINARY_DIR}")
