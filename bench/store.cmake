# Store benchmark: fsync latency, commit throughput, load time; JSON on stdout.
herd_bench(store_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_bench.cc DEPS herd_store)
set_target_properties(store_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
