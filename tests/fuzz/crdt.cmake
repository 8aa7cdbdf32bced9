# The CRDT codec: a libFuzzer target under HERD_FUZZ, otherwise a ctest replaying the corpus.
herd_fuzz_target(crdt_codec
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/crdt_codec_fuzz.cc
  DEPS herd_crdt)
# Writes the seed corpus (tests/fuzz/corpus/crdt_codec/); run by hand when the format changes.
add_executable(crdt_codec_corpus_gen ${CMAKE_CURRENT_SOURCE_DIR}/crdt_codec_corpus_gen.cc)
target_link_libraries(crdt_codec_corpus_gen PRIVATE herd_crdt)
