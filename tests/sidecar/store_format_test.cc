#include "sidecar/posix/store_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sidecar/store.h"
#include "tests/sidecar/store_test_util.h"

namespace herd::sidecar {
namespace {

using ::herd::sidecar::testing::StatusIs;
using ::testing::ElementsAre;

std::string LogOf(uint64_t seq, const std::vector<std::string>& records) {
  std::string out = EncodeLogHeader(seq);
  for (const std::string& r : records) {
    AppendRecordFrame(out, r);
  }
  return out;
}

std::vector<std::string> Strings(const DecodedLog& log) {
  return std::vector<std::string>(log.records.begin(), log.records.end());
}

TEST(StoreFormatTest, EmptyLogIsJustTheHeader) {
  std::string log = LogOf(7, {});
  ASSERT_EQ(log.size(), kLogHeaderBytes);
  Result<DecodedLog> d = DecodeLogBuffer(log);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->snapshot_seq, 7u);
  EXPECT_TRUE(d->records.empty());
  EXPECT_EQ(d->good_bytes, kLogHeaderBytes);
  EXPECT_EQ(d->reason, "");
}

TEST(StoreFormatTest, RecordsRoundTripIncludingEmptyAndBinary) {
  std::string binary("\0\xff\x01zero\0", 8);
  std::string log = LogOf(3, {"alpha", "", binary, std::string(70000, 'x')});
  Result<DecodedLog> d = DecodeLogBuffer(log);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(Strings(*d), ElementsAre("alpha", "", binary, std::string(70000, 'x')));
  EXPECT_EQ(d->good_bytes, log.size());
  EXPECT_EQ(d->reason, "");
}

TEST(StoreFormatTest, ZeroFilledTailNeverVerifies) {
  // After a crash a file system may show a grown file whose tail reads as zeros.
  std::string good = LogOf(0, {"a", "b"});
  for (size_t zeros : {4u, 8u, 9u, 64u, 4096u}) {
    const std::string file = good + std::string(zeros, '\0');  // outlives the views into it
    Result<DecodedLog> d = DecodeLogBuffer(file);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_THAT(Strings(*d), ElementsAre("a", "b")) << zeros;
    EXPECT_EQ(d->good_bytes, good.size()) << zeros;
    EXPECT_FALSE(d->reason.empty()) << zeros;
  }
}

TEST(StoreFormatTest, EveryTruncationYieldsTheWholeRecordsBeforeIt) {
  const std::vector<std::string> records = {"first", "second record", "3"};
  std::string log = LogOf(1, records);
  std::vector<size_t> ends = {kLogHeaderBytes};
  for (const std::string& r : records) {
    ends.push_back(ends.back() + kRecordHeaderBytes + r.size());
  }
  for (size_t cut = kLogHeaderBytes; cut <= log.size(); ++cut) {
    Result<DecodedLog> d = DecodeLogBuffer(std::string_view(log).substr(0, cut));
    ASSERT_TRUE(d.ok()) << "cut " << cut << ": " << d.status();
    size_t whole = 0;
    while (whole < records.size() && ends[whole + 1] <= cut) {
      ++whole;
    }
    EXPECT_EQ(d->records.size(), whole) << "cut " << cut;
    EXPECT_EQ(d->good_bytes, ends[whole]) << "cut " << cut;
    EXPECT_EQ(d->reason.empty(), cut == ends[whole]) << "cut " << cut << ": " << d->reason;
  }
}

TEST(StoreFormatTest, EveryFlippedBitStopsDecodingAtTheDamagedRecord) {
  const std::vector<std::string> records = {"one", "two!", "three"};
  std::string log = LogOf(1, records);
  std::vector<size_t> ends = {kLogHeaderBytes};
  for (const std::string& r : records) {
    ends.push_back(ends.back() + kRecordHeaderBytes + r.size());
  }
  for (size_t byte = kLogHeaderBytes; byte < log.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = log;
      damaged[byte] = static_cast<char>(damaged[byte] ^ (1 << bit));
      size_t hit = 0;
      while (ends[hit + 1] <= byte) {
        ++hit;
      }
      Result<DecodedLog> d = DecodeLogBuffer(damaged);
      ASSERT_TRUE(d.ok()) << d.status();
      EXPECT_EQ(d->records.size(), hit) << "byte " << byte << " bit " << bit;
      EXPECT_EQ(d->good_bytes, ends[hit]) << "byte " << byte << " bit " << bit;
      EXPECT_FALSE(d->reason.empty());
    }
  }
}

