# The supervisor core: records, peer messages, strategies, membership view, restart policy and
# the Supervisor state machine. No OS calls: it runs on the simulator as in the agent.
herd_library(herd_core
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/records.cc
          ${CMAKE_CURRENT_LIST_DIR}/peer_message.cc
          ${CMAKE_CURRENT_LIST_DIR}/strategy.cc
          ${CMAKE_CURRENT_LIST_DIR}/membership_view.cc
          ${CMAKE_CURRENT_LIST_DIR}/restart_policy.cc
          ${CMAKE_CURRENT_LIST_DIR}/supervisor.cc
          ${CMAKE_CURRENT_LIST_DIR}/supervisor_children.cc
          ${CMAKE_CURRENT_LIST_DIR}/supervisor_api.cc
  DEPS herd_common herd_crdt herd_spec)
