// Store benchmark: fsync latency, single-record and group commit throughput, and load time of
// a large log, on FileStore in a fresh directory under /tmp (or $HERD_BENCH_DIR). Prints one
// JSON object on stdout. Numbers only; nothing here passes or fails on time.
#include <stdlib.h>
#include <sys/vfs.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/log.h"
#include "sidecar/posix/file_store.h"

namespace {

using herd::sidecar::FileStore;
using Clock = std::chrono::steady_clock;

constexpr size_t kRecordBytes = 300;
constexpr int kSingleSyncs = 1000;
constexpr int kGroupBatches = 300;
constexpr int kGroupSize = 64;
constexpr int kLoadRecords = 100000;

[[noreturn]] void Die(const std::string& what, const herd::Status& s) {
  std::fprintf(stderr, "store_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

std::unique_ptr<FileStore> OpenLoaded(const std::string& dir, size_t* records = nullptr) {
  auto store = FileStore::Open(dir);
  if (!store.ok()) {
    Die("open " + dir, store.status());
  }
  auto loaded = (*store)->Load();
  if (!loaded.ok()) {
    Die("load " + dir, loaded.status());
  }
  if (records != nullptr) {
    *records = loaded->records.size();
  }
  return std::move(store).value();
}

void Check(const herd::Status& s, const char* what) {
  if (!s.ok()) {
    Die(what, s);
  }
}

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(std::lround(p * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

std::string FsType(const std::string& dir) {
  struct statfs st;
  if (::statfs(dir.c_str(), &st) != 0) {
    return "unknown";
  }
  switch (static_cast<uint64_t>(st.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x01021994:
      return "tmpfs";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x794c7630:
      return "overlayfs";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(st.f_type));
      return buf;
    }
  }
}

}  // namespace

int main() {
  herd::SetMinLogLevel(herd::LogLevel::kWarning);
  const char* base_env = std::getenv("HERD_BENCH_DIR");
  std::string tmpl =
      std::string(base_env != nullptr ? base_env : "/tmp") + "/herd_store_bench.XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::perror("store_bench: mkdtemp");
    return 1;
  }
  const std::string root = tmpl;
  const std::string record(kRecordBytes, 'r');

  // 1. One record per sync: what an unbatched API write costs.
  std::vector<double> fsync_us;
  double single_s;
  {
    auto store = OpenLoaded(root + "/single");
    auto start = Clock::now();
    for (int i = 0; i < kSingleSyncs; ++i) {
      Check(store->Append(record), "append");
      Check(store->Sync(), "sync");
      fsync_us.push_back(store->stats().last_fsync_seconds * 1e6);
    }
    single_s = Seconds(start);
  }

  // 2. Group commit: 64 records, one sync.
  double group_s;
  {
    auto store = OpenLoaded(root + "/group");
    auto start = Clock::now();
    for (int b = 0; b < kGroupBatches; ++b) {
      for (int i = 0; i < kGroupSize; ++i) {
        Check(store->Append(record), "append");
      }
      Check(store->Sync(), "sync");
    }
    group_s = Seconds(start);
  }

  // 3. Load of a 100k-record log (page cache warm: it was just written).
  double load_s;
  size_t loaded_records = 0;
  {
    {
      auto store = OpenLoaded(root + "/load");
      for (int i = 0; i < kLoadRecords; ++i) {
        Check(store->Append(record), "append");
      }
      Check(store->Sync(), "sync");
    }
    auto start = Clock::now();
    auto store = OpenLoaded(root + "/load", &loaded_records);
    load_s = Seconds(start);
  }
  if (loaded_records != static_cast<size_t>(kLoadRecords)) {
    std::fprintf(stderr, "store_bench: loaded %zu records, wrote %d\n", loaded_records,
                 kLoadRecords);
    return 1;
  }
  const std::string fs = FsType(root);
  std::error_code ec;
  std::filesystem::remove_all(root, ec);

  std::printf(
      "{\"fsync_p50_us\": %.1f, \"fsync_p99_us\": %.1f, \"fsync_max_us\": %.1f, "
      "\"append_sync_per_s\": %.0f, \"group_commit_records_per_s\": %.0f, "
      "\"load_ms_100k\": %.1f, \"record_bytes\": %zu, \"group_size\": %d, \"syncs\": %d, "
      "\"fs\": \"%s\"}\n",
      Percentile(fsync_us, 0.50), Percentile(fsync_us, 0.99),
      *std::max_element(fsync_us.begin(), fsync_us.end()), kSingleSyncs / single_s,
      kGroupBatches * kGroupSize / group_s, load_s * 1e3, kRecordBytes, kGroupSize, kSingleSyncs,
      fs.c_str());
  return 0;
}
