# The agent: config parsing (pure), then the composition root with the event loop and the peer
# transport, and the `herd` binary (agent + CLI). herd lands at build/herd, next to herd-launch.
herd_library(herd_agent_config
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/../agent_config.cc
  DEPS herd_core herd_spec herd_rest yaml-cpp)

herd_library(herd_agent
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent.cc
          ${CMAKE_CURRENT_LIST_DIR}/event_loop.cc
          ${CMAKE_CURRENT_LIST_DIR}/peer_transport.cc
          ${CMAKE_CURRENT_LIST_DIR}/log_sink.cc
  DEPS herd_agent_config herd_rest herd_cli herd_core herd_http herd_store herd_runtime herd_k8s_client herd_k8s_operator
       herd_metrics prometheus-cpp::pull)

add_executable(herd ${CMAKE_CURRENT_LIST_DIR}/../main.cc)
target_link_libraries(herd PRIVATE herd_agent)
set_target_properties(herd PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})
add_dependencies(herd herd-launch)
