# crdt_bench: CRDT join, codec, wire-size and memory numbers as JSON (build/bench/crdt_bench).
herd_bench(crdt_bench SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/crdt_bench.cc DEPS herd_crdt)
set_target_properties(crdt_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
