# The peer message codec (what members POST to each other's peer port), with the CRDT decoders
# behind it. The codec and byte reader are compiled into the target so that, in a HERD_FUZZ
# build, libFuzzer gets coverage from them (herd_crdt is instrumented by its own CMakeLists).
herd_fuzz_target(peer_message
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/peer_message_fuzz.cc
          ${PROJECT_SOURCE_DIR}/sidecar/peer_message.cc
          ${PROJECT_SOURCE_DIR}/common/bytes.cc
  DEPS herd_crdt herd_common)
