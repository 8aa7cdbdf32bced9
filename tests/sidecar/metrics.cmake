# Metrics (issue 7): the collector on the simulator, the REST/Kubernetes/process families
# (unit), and /metrics of real agents (integration).
herd_test(herd_metrics_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/metrics_api_test.cc
  DEPS herd_metrics herd_sim)

herd_test(herd_metrics_agent_test LABEL integration TIMEOUT 300
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/metrics_agent_test.cc
  DEPS herd_agent_cluster)
add_dependencies(herd_metrics_agent_test herd herd-sleeper)
target_compile_definitions(herd_metrics_agent_test PRIVATE HERD_BINARY_DIR="${CMAKE_BINARY_DIR}")
