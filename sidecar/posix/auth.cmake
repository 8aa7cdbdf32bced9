# The agent's REST auth (issue 9): the token file on disk, the review workers, the KubeClient
# and the /metrics server behind auth (posix/auth_setup.h). Part of herd_agent.
target_sources(herd_agent PRIVATE ${CMAKE_CURRENT_LIST_DIR}/auth_setup.cc)
target_link_libraries(herd_agent PUBLIC herd_auth)
