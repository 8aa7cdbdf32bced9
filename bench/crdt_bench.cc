// crdt_bench: the CRDT's numbers, printed as one JSON object on stdout (scripts/bench.sh writes
// it to build/bench/crdt.json). Reports numbers; passes or fails on nothing but crashes.
//
//   join_delta_ns                 one single-key delta (a 100-byte value replacing the key's
//                                 previous write) joined into a 100,000-key map, with a diff
//                                 callback: thread CPU time, best of 5 batches of 20,000
//                                 (the median is reported too; the machine is shared). The
//                                 deltas are made 1,000 at a time just before being joined, so
//                                 each is as warm as one just decoded from the wire, and garbage
//                                 is collected between chunks (covers stay one dot long)
//   join_delta_no_callback_ns     the same without a diff callback
//   encode_mb_s, decode_mb_s      codec throughput on the whole 100,000-key state (CPU time)
//   bytes_per_change_1k / _100k   encoded delta of one key change (100-byte value) against a
//                                 1,000- / 100,000-key map
//   anti_entropy_bytes_100k_1pct  encoded DeltaSince for a replica that missed updates of 1%
//                                 of 100,000 keys, next to the changed entries' raw key+value
//                                 bytes (anti_entropy_raw_bytes) and their ratio
//   state_bytes_per_key           heap bytes per key of a 100,000-key map with 100-byte values,
//                                 measured as the growth of glibc mallinfo2()'s bytes in use
//                                 (uordblks + hblkhd: the arena and the blocks mapped apart)
//                                 while building it (keys, values, entries and indexes; not the
//                                 allocator's free lists)
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/random.h"
#include "crdt/aw_lww_map.h"
#include "crdt/codec.h"

namespace herd::crdt {
namespace {

constexpr ReplicaId kWriter = 0x8c3f5a7e21d94b06ULL;  // realistic, full-width replica ids
constexpr ReplicaId kReader = 0x1b7e9d2c4f6a8e13ULL;

std::string Key(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "workload/w%06zu", i);
  return buf;
}

std::string Value(Random& rng) {
  std::string v(100, ' ');
  for (char& c : v) c = static_cast<char>('a' + rng.Uniform(26));
  return v;
}

void Fill(AwLwwMap* m, size_t keys, Random& rng) {
  for (size_t i = 0; i < keys; ++i) m->Put(Key(i), Value(rng), 1'000'000 + i);
}

size_t HeapInUse() {
  const struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;  // big tables are mapped apart: uordblks alone misses them
}

// This thread's CPU time: other processes sharing the machine do not inflate it (much).
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

constexpr size_t kJoins = 100'000;
constexpr size_t kBatches = 5;
constexpr size_t kChunk = 1'000;

// Joins kJoins single-key deltas from `writer` into `reader`, in kBatches batches; returns each
// batch's CPU ns per join, sorted. Deltas are made kChunk at a time just before being joined
// (untimed), so that each is as fresh in cache as one just decoded from the wire; garbage is
// collected between chunks, as the agent does once peers ack.
std::vector<double> TimeJoins(AwLwwMap* writer, AwLwwMap* reader, size_t keys, Random& rng,
                              const DiffCallback& on_diff) {
  std::vector<double> ns;
  std::vector<Delta> deltas;
  deltas.reserve(kChunk);
  uint64_t ts = 2'000'000'000;
  for (size_t b = 0; b < kBatches; ++b) {
    double cpu = 0;
    for (size_t done = 0; done < kJoins / kBatches; done += kChunk) {
      deltas.clear();
      for (size_t i = 0; i < kChunk; ++i) {
        deltas.push_back(writer->Put(Key(rng.Uniform(keys)), Value(rng), ++ts));
      }
      const double start = ThreadCpuSeconds();
      for (const Delta& d : deltas) reader->Join(d, on_diff);
      cpu += ThreadCpuSeconds() - start;
      // Steady state: both have acked everything, so covers are trimmed as the agent would.
      const auto seen = CommonVersionVector({&writer->context(), &reader->context()});
      writer->CollectGarbage(seen);
      reader->CollectGarbage(seen);
    }
    ns.push_back(cpu * 1e9 / static_cast<double>(kJoins / kBatches));
  }
  std::sort(ns.begin(), ns.end());
  return ns;
}

size_t BytesPerChange(size_t keys) {
  Random rng(keys);
  AwLwwMap m(kWriter);
  Fill(&m, keys, rng);
  return EncodeDelta(m.Put(Key(keys / 2), Value(rng), 9'000'000)).size();
}

}  // namespace

