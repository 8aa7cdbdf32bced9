#include "crdt/codec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "crdt/aw_lww_map.h"

namespace herd::crdt {
namespace {

// ---- Hand-built frames, to reach every structural check behind a valid checksum ----

std::string V(uint64_t v) {
  std::string s;
  while (v >= 0x80) {
    s.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  s.push_back(static_cast<char>(v));
  return s;
}
std::string Fixed(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}
std::string S(std::string_view s) { return V(s.size()) + std::string(s); }

std::string Frame(uint8_t kind, const std::string& payload, uint8_t version = kFormatVersion) {
  return std::string("hD") + static_cast<char>(version) + static_cast<char>(kind) +
         Fixed(payload.size(), 4) + Fixed(Crc32c(payload), 4) + payload;
}
std::string DeltaFrame(const std::string& payload) { return Frame(1, payload); }

// flags 0; replicas [5]; context vv {5: max}, no cloud
std::string Head(uint64_t max = 1) {
  return V(0) + V(1) + Fixed(5, 8) + V(1) + V(0) + V(max) + V(0);
}
// key "k", dot (5, counter), ts 7, flags, value, covers
std::string EntryBytes(uint64_t counter = 1, uint64_t flags = 0, std::string_view value = "v",
                       const std::string& covers = V(0)) {
  return S("k") + V(0) + V(counter) + V(7) + V(flags) + S(value) + covers;
}

Status DecodeDeltaStatus(const std::string& bytes) { return DecodeDelta(bytes).status(); }

TEST(CodecTest, HandBuiltFrameDecodes) {
  Result<Delta> d = DecodeDelta(DeltaFrame(Head() + V(1) + EntryBytes()));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->entries.size(), 1u);
  EXPECT_EQ(d->entries[0].key, "k");
  EXPECT_EQ(d->entries[0].entry.dot, (Dot{5, 1}));
  EXPECT_EQ(d->entries[0].entry.timestamp, 7u);
  EXPECT_EQ(d->entries[0].entry.value, "v");
  EXPECT_EQ(d->context.Max(5), 1u);
}

struct BadCase {
  std::string name;
  std::string bytes;
  StatusCode code;
  std::string message;
};

TEST(CodecTest, CorruptDeltasGetExactErrors) {
  const std::string ok_payload = Head() + V(1) + EntryBytes();
  const std::string ok = DeltaFrame(ok_payload);
  std::string flipped = ok;
  flipped.back() ^= 0x01;
  std::string v3 = ok;
  v3[2] = 3;
  std::string v0 = ok;
  v0[2] = 0;
  std::string kind9 = ok;
  kind9[3] = 9;
  const auto inv = StatusCode::kInvalidArgument;
  const auto loss = StatusCode::kDataLoss;
  const std::vector<BadCase> cases = {
      {"empty", "", loss, "frame of 0 bytes is shorter than its 12-byte header"},
      {"short header", "hD\x01", loss, "frame of 3 bytes is shorter than its 12-byte header"},
      {"bad magic", "XY" + ok.substr(2), inv, "not a herd CRDT frame (bad magic)"},
      {"version", v3, inv, "unsupported format version 3 (this build reads 1 to 2)"},
      {"version 0", v0, inv, "unsupported format version 0 (this build reads 1 to 2)"},
      {"kind", kind9, inv, "unknown frame kind 9"},
      {"context frame", Frame(2, V(0) + V(0) + V(0)), inv, "frame holds a context, not a delta"},
      {"truncated", ok.substr(0, ok.size() - 1), loss,
       "payload truncated: header says 24 bytes, 23 present"},
      {"trailing frame bytes", ok + "z", loss, "1 bytes follow the 24-byte payload"},
      {"checksum", flipped, loss, "payload checksum mismatch"},
      {"key too long", DeltaFrame(Head() + V(1) + V(999999) + EntryBytes().substr(2)), inv,
       "entry 0 key length 999999 exceeds remaining 7 bytes"},
      {"entry count", DeltaFrame(Head() + V(1000) + EntryBytes()), inv,
       "entry count 1000 exceeds what the remaining 9 bytes can hold"},
      {"replica count", DeltaFrame(V(0) + V(3) + Fixed(5, 8)), inv,
       "replica count 3 exceeds what the remaining 8 bytes can hold"},
      {"replicas not ascending", DeltaFrame(V(0) + V(2) + Fixed(5, 8) + Fixed(5, 8)), inv,
       "replica 1 id 5 is not above the previous one (table must ascend)"},
      {"counter zero", DeltaFrame(V(0) + V(1) + Fixed(5, 8) + V(1) + V(0) + V(0)), inv,
       "context vv 0 counter is 0 (counters start at 1)"},
      {"replica index", DeltaFrame(V(0) + V(1) + Fixed(5, 8) + V(1) + V(3) + V(1)), inv,
       "context vv 0 replica index 3 out of range (1 replicas)"},
      {"vv order",
       DeltaFrame(V(0) + V(2) + Fixed(5, 8) + Fixed(6, 8) + V(2) + V(1) + V(1) + V(0) + V(1)), inv,
       "context vv 1 replica index 0 is not above the previous one"},
      // Format 2's cloud: runs (replica index * 2 + 1 if longer than one counter, gap,
      // count - 1 if longer), the gap counted from the previous run of the replica (its last
      // counter + 2) or from its max + 2.
      {"run replicas descend",
       DeltaFrame(V(0) + V(2) + Fixed(5, 8) + Fixed(6, 8) + V(0) + V(2) + V(2) + V(0) + V(0) +
                  V(0)),
       inv, "context cloud run 1 replica index 0 is below the previous run's"},
      {"run starts past the top counter",
       DeltaFrame(V(0) + V(1) + Fixed(5, 8) + V(1) + V(0) + V(UINT64_MAX - 1) + V(1) + V(0) + V(0)),
       inv, "context cloud run 0 starts past the highest counter"},
      {"run ends past the top counter",
       DeltaFrame(V(0) + V(1) + Fixed(5, 8) + V(0) + V(1) + V(1) + V(UINT64_MAX - 3) + V(2)), inv,
       "context cloud run 0 (5,18446744073709551614) runs past the highest counter"},
      {"run of one said to be longer",
       DeltaFrame(V(0) + V(1) + Fixed(5, 8) + V(0) + V(1) + V(1) + V(0) + V(0)), inv,
       "context cloud run 0 has a length of 0 more counters (not canonical)"},
      {"run index", DeltaFrame(V(0) + V(1) + Fixed(5, 8) + V(0) + V(1) + V(4) + V(0)), inv,
       "context cloud run 0 replica index 2 out of range (1 replicas)"},
      {"run count", DeltaFrame(V(0) + V(1) + Fixed(5, 8) + V(0) + V(3) + V(0) + V(3)), inv,
       "context cloud run count 3 exceeds what the remaining 2 bytes can hold"},
      // Format 1's cloud, still read: dot by dot.
      {"cloud order",
       Frame(1, V(0) + V(1) + Fixed(5, 8) + V(1) + V(0) + V(1) + V(2) + V(0) + V(5) + V(0) + V(3),
             1),
       inv, "context cloud dot 1 (5,3) is not above the previous one"},
      {"cloud not compact",
       Frame(1, V(0) + V(1) + Fixed(5, 8) + V(1) + V(0) + V(1) + V(1) + V(0) + V(2), 1), inv,
       "context cloud dot 0 (5,2) is not above its replica's max 1 + 1 (context not compact)"},
      {"dot outside context", DeltaFrame(Head() + V(1) + EntryBytes(2)), inv,
       "entry 0 dot (5,2) is not in the delta's context"},
      {"tombstone value", DeltaFrame(Head() + V(1) + EntryBytes(1, 1, "v")), inv,
       "entry 0 is a tombstone but has a 1-byte value"},
      {"entry flags", DeltaFrame(Head() + V(1) + EntryBytes(1, 2)), inv,
       "entry 0 has unknown flags 2"},
      {"delta flags", DeltaFrame(V(4) + Head().substr(1) + V(0)), inv, "delta has unknown flags 4"},
      {"covers order",
       DeltaFrame(Head(3) + V(1) + EntryBytes(3, 0, "v", V(2) + V(0) + V(2) + V(0) + V(1))), inv,
       "entry 0 cover 1 (5,1) is not above the previous one"},
      {"cover outside context",
       DeltaFrame(Head() + V(1) + EntryBytes(1, 0, "v", V(1) + V(0) + V(2))), inv,
       "entry 0 cover 0 (5,2) is not in the delta's context"},
      // The dots are checked once all entries are read: the lowest one missing is named.
      {"dots outside context", DeltaFrame(Head(2) + V(2) + EntryBytes(4) + EntryBytes(3)), inv,
       "entry 1 dot (5,3) is not in the delta's context"},
      {"later cover outside context",
       DeltaFrame(Head(3) + V(2) + EntryBytes(3, 0, "v", V(1) + V(0) + V(1)) +
                  EntryBytes(2, 0, "v", V(2) + V(0) + V(1) + V(0) + V(4))),
       inv, "entry 1 cover 1 (5,4) is not in the delta's context"},
      {"cover count", DeltaFrame(Head() + V(1) + EntryBytes(1, 0, "v", V(50))), inv,
       "entry 0 cover count 50 exceeds what the remaining 0 bytes can hold"},
      {"duplicate dot", DeltaFrame(Head() + V(2) + EntryBytes() + EntryBytes()), inv,
       "entries 0 and 1 share dot (5,1)"},
      {"unused replica",
       DeltaFrame(V(0) + V(2) + Fixed(5, 8) + Fixed(6, 8) + V(1) + V(0) + V(1) + V(0) + V(0)), inv,
       "replica 1 is listed but never used"},
      {"varint overflow", DeltaFrame(std::string(10, '\xff') + V(0)), inv,
       "delta flags: varint overflows 64 bits"},
      {"varint not minimal", DeltaFrame(std::string("\x80\x00", 2)), inv,
       "delta flags: varint is not minimal"},
      {"varint cut", DeltaFrame("\x80"), inv, "delta flags: varint runs past the payload"},
      {"trailing payload", DeltaFrame(ok_payload + "x"), inv,
       "1 unexpected bytes after the last entry"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Status s = DecodeDeltaStatus(c.bytes);
    EXPECT_EQ(s.code(), c.code) << s;
    EXPECT_EQ(s.message(), c.message);
  }
}

TEST(CodecTest, CorruptContextsGetExactErrors) {
  const std::string payload = V(1) + Fixed(5, 8) + V(1) + V(0) + V(4) + V(0);
  ASSERT_TRUE(DecodeContext(Frame(2, payload)).ok());
  Status s = DecodeContext(Frame(2, payload + "x")).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "1 unexpected bytes after the context");
  s = DecodeContext(DeltaFrame(Head() + V(0))).status();
  EXPECT_EQ(s.message(), "frame holds a delta, not a context");
  s = DecodeContext(Frame(2, V(1) + Fixed(5, 8) + V(1) + V(0) + V(0) + V(0))).status();
  EXPECT_EQ(s.message(), "context vv 0 counter is 0 (counters start at 1)");
}

// ---- Round trips of real deltas ----

void ExpectRoundTrip(const Delta& d) {
  const std::string bytes = EncodeDelta(d);
  Result<Delta> back = DecodeDelta(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, d);
  EXPECT_EQ(EncodeDelta(*back), bytes);  // canonical
}

TEST(CodecTest, RoundTripsDeltasStatesAndDiffs) {
  AwLwwMap a(0x1234567890abcdefULL), b(UINT64_MAX), c(1);
  ExpectRoundTrip(Delta{});
  ExpectRoundTrip(a.Put("k", "v", 1));
  ExpectRoundTrip(a.Put("k", std::string("\0\xff bin", 6), UINT64_MAX));
  ExpectRoundTrip(a.Put("", "", 0));
  ExpectRoundTrip(a.Remove("k", 3));
  const Delta later = a.Put("later", std::string(1000, 'x'), 4);
  b.Join(later);  // b's context gets a cloud: it missed a's earlier writes
  ASSERT_GT(b.context().cloud_size(), 0u);
  b.Put("b-key", "b", 5);
  ExpectRoundTrip(b.State());
  ExpectRoundTrip(a.DeltaSince(b.context()));
  c.Join(a.State());
  c.Join(b.State());
  c.Put("k", "merged", 6);
  ExpectRoundTrip(c.State());
  ExpectRoundTrip(c.DeltaSince(a.context()));
}

TEST(CodecTest, RoundTripsContexts) {
  for (const CausalContext& ctx : [] {
         std::vector<CausalContext> v(3);
         v[1].AddUpTo(1, 1000000);
         v[2].AddUpTo(UINT64_MAX, UINT64_MAX);
         v[2].Add(Dot{3, 9});
         v[2].Add(Dot{3, 12});
         for (uint64_t n = 20; n <= 5000; ++n) v[2].Add(Dot{3, n});  // one run, a few bytes
         v[2].Add(Dot{UINT64_MAX - 1, UINT64_MAX});
         return v;
       }()) {
    const std::string bytes = EncodeContext(ctx);
    Result<CausalContext> back = DecodeContext(bytes);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, ctx);
    EXPECT_EQ(EncodeContext(*back), bytes);
  }
}

// A run costs a few bytes however long it is: a writer's thousand writes in a delta add
// nothing per write to its context.
TEST(CodecTest, AContextRunCostsTheSameAtAnyLength) {
  CausalContext one, many;
  one.Add(Dot{9, 5});
  for (uint64_t n = 5; n <= 100000; ++n) many.Add(Dot{9, n});
  EXPECT_EQ(EncodeContext(many).size(), EncodeContext(one).size() + 3);  // 99,995: a varint
}

// Logs written by a format 1 build stay readable: its dot-by-dot cloud decodes to the same
// context, which encodes as format 2.
TEST(CodecTest, ReadsFormatOneFrames) {
  // replicas [5, 6]; vv {5: 1}; cloud (5,3) (5,4) (5,6) (6,2)
  const std::string context1 = V(2) + Fixed(5, 8) + Fixed(6, 8) + V(1) + V(0) + V(1) + V(4) + V(0) +
                               V(3) + V(0) + V(4) + V(0) + V(6) + V(1) + V(2);
  CausalContext want;
  want.AddUpTo(5, 1);
  for (const Dot& d : {Dot{5, 3}, Dot{5, 4}, Dot{5, 6}, Dot{6, 2}}) want.Add(d);
  Result<CausalContext> c = DecodeContext(Frame(2, context1, 1));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, want);
  EXPECT_EQ(c->cloud(), (std::vector<DotRange>{{5, 3, 4}, {5, 6, 6}, {6, 2, 2}}));
  const std::string v2 = EncodeContext(*c);
  EXPECT_EQ(static_cast<uint8_t>(v2[2]), kFormatVersion);
  EXPECT_EQ(*DecodeContext(v2), want);
  // A delta: flags, the same context, one entry (5,6) covering (5,3).
  Result<Delta> d =
      DecodeDelta(Frame(1, V(0) + context1 + V(1) + EntryBytes(6, 0, "v", V(1) + V(0) + V(3)), 1));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->context, want);
  EXPECT_EQ(d->entries[0].entry.covers, (std::vector<Dot>{{5, 3}}));
  EXPECT_EQ(*DecodeDelta(EncodeDelta(*d)), *d);
}

