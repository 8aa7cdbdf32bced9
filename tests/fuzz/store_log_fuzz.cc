// Fuzz target for the store's log decoder. Bit 0 of the first input byte prepends a valid log
// header (so the fuzzer spends its time on records); the rest is the log. Every input goes
// through the pure decoder. Some also get written as the `log` of a data dir and loaded
// through FileStore: every input in the ctest replay, and one in 16 (picked by a hash of the
// input, so a crash replays) under libFuzzer, where a load's ~20 system calls would otherwise
// cut the rate of the pure decoder by three. Either way the result must be a
// prefix of the buffer that re-encodes to exactly the bytes it came from, and a load must
// agree with the pure decoder: same records, the tail cut off the file, or the same error.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "common/crc32c.h"
#include "common/log.h"
#include "sidecar/posix/file_store.h"
#include "sidecar/posix/store_format.h"

namespace {

using herd::Result;
using herd::sidecar::DecodedLog;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "store_log invariant broken: %s\n", what);
    std::abort();
  }
}

// One data dir for the whole run (created on first use, removed at exit), so that an input
// costs a few system calls rather than a directory. On tmpfs (/dev/shm) when there is one:
// fsync is free there, and the fuzzer needs throughput, not durability.
const std::string& DataDir() {
  static const std::string* dir = [] {
    herd::SetLogSink([](herd::LogLevel, const std::string&) {});  // tail cuts are expected
    std::string tmpl = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    tmpl += "/herd_store_log_fuzz.XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    Check(p != nullptr, "mkdtemp");
    auto* d = new std::string(p);  // never destroyed: the exit handler below still uses it
    std::atexit([] { std::filesystem::remove_all(DataDir()); });
    return d;
  }();
  return *dir;
}

bool g_sample_loads = false;  // set under libFuzzer only

void CheckDecode(std::string_view file, const Result<DecodedLog>& d) {
  if (!d.ok()) {
    return;
  }
  Check(d->good_bytes >= herd::sidecar::kLogHeaderBytes, "good_bytes below the header");
  Check(d->good_bytes <= file.size(), "good_bytes beyond the buffer");
  Check(d->reason.empty() == (d->good_bytes == file.size()), "reason iff bytes were left");
  std::string again = herd::sidecar::EncodeLogHeader(d->snapshot_seq);
  for (std::string_view r : d->records) {
    herd::sidecar::AppendRecordFrame(again, r);
  }
  Check(again == file.substr(0, d->good_bytes), "records do not re-encode to the prefix");
}

void CheckLoad(const std::string& file, const Result<DecodedLog>& d) {
  const std::string& dir = DataDir();
  {
    std::ofstream out(dir + "/log", std::ios::binary | std::ios::trunc);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
  }
  auto store = herd::sidecar::FileStore::Open(dir);
  Check(store.ok(), "open");
  Result<herd::sidecar::Store::Loaded> loaded = (*store)->Load();
  if (!d.ok()) {
    Check(!loaded.ok() && loaded.status().code() == d.status().code(), "load accepted a bad log");
  } else if (d->snapshot_seq != 0) {
    // No snapshot on disk: a log that follows one means the snapshot is gone.
    Check(!loaded.ok() && loaded.status().code() == herd::StatusCode::kDataLoss,
          "log of a missing snapshot accepted");
  } else {
    Check(loaded.ok(), "load failed on a decodable log");
    Check(loaded->records.size() == d->records.size(), "record count differs from decoder");
    for (size_t i = 0; i < d->records.size(); ++i) {
      Check(loaded->records[i] == d->records[i], "record differs from decoder");
    }
    Check(loaded->dropped_tail_bytes == file.size() - d->good_bytes, "dropped bytes");
    Check(std::filesystem::file_size(dir + "/log") == d->good_bytes, "tail not cut");
  }
  store->reset();
  std::filesystem::remove(dir + "/log");
}

}  // namespace

// Called by libFuzzer before the first input; the corpus replay in ctest does not call it.
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  g_sample_loads = true;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string file;
  if (mode & 1) {
    file = herd::sidecar::EncodeLogHeader(0);
  }
  file.append(rest.data(), rest.size());
  Result<DecodedLog> d = herd::sidecar::DecodeLogBuffer(file);
  CheckDecode(file, d);
  if (!g_sample_loads || (herd::Crc32c(data, size) & 15) == 0) {
    CheckLoad(file, d);
  }
  return 0;
}
