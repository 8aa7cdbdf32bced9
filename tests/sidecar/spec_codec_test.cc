#include "sidecar/spec_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/sidecar/random_spec.h"

namespace herd::sidecar {
namespace {

constexpr uint64_t kSeed = 0xc0dec;

WorkloadSpec Sample() {
  WorkloadSpec s;
  s.name = "ingest-7";
  s.labels = {{"team", "data"}, {"tier", "batch"}};
  s.command = {"/usr/bin/ingest", "--shard", "7"};
  s.env = {{"LOG_LEVEL", "info"}};
  s.working_dir = "/srv";
  s.resources = {64 << 20, 64};
  return s;
}

TEST(SpecCodecTest, RoundTripsRandomSpecs) {
  Random rng(kSeed);
  for (int i = 0; i < 2000; ++i) {
    WorkloadSpec spec = testing::RandomSpec(rng);
    std::string bytes = EncodeSpec(spec);
    Result<WorkloadSpec> back = DecodeSpec(bytes);
    ASSERT_TRUE(back.ok()) << "seed " << kSeed << " round " << i << ": " << back.status();
    ASSERT_EQ(*back, spec) << "seed " << kSeed << " round " << i;
    ASSERT_EQ(EncodeSpec(*back), bytes);
  }
}

TEST(SpecCodecTest, IsCompact) {
  // One byte of version, then little more than the strings themselves.
  EXPECT_LT(EncodeSpec(Sample()).size(), 100u);
  EXPECT_EQ(static_cast<uint8_t>(EncodeSpec(Sample())[0]), kSpecCodecVersion);
}

// A hand-built encoding of a minimal valid spec ({name: w, command: [x]}), to corrupt one
// field at a time. `rest` is env, workingDir, image, restart, then the five integers.
std::string Encoded(std::string_view name = "\x01w", std::string_view labels = {"\x00", 1},
                    std::string_view runtime = {"\x00", 1}, std::string_view command = "\x01\x01x",
                    std::string_view rest = {"\x00\x00\x00\x00\x0a\x06\x0a\x00\x00", 9}) {
  std::string out = "\x01";
  out += name;
  out += labels;
  out += runtime;
  out += command;
  out += rest;
  return out;
}

TEST(SpecCodecTest, HandBuiltEncodingDecodes) {
  WorkloadSpec want;
  want.name = "w";
  want.command = {"x"};
  ASSERT_EQ(EncodeSpec(want), Encoded());
  Result<WorkloadSpec> got = DecodeSpec(Encoded());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, want);
}

TEST(SpecCodecTest, RejectsCorruptInput) {
  using namespace std::string_literals;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "spec codec: version: truncated at byte 0"},
      {"\x02"s, "spec codec: version: unsupported version 2"},
      {"\x00"s, "spec codec: version: unsupported version 0"},
      {"\x01"s, "spec codec: name: truncated at byte 1"},
      {"\x01\x05w"s, "spec codec: name: length 5 exceeds the 1 bytes left"},
      {Encoded("\x81\x00w"s), "spec codec: name: non-minimal varint"},
      {"\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"s,
       "spec codec: name: varint overflows 64 bits"},
      {Encoded("\x01w", "\x7f"), "spec codec: labels: count 127 cannot fit in the 13 bytes left"},
      {Encoded("\x01w",
               "\x02\x01"
               "b\x00\x01"
               "a\x00"s),
       "spec codec: labels: keys not in strictly increasing order"},
      {Encoded("\x01w",
               "\x02\x01"
               "a\x00\x01"
               "a\x00"s),
       "spec codec: labels: keys not in strictly increasing order"},
      {Encoded("\x01w", "\x00"s, "\x02"), "spec codec: runtime: unknown value 2"},
      {Encoded("\x01w", "\x00"s, "\x00"s, "\x01\x01x"s, "\x00\x00\x00\x03"s),
       "spec codec: restart: unknown value 3"},
      {Encoded("\x01w", "\x00"s, "\x00"s, "\x01\x01x"s,
               "\x00\x00\x00\x00\xfe\xff\xff\xff\x1f\x06\x0a\x00\x00"s),
       "spec codec: shutdownTimeoutSeconds: 4294967295 is out of range"},
      {Encoded() + "x", "spec codec: spec: 1 trailing bytes"},
      {Encoded().substr(0, Encoded().size() - 1), "spec codec: pids: truncated at byte 16"},
  };
  for (const auto& [bytes, message] : cases) {
    Result<WorkloadSpec> r = DecodeSpec(bytes);
    ASSERT_FALSE(r.ok()) << message;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << message;
    EXPECT_EQ(r.status().message(), message);
  }
}

