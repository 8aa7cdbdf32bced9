# The `herd` command-line client (everything but `herd agent`): commands, formatting, the
# workload files behind apply -f, and the build's version string.
herd_library(herd_cli
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_apply.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_client.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_delete.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_flags.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_format.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_get.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_misc.cc
          ${CMAKE_CURRENT_LIST_DIR}/cli_sources.cc
          ${CMAKE_CURRENT_LIST_DIR}/posix/cli_system.cc
          ${CMAKE_CURRENT_LIST_DIR}/version.cc
  DEPS herd_http herd_spec nlohmann_json::nlohmann_json)
if(HERD_VERSION)
  target_compile_definitions(herd_cli PRIVATE HERD_VERSION="${HERD_VERSION}")
endif()
