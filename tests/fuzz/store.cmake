# The store's log decoder: arbitrary bytes as a log, decoded purely (and, for a few inputs,
# loaded from a data dir through FileStore). The decoder's source is compiled into the target
# rather than linked from herd_store so that, in a HERD_FUZZ build, libFuzzer gets coverage
# from it; FileStore itself stays uninstrumented so the fuzzer does not favour slow loads.
herd_fuzz_target(store_log
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_log_fuzz.cc
          ${PROJECT_SOURCE_DIR}/sidecar/posix/store_format.cc
  DEPS herd_store)