int Main() {
  constexpr size_t kKeys = 100'000;
  Random rng(42);

  // State size.
  const size_t heap_before = HeapInUse();
  AwLwwMap writer(kWriter);
  Fill(&writer, kKeys, rng);
  const double state_bytes_per_key =
      static_cast<double>(HeapInUse() - heap_before) / static_cast<double>(kKeys);
  const double raw_bytes_per_key = static_cast<double>(Key(0).size() + 100);

  // Codec throughput on the whole state.
  const Delta state = writer.State();
  std::string encoded;
  constexpr int kCodecRounds = 5;
  double start = ThreadCpuSeconds();
  for (int i = 0; i < kCodecRounds; ++i) encoded = EncodeDelta(state);
  const double encode_s = ThreadCpuSeconds() - start;
  size_t decoded_entries = 0;
  start = ThreadCpuSeconds();
  for (int i = 0; i < kCodecRounds; ++i) {
    Result<Delta> d = DecodeDelta(encoded);
    if (!d.ok()) {
      std::fprintf(stderr, "decode failed: %s\n", d.status().ToString().c_str());
      return 1;
    }
    decoded_entries += d->entries.size();
  }
  const double decode_s = ThreadCpuSeconds() - start;
  const double mb = static_cast<double>(encoded.size()) * kCodecRounds / 1e6;

  // Join of single-key deltas into a 100,000-key replica.
  AwLwwMap reader(kReader);
  reader.Join(state);
  size_t diffs = 0;
  const DiffCallback count = [&diffs](const Diff&) { ++diffs; };
  const std::vector<double> with_cb = TimeJoins(&writer, &reader, kKeys, rng, count);
  const std::vector<double> without_cb = TimeJoins(&writer, &reader, kKeys, rng, nullptr);

  // Anti-entropy: the reader misses updates of 1% of the keys.
  constexpr size_t kMissed = kKeys / 100;
  size_t raw = 0;
  std::vector<bool> touched(kKeys, false);
  for (size_t n = 0; n < kMissed;) {
    const size_t k = rng.Uniform(kKeys);
    if (touched[k]) continue;
    touched[k] = true;
    ++n;
    const std::string key = Key(k);
    const std::string value = Value(rng);
    raw += key.size() + value.size();
    writer.Put(key, value, 3'000'000 + n);
  }
  start = ThreadCpuSeconds();
  const Delta repair = writer.DeltaSince(reader.context());
  const double delta_since_us = (ThreadCpuSeconds() - start) * 1e6;
  const size_t anti_entropy = EncodeDelta(repair).size();
  reader.Join(repair);
  const bool converged =
      reader.size() == writer.size() && !repair.full_state && repair.entries.size() == kMissed;

  const size_t per_change_1k = BytesPerChange(1'000);
  const size_t per_change_100k = BytesPerChange(100'000);

  std::printf(
      "{\n"
      "  \"join_delta_ns\": %.0f,\n"
      "  \"join_delta_median_ns\": %.0f,\n"
      "  \"join_delta_no_callback_ns\": %.0f,\n"
      "  \"join_method\": \"thread CPU time, best of %zu batches of %zu joins; deltas made %zu "
      "at a time just before joining\",\n"
      "  \"encode_mb_s\": %.0f,\n"
      "  \"decode_mb_s\": %.0f,\n"
      "  \"state_encoded_bytes_100k\": %zu,\n"
      "  \"bytes_per_change_1k\": %zu,\n"
      "  \"bytes_per_change_100k\": %zu,\n"
      "  \"anti_entropy_bytes_100k_1pct\": %zu,\n"
      "  \"anti_entropy_raw_bytes\": %zu,\n"
      "  \"anti_entropy_ratio\": %.2f,\n"
      "  \"delta_since_us_100k_1pct\": %.0f,\n"
      "  \"state_bytes_per_key\": %.0f,\n"
      "  \"state_raw_bytes_per_key\": %.0f,\n"
      "  \"state_bytes_method\": \"glibc mallinfo2 uordblks + hblkhd growth / keys, 100-byte "
      "values\",\n"
      "  \"checks\": {\"joins_reported_diffs\": %zu, \"decoded_entries\": %zu, "
      "\"anti_entropy_converged\": %s}\n"
      "}\n",
      with_cb.front(), with_cb[kBatches / 2], without_cb.front(), kBatches, kJoins / kBatches,
      kChunk, mb / encode_s, mb / decode_s, encoded.size(), per_change_1k, per_change_100k,
      anti_entropy, raw, static_cast<double>(anti_entropy) / raw, delta_since_us,
      state_bytes_per_key, raw_bytes_per_key, diffs, decoded_entries, converged ? "true" : "false");
  return converged ? 0 : 1;
}

}  // namespace herd::crdt

int main() { return herd::crdt::Main(); }