TEST(CodecTest, EveryTruncationAndBitFlipIsRejected) {
  AwLwwMap a(7), b(8);
  a.Put("x", "1", 1);
  a.Remove("x", 2);
  b.Join(a.Put("y", "2", 3));
  b.Put("y", "3", 4);
  const std::string bytes = EncodeDelta(b.State());
  for (size_t n = 0; n < bytes.size(); ++n) {
    const Status s = DecodeDelta(bytes.substr(0, n)).status();
    ASSERT_EQ(s.code(), StatusCode::kDataLoss) << "prefix " << n << ": " << s;
  }
  for (size_t i = 0; i < bytes.size() * 8; ++i) {
    std::string bad = bytes;
    bad[i / 8] ^= static_cast<char>(1 << (i % 8));
    ASSERT_FALSE(DecodeDelta(bad).ok()) << "bit " << i;
  }
}

// The fuzz seed corpus stays meaningful: "valid_*" seeds decode, "corrupt_*" seeds do not.
// (Regenerate it with crdt_codec_corpus_gen when the format changes.)
TEST(CodecTest, SeedCorpusMatchesItsNames) {
  size_t valid = 0, corrupt = 0;
  for (const auto& f : std::filesystem::directory_iterator(HERD_CRDT_CORPUS_DIR)) {
    std::ifstream in(f.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string name = f.path().filename().string();
    const bool decodes = DecodeDelta(bytes).ok() || DecodeContext(bytes).ok();
    if (name.rfind("valid_", 0) == 0) {
      EXPECT_TRUE(decodes) << name;
      ++valid;
    } else if (name.rfind("corrupt_", 0) == 0) {
      EXPECT_FALSE(decodes) << name;
      ++corrupt;
    }
  }
  EXPECT_GE(valid, 10u);
  EXPECT_GE(corrupt, 3u);
}

}  // namespace
}  // namespace herd::crdt
