#include "sidecar/records.h"

#include <gtest/gtest.h>

#include "sidecar/peer_message.h"
#include "sidecar/record_prefetcher.h"

namespace herd::sidecar {
namespace {

// Read-ahead over lists of every length around its distances (names with records and without,
// one long enough to leave the key's inline buffer): the reads it runs beside find what they
// would without it.
TEST(RecordPrefetcherTest, WalksAnyListWithoutChangingWhatIsRead) {
  crdt::AwLwwMap map(1);
  for (int i = 0; i < 40; i += 2) {
    map.Put(std::string(kStatusPrefix) + "w-" + std::to_string(i), "s" + std::to_string(i), 1);
  }
  for (size_t n : {0, 1, 3, 4, 5, 8, 12, 13, 14, 40}) {
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) names.push_back("w-" + std::to_string(i));
    if (n == 40) names.back() = std::string(100, 'x');
    std::vector<const std::string*> pointers;
    for (const std::string& name : names) pointers.push_back(&name);
    RecordPrefetcher prefetch(map, pointers);
    for (size_t i = 0; i < n; ++i) {
      prefetch.Before(i);
      const std::optional<std::string_view> status = map.Get(std::string(kStatusPrefix) + names[i]);
      if (i % 2 == 0 && names[i].size() < 100) {
        EXPECT_EQ(status, "s" + std::to_string(i)) << n << " " << i;
      } else {
        EXPECT_EQ(status, std::nullopt) << n << " " << i;
      }
    }
  }
}

TEST(RecordsTest, RoundTrips) {
  MemberRecord m{"10.0.0.1:7946", 42, MemberStatus::kShuttingDown};
  EXPECT_EQ(*DecodeMember(EncodeMember(m)), m);
  WorkloadRecord w{"spec-bytes", 7, 3, "m1", 9, -5};
  EXPECT_EQ(*DecodeWorkload(EncodeWorkload(w)), w);
  WorkloadRecord no_spec = w;
  no_spec.spec.clear();
  EXPECT_EQ(*DecodeWorkload(EncodeWorkload(w), SpecBytes::kSkip), no_spec);
  StatusRecord s;
  s.owner = "m2";
  s.epoch = 4;
  s.generation = 3;
  s.phase = Phase::kBackoff;
  s.pid = 1234;
  s.restarts = 2;
  s.exit_code = 1;
  s.signal = 0;
  s.exit_at_ms = 1700000000000;
  s.message = "exited with code 1";
  EXPECT_EQ(*DecodeStatus(EncodeStatus(s)), s);
  // The head alone: the leading fields, the rest at their defaults.
  const std::string encoded = EncodeStatus(s);
  Result<StatusView> head = DecodeStatusView(encoded, StatusFields::kHead);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->owner, "m2");
  EXPECT_EQ(head->epoch, 4u);
  EXPECT_EQ(head->generation, 3u);
  EXPECT_EQ(head->phase, Phase::kBackoff);
  EXPECT_EQ(head->pid, 1234);
  EXPECT_EQ(head->restarts, 0u);
  EXPECT_EQ(head->message, "");
  for (size_t cut = 0; cut < 9; ++cut) {  // version, owner (3), epoch, generation, phase, pid (2)
    EXPECT_FALSE(DecodeStatusView(encoded.substr(0, cut), StatusFields::kHead).ok()) << cut;
  }
  std::vector<std::pair<std::string, std::string>> list{{"a", "a:1"}, {"b", "b:2"}};
  EXPECT_EQ(*DecodeMemberList(EncodeMemberList(list)), list);
}

TEST(RecordsTest, RejectsCorruptInputWithAClearError) {
  std::string w = EncodeWorkload(WorkloadRecord{"spec", 1, 1, "m0", 1, 0});
  for (size_t cut = 0; cut < w.size(); ++cut) {
    EXPECT_FALSE(DecodeWorkload(w.substr(0, cut)).ok()) << cut;
  }
  EXPECT_EQ(DecodeWorkload(w + "x").status().message(), "workload: 1 trailing bytes");
  EXPECT_EQ(DecodeWorkload(w + "x", SpecBytes::kSkip).status().message(),
            "workload: 1 trailing bytes");
  std::string v = w;
  v[0] = 9;
  EXPECT_EQ(DecodeWorkload(v).status().message(), "workload: unsupported version 9");
  std::string st = EncodeStatus(StatusRecord{});
  st[1 + 1 + 1 + 1] = 42;  // version, owner "", epoch 0, generation 0, then phase
  EXPECT_EQ(DecodeStatus(st).status().message(), "status phase: unknown value 42");
}

TEST(PeerMessageTest, RoundTripAndRejects) {
  PeerMessage m{PeerMessageType::kDelta, "m1", 77, 123456, 9, "ctx", "delta", {}};
  EXPECT_EQ(*DecodePeerMessage(EncodePeerMessage(m)), m);
  std::string bytes = EncodePeerMessage(m);
  bytes[1] = 9;
  EXPECT_EQ(DecodePeerMessage(bytes).status().message(), "peer message: unknown type 9");
  EXPECT_FALSE(DecodePeerMessage("").ok());
  PeerMessage anon = m;
  anon.sender.clear();
  EXPECT_EQ(DecodePeerMessage(EncodePeerMessage(anon)).status().message(),
            "peer message: empty sender");
}

TEST(PeerMessageTest, HeartbeatsCarryWhomTheSenderHears) {
  PeerMessage m{PeerMessageType::kHeartbeat, "m1", 77, 123456, 0, "ctx", "", {}};
  m.heard = {{"m2", 5, 120}, {"m3", 1, 0}};
  EXPECT_EQ(*DecodePeerMessage(EncodePeerMessage(m)), m);
  // A heartbeat of an earlier version leaves the slot empty: nobody heard, not an error.
  PeerMessage old{PeerMessageType::kHeartbeat, "m1", 77, 123456, 0, "ctx", "", {}};
  PeerMessage as_delta = old;
  as_delta.type = PeerMessageType::kDelta;  // encodes the empty slot as it is
  std::string bytes = EncodePeerMessage(as_delta);
  bytes[1] = static_cast<char>(PeerMessageType::kHeartbeat);
  EXPECT_EQ(*DecodePeerMessage(bytes), old);
  // Only heartbeats carry the list; a bad one is refused, naming it.
  PeerMessage bad = as_delta;
  const std::string empty_member("\x01\x00", 2);  // one report, with an empty member name
  bad.delta = empty_member;
  bytes = EncodePeerMessage(bad);
  bytes[1] = static_cast<char>(PeerMessageType::kHeartbeat);
  EXPECT_EQ(DecodePeerMessage(bytes).status().message(), "peer message: empty heard member");
  bad.delta = "\x05";
  bytes = EncodePeerMessage(bad);
  bytes[1] = static_cast<char>(PeerMessageType::kHeartbeat);
  EXPECT_FALSE(DecodePeerMessage(bytes).ok());  // five announced, none there
}

}  // namespace
}  // namespace herd::sidecar
