# Persistence: the Store seam's real implementation (snapshot + log in a data dir) and the
# in-memory fake used by unit tests and the simulator.
herd_library(herd_store
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/file_store.cc
          ${CMAKE_CURRENT_LIST_DIR}/store_format.cc
          ${CMAKE_CURRENT_LIST_DIR}/store_io.cc
          ${CMAKE_CURRENT_LIST_DIR}/../fake_store.cc
  DEPS herd_common)
