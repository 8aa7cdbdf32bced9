# http_bench: HttpServer throughput/latency (plain and mTLS) and HttpClient round trips.
herd_bench(http_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_bench.cc
          ${PROJECT_SOURCE_DIR}/tests/sidecar/http_test_certs.cc
  DEPS herd_http)
set_target_properties(http_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
