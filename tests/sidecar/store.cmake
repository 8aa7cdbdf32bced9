# Persistence: the on-disk format, FileStore on real files under /tmp (a tiny tmpfs when root),
# and the in-memory FakeStore.
herd_test(herd_store_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_format_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/file_store_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/file_store_full_disk_test.cc
          ${CMAKE_CURRENT_LIST_DIR}/fake_store_test.cc
  DEPS herd_store)
