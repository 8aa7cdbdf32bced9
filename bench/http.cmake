find_package(OpenSSL REQUIRED)

# A raw HTTP/1.1 client for load loops (no client library in the way).
herd_library(herd_bench_raw_http
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/raw_http.cc
  DEPS OpenSSL::SSL OpenSSL::Crypto)

# http_bench: HttpServer throughput/latency (plain and mTLS) and HttpClient round trips.
herd_bench(http_bench
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_bench.cc
          ${PROJECT_SOURCE_DIR}/tests/sidecar/http_test_certs.cc
  DEPS herd_http herd_bench_raw_http)
set_target_properties(http_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
