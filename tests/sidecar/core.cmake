# The simulator (tests/testing/) and the core's tests. herd-sim lands at build/herd-sim.
herd_library(herd_sim
  SOURCES ${PROJECT_SOURCE_DIR}/tests/testing/sim_network.cc
          ${PROJECT_SOURCE_DIR}/tests/testing/sim_cluster.cc
          ${PROJECT_SOURCE_DIR}/tests/testing/sim_scenario.cc
  DEPS herd_core herd_store herd_fake_runner)

herd_test(herd_core_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/strategy_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/records_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/membership_view_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/name_map_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/supervisor_test.cc
  DEPS herd_sim)

add_executable(herd-sim ${PROJECT_SOURCE_DIR}/tests/testing/herd_sim_main.cc)
herd_fast_test_target(herd-sim)
target_link_libraries(herd-sim PRIVATE herd_sim)
set_target_properties(herd-sim PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})

# At least 2,000 seeded scenarios across 3, 5 and 7 members and every strategy and mode.
foreach(config
    "uniform_3:--members 3 --strategy uniform --seeds 500 --first-seed 1"
    "quorum_3:--members 3 --strategy uniform_quorum --seeds 300 --first-seed 10001"
    "active_3:--members 3 --strategy uniform --redistribution active --seeds 200 --first-seed 20001"
    "uniform_5:--members 5 --strategy uniform --seeds 350 --first-seed 30001"
    "quorum_5:--members 5 --strategy uniform_quorum --seeds 250 --first-seed 40001"
    "random_5:--members 5 --strategy random --seeds 150 --first-seed 50001"
    "uniform_7:--members 7 --strategy uniform --seeds 150 --first-seed 60001"
    "quorum_7:--members 7 --strategy uniform_quorum --seeds 100 --first-seed 70001"
    "active_7:--members 7 --strategy uniform --redistribution active --seeds 50 --first-seed 80001"
    # A seed that once failed: a machine crash lost writes a member had acknowledged, and the
    # peers that had collected garbage on its word had restarted (GcTest.AMapReloaded... keeps
    # that case; the scenarios have gained faults since, so the seed now plays another one).
    "regression_3:--members 3 --strategy uniform --seeds 1 --first-seed 900561")
  string(REPLACE ":" ";" parts "${config}")
  list(GET parts 0 label)
  list(GET parts 1 args)
  separate_arguments(args)
  add_test(NAME sim_${label} COMMAND herd-sim ${args} --workloads 30 --faults all)
  set_tests_properties(sim_${label} PROPERTIES LABELS sim TIMEOUT 900)
endforeach()
