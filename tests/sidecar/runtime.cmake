# The process and container runtime with real children (integration: spawns processes and, when
# runc, root and cgroups allow, containers), and the fake runner (unit).
herd_test(herd_runtime_test LABEL integration TIMEOUT 120
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/posix_process_runner_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/rotating_log_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/child_setup_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/runc_runtime_test.cc
  DEPS herd_runtime herd_test_process)
add_dependencies(herd_runtime_test herd-launch)
target_compile_definitions(herd_runtime_test PRIVATE
  HERD_LAUNCH_PATH="$<TARGET_FILE:herd-launch>"
  HERD_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  HERD_BINARY_DIR="${CMAKE_BINARY_DIR}")

herd_test(herd_fake_runner_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/fake_process_runner_test.cc
  DEPS herd_fake_runner)
