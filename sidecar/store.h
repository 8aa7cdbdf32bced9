// Store: where an agent keeps its CRDT map so that a whole-cluster restart loses nothing.
//
// The map lives on disk as a snapshot (the map's whole state, an opaque byte string from the
// CRDT codec) plus an append-only log of records (each an opaque encoded delta) written since
// that snapshot. On start the agent calls Load() once and rebuilds the map from the snapshot
// and the records, in order. Every API write is Append()ed; Sync() makes every appended record
// durable, and only then does the agent acknowledge the writes. Appending many records and
// syncing once is group commit. Every so often the agent calls Compact() with a fresh
// snapshot, which atomically replaces the snapshot and empties the log.
//
// The store also keeps a small identity file (the member's replica id and incarnation),
// written atomically and durably.
//
// Implementations: FileStore (sidecar/posix/file_store.h) on a data directory; FakeStore
// (sidecar/fake_store.h) in memory for unit tests and the simulator.
//
// Threading: a Store is not thread-safe. One thread (the agent's event loop) calls it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

// Counters the metrics layer exports (herd_store_fsync_seconds and friends). Durations are
// measured by the implementation around each fsync; a fake reports zero durations.
struct StoreStats {
  uint64_t fsyncs = 0;             // fsyncs of the log that Sync() issued (ok or failed)
  double last_fsync_seconds = 0;   // duration of the most recent one
  double total_fsync_seconds = 0;  // sum over all of them
  double max_fsync_seconds = 0;    // the slowest one
  uint64_t append_errors = 0;      // Append() calls that returned an error from the OS
  uint64_t sync_errors = 0;        // Sync() calls whose fsync failed
  uint64_t compactions = 0;        // successful Compact() calls
};

class Store {
 public:
  struct Loaded {
    std::string snapshot;              // empty when there never was one
    std::vector<std::string> records;  // appended since the snapshot, oldest first
    uint64_t dropped_tail_bytes = 0;   // 0 unless a torn or corrupt log tail was cut
  };

  virtual ~Store() = default;

  // Reads the snapshot and the log. Call once, before any Append/Sync/Compact. A torn or
  // corrupt log tail is cut at the last whole record (and logged); everything before it is
  // returned. Errors: kDataLoss when the snapshot (or the log's header) is corrupt, or when
  // the snapshot and the log do not belong together (nothing is modified then);
  // kFailedPrecondition when called twice or for files of an unknown format version; an I/O
  // error code otherwise.
  virtual Result<Loaded> Load() = 0;

  // Adds `record` to the log. Not durable until Sync() returns OK. On error the log is left
  // as it was before this call. Errors: kFailedPrecondition before Load() or after a failed
  // Sync() (see there); kInvalidArgument for a record over the size limit;
  // kResourceExhausted when the disk (or the file size limit) is full; other I/O codes.
  virtual Status Append(std::string_view record) = 0;

  // Makes every record appended so far durable (fsync). Cheap when nothing is pending.
  // A failed fsync is sticky: the kernel may have dropped the unsynced pages, so every later
  // Append/Sync fails with kFailedPrecondition until a Compact() succeeds (it writes the whole
  // state from the caller's memory into fresh files, needing nothing the kernel dropped) or
  // the store is reopened and reloaded.
  virtual Status Sync() = 0;

  // Durably and atomically replaces the snapshot with `snapshot` and empties the log. The
  // snapshot must include the effect of every record appended so far. A crash at any point
  // leaves either the old snapshot and log or the new snapshot and an empty log. On an error
  // before the commit point the old state stays in use; after it, the store refuses appends
  // (kFailedPrecondition) until a later Compact() succeeds or it is reopened. A successful
  // Compact() of a store a failed Sync() or compaction left refusing writes makes it
  // writable again.
  virtual Status Compact(std::string_view snapshot) = 0;

  // Bytes of framed records in the log (each record's size plus kStoreRecordOverheadBytes;
  // the log's file header excluded), and their number, including
  // appended but unsynced ones. Both are 0 right after Compact(). The agent compacts when the
  // log grows large relative to the snapshot.
  virtual uint64_t log_bytes() const = 0;
  virtual uint64_t log_records() const = 0;

  virtual StoreStats stats() const = 0;

  // The identity file. ReadIdentity returns kNotFound when none was written, kDataLoss when
  // it is corrupt. WriteIdentity replaces it atomically and durably; kInvalidArgument when
  // over 64 KiB. Both may be called before Load().
  virtual Result<std::string> ReadIdentity() = 0;
  virtual Status WriteIdentity(std::string_view identity) = 0;
};

// Largest record Append accepts, and largest identity WriteIdentity accepts.
inline constexpr uint64_t kMaxStoreRecordBytes = 64ull << 20;
// What log_bytes() counts for each record on top of its own bytes (its frame header).
inline constexpr uint64_t kStoreRecordOverheadBytes = 8;
inline constexpr uint64_t kMaxStoreIdentityBytes = 64ull << 10;

}  // namespace herd::sidecar
