# The agent: config parsing (unit).
herd_test(herd_agent_config_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_config_test.cc
  DEPS herd_agent_config)

# The smallest workload: waits for SIGTERM. Static and tiny so 10,000 of them start fast.
add_executable(herd-sleeper ${PROJECT_SOURCE_DIR}/tests/testing/sleeper.cc)
set_target_properties(herd-sleeper PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
if(NOT HERD_SANITIZER AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_definitions(herd-sleeper PRIVATE HERD_SLEEPER_NOLIBC)
  target_compile_options(herd-sleeper PRIVATE -ffreestanding -fno-stack-protector -fno-exceptions
                         -fno-asynchronous-unwind-tables -fno-pie)
  target_link_options(herd-sleeper PRIVATE -static -nostdlib -no-pie)
elseif(NOT HERD_SANITIZER)
  target_link_options(herd-sleeper PRIVATE -static)
endif()

# Real agents on loopback with real children (tests/testing/agent_cluster.h).
herd_library(herd_agent_cluster
  SOURCES ${PROJECT_SOURCE_DIR}/tests/testing/agent_cluster.cc
  DEPS herd_http herd_test_process)
herd_test(herd_agent_cluster_test LABEL integration TIMEOUT 300
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_cluster_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/http_test_certs.cc
  DEPS herd_agent_cluster)
add_dependencies(herd_agent_cluster_test herd herd-sleeper)
target_compile_definitions(herd_agent_cluster_test PRIVATE HERD_BINARY_DIR="${CMAKE_BINARY_DIR}")

# Real agents with --members auto against the fake Kubernetes API server
# (tests/testing/kube_agent_cluster.h): membership from EndpointSlices, Workload resources.
herd_library(herd_kube_agent_cluster
  SOURCES ${PROJECT_SOURCE_DIR}/tests/testing/kube_agent_cluster.cc
  DEPS herd_agent_cluster herd_fake_kube)
target_compile_definitions(herd_kube_agent_cluster PRIVATE HERD_BINARY_DIR="${CMAKE_BINARY_DIR}")
herd_test(herd_agent_kube_test LABEL integration TIMEOUT 240
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_auto_members_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/agent_workload_resources_test.cc
  DEPS herd_kube_agent_cluster)
add_dependencies(herd_agent_kube_test herd herd-sleeper)