TEST(SpecCodecTest, RevalidatesWhatItDecodes) {
  WorkloadSpec bad = Sample();
  bad.max_seconds = 0;
  Result<WorkloadSpec> r = DecodeSpec(EncodeSpec(bad));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "spec.maxSeconds");
  EXPECT_EQ(r.status().message(),
            "spec codec: decoded spec is invalid: spec.maxSeconds: Invalid value: 0: must be "
            "between 1 and 86400, inclusive");
}

TEST(SpecCodecTest, EveryPrefixAndEveryFlipIsSafe) {
  Random rng(kSeed + 1);
  for (int i = 0; i < 200; ++i) {
    const std::string bytes = EncodeSpec(testing::RandomSpec(rng));
    for (size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_FALSE(DecodeSpec(bytes.substr(0, n)).ok()) << "seed " << kSeed + 1 << " prefix " << n;
    }
    for (int k = 0; k < 50; ++k) {
      std::string flipped = bytes;
      flipped[rng.Uniform(flipped.size())] ^= static_cast<char>(1 + rng.Uniform(255));
      Result<WorkloadSpec> r = DecodeSpec(flipped);
      // Whatever decodes is canonical: it encodes back to the very same bytes.
      if (r.ok()) {
        ASSERT_EQ(EncodeSpec(*r), flipped) << "seed " << kSeed + 1;
      }
    }
  }
}

TEST(SpecCodecTest, FingerprintsAreStable) {
  // Pinned: a change here restarts every workload of a cluster being upgraded.
  EXPECT_EQ(RuntimeFingerprint(Sample()), 0x549eeb86729f59c6u);
  EXPECT_EQ(SpecFingerprint(Sample()), 0x75dbdc13eeb6d392u);
  EXPECT_EQ(RuntimeFingerprint(WorkloadSpec{}), 0x872bd98e205383c7u);
  WorkloadSpec big = Sample();
  big.resources.memory_bytes = (int64_t{1} << 62) + 0x0100;  // zero bytes low and in between
  EXPECT_EQ(RuntimeFingerprint(big), 0xdb1b6f011d474b3cu);
}

TEST(SpecCodecTest, LabelsChangeOnlyTheSpecFingerprint) {
  WorkloadSpec a = Sample();
  WorkloadSpec b = a;
  b.labels["team"] = "other";
  EXPECT_EQ(RuntimeFingerprint(a), RuntimeFingerprint(b));
  EXPECT_NE(SpecFingerprint(a), SpecFingerprint(b));
}

TEST(SpecCodecTest, EveryRuntimeFieldChangesTheRuntimeFingerprint) {
  const std::vector<std::pair<const char*, void (*)(WorkloadSpec&)>> edits = {
      {"name", [](WorkloadSpec& s) { s.name = "other"; }},
      {"runtime", [](WorkloadSpec& s) { s.runtime = Runtime::kContainer; }},
      {"command", [](WorkloadSpec& s) { s.command.back() = "8"; }},
      {"command split",
       [](WorkloadSpec& s) {
         s.command = {"/usr/bin/ingest--shard", "7"};
       }},
      {"env", [](WorkloadSpec& s) { s.env[0].value = "debug"; }},
      {"env split",
       [](WorkloadSpec& s) {
         s.env[0] = {"LOG_LEVELi", "nfo"};
       }},
      {"workingDir", [](WorkloadSpec& s) { s.working_dir = "/tmp"; }},
      {"image", [](WorkloadSpec& s) { s.image = "busybox"; }},
      {"restart", [](WorkloadSpec& s) { s.restart = RestartPolicy::kTemporary; }},
      {"shutdown", [](WorkloadSpec& s) { s.shutdown_timeout_seconds = 6; }},
      {"maxRestarts", [](WorkloadSpec& s) { s.max_restarts = 4; }},
      {"maxSeconds", [](WorkloadSpec& s) { s.max_seconds = 6; }},
      {"memory", [](WorkloadSpec& s) { s.resources.memory_bytes += 1; }},
      {"pids", [](WorkloadSpec& s) { s.resources.pids += 1; }},
  };
  const WorkloadSpec base = Sample();
  for (const auto& [what, edit] : edits) {
    WorkloadSpec changed = base;
    edit(changed);
    EXPECT_NE(RuntimeFingerprint(changed), RuntimeFingerprint(base)) << what;
    EXPECT_NE(SpecFingerprint(changed), SpecFingerprint(base)) << what;
  }
}

}  // namespace
}  // namespace herd::sidecar
