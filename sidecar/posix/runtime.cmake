# The process and container runtime: the ProcessRunner seam's real implementation, the
# herd-launch shim it spawns per child, and the fake runner for unit tests and the simulator.
herd_library(herd_runtime
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/posix_process_runner.cc
          ${CMAKE_CURRENT_LIST_DIR}/shim_spawn.cc
          ${CMAKE_CURRENT_LIST_DIR}/child_setup.cc
          ${CMAKE_CURRENT_LIST_DIR}/rotating_log.cc
          ${CMAKE_CURRENT_LIST_DIR}/runc_runtime.cc
  DEPS herd_common nlohmann_json::nlohmann_json Threads::Threads)

herd_library(herd_fake_runner
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/../fake_process_runner.cc
  DEPS herd_common)

# The shim: tiny and linked statically where the toolchain allows it (fast to exec, no library
# lookups at every child start). Lands at build/herd-launch, next to build/herd.
add_executable(herd-launch ${CMAKE_CURRENT_LIST_DIR}/launch_main.cc)
target_include_directories(herd-launch PRIVATE ${PROJECT_SOURCE_DIR})
set_target_properties(herd-launch PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
if(NOT HERD_SANITIZER)
  target_link_options(herd-launch PRIVATE -static)
endif()
