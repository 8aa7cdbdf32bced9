herd_bench(supervisor_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/supervisor_bench.cc DEPS herd_sim)
set_target_properties(supervisor_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
