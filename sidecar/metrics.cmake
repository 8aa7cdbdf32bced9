# Metrics (issue 7): the supervisor's metrics collector, the REST and Kubernetes metric
# families (prometheus-cpp core), and the process_* collector over /proc (posix). The agent
# serves them with prometheus-cpp's Exposer (pull), linked in posix/agent.cmake.
find_package(prometheus-cpp CONFIG REQUIRED)

# The core keeps the metrics' bookkeeping next to its other parts.
target_sources(herd_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/supervisor_metrics.cc)

herd_library(herd_metrics
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/metrics.cc
          ${CMAKE_CURRENT_LIST_DIR}/metrics_api.cc
          ${CMAKE_CURRENT_LIST_DIR}/metrics_kube.cc
          ${CMAKE_CURRENT_LIST_DIR}/posix/process_metrics.cc
  DEPS herd_core herd_http_types prometheus-cpp::core)
