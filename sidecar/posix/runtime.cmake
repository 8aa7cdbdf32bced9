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

# The shim: one per child, so it must start fast. On x86-64 it is built without libc (raw
# system calls, its own _start; see launch_main.cc), elsewhere linked statically. Lands at
# build/herd-launch, next to build/herd.
add_executable(herd-launch ${CMAKE_CURRENT_LIST_DIR}/launch_main.cc)
target_include_directories(herd-launch PRIVATE ${PROJECT_SOURCE_DIR})
set_target_properties(herd-launch PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
if(NOT HERD_SANITIZER AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  target_compile_definitions(herd-launch PRIVATE HERD_LAUNCH_NOLIBC)
  target_compile_options(herd-launch PRIVATE -ffreestanding -fno-stack-protector -fno-exceptions
                         -fno-rtti -fno-asynchronous-unwind-tables -fno-pie -fno-builtin)
  target_link_options(herd-launch PRIVATE -static -nostdlib -no-pie)
elseif(NOT HERD_SANITIZER)
  target_link_options(herd-launch PRIVATE -static)
endif()
