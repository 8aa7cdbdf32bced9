# crdt_demo: three replicas converging over a lossy simulated link (`make run` until the agent
# exists). Lands at build/examples/crdt_demo.
add_executable(crdt_demo ${CMAKE_CURRENT_SOURCE_DIR}/crdt_demo.cc)
target_link_libraries(crdt_demo PRIVATE herd_crdt)
set_target_properties(crdt_demo PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/examples)