TEST(StoreFormatTest, ReasonsNameWhatIsWrong) {
  std::string log = LogOf(0, {"abc"});
  Result<DecodedLog> d = DecodeLogBuffer(log + "\x01\x02\x03");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->reason, "torn record header (3 of 8 bytes)");

  d = DecodeLogBuffer(log.substr(0, log.size() - 1));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->reason, "torn record (2 of 3 bytes)");

  std::string huge = log + std::string("\xff\xff\xff\xff\0\0\0\0", 8);
  d = DecodeLogBuffer(huge);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->reason, "record length 4294967295 exceeds the limit of 67108864 bytes");

  std::string flipped = log;
  flipped.back() ^= 0x20;
  d = DecodeLogBuffer(flipped);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->reason, "record checksum mismatch");
}

TEST(StoreFormatTest, BadLogHeaderIsDataLoss) {
  std::string log = LogOf(5, {"r"});
  EXPECT_THAT(DecodeLogBuffer("").status(), StatusIs(StatusCode::kDataLoss, "0 of 24 bytes"));
  EXPECT_THAT(DecodeLogBuffer(log.substr(0, 23)).status(),
              StatusIs(StatusCode::kDataLoss, "log header is torn"));
  std::string magic = log;
  magic[0] = 'H';
  EXPECT_THAT(DecodeLogBuffer(magic).status(), StatusIs(StatusCode::kDataLoss, "wrong magic"));
  std::string seq = log;
  seq[12] ^= 1;  // the snapshot sequence number is covered by the header checksum
  EXPECT_THAT(DecodeLogBuffer(seq).status(),
              StatusIs(StatusCode::kDataLoss, "log header checksum mismatch"));
  EXPECT_THAT(DecodeLogBuffer(std::string(kLogHeaderBytes, '\0')).status(),
              StatusIs(StatusCode::kDataLoss));
}

TEST(StoreFormatTest, BlobRoundTrip) {
  std::string payload("snap\0shot", 9);
  std::string file = EncodeBlob(BlobKind::kSnapshot, 42, payload);
  EXPECT_EQ(file.size(), kBlobHeaderBytes + payload.size());
  Result<DecodedBlob> b = DecodeBlob(BlobKind::kSnapshot, file);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->seq, 42u);
  EXPECT_EQ(b->payload, payload);

  Result<DecodedBlob> empty =
      DecodeBlob(BlobKind::kIdentity, EncodeBlob(BlobKind::kIdentity, 0, ""));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->payload, "");
}

TEST(StoreFormatTest, BadBlobsAreDataLoss) {
  std::string file = EncodeBlob(BlobKind::kSnapshot, 1, "payload");
  EXPECT_THAT(DecodeBlob(BlobKind::kSnapshot, file.substr(0, 10)).status(),
              StatusIs(StatusCode::kDataLoss, "snapshot file is torn"));
  EXPECT_THAT(DecodeBlob(BlobKind::kIdentity, file).status(),
              StatusIs(StatusCode::kDataLoss, "identity file has the wrong magic"));
  EXPECT_THAT(DecodeBlob(BlobKind::kSnapshot, file + "x").status(),
              StatusIs(StatusCode::kDataLoss, "header says 7 payload bytes, file holds 8"));
  EXPECT_THAT(DecodeBlob(BlobKind::kSnapshot, file.substr(0, file.size() - 1)).status(),
              StatusIs(StatusCode::kDataLoss, "length mismatch"));
  for (size_t i = 8; i < file.size(); ++i) {
    if (i >= 20 && i < 28) {
      continue;  // the length field: a length mismatch, tested above
    }
    std::string damaged = file;
    damaged[i] ^= 0x04;
    EXPECT_THAT(DecodeBlob(BlobKind::kSnapshot, damaged).status(),
                StatusIs(StatusCode::kDataLoss, "checksum mismatch"))
        << "byte " << i;
  }
}

}  // namespace
}  // namespace herd::sidecar
