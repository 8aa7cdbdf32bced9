// FakeStore: an in-memory Store for unit tests and the simulator.
//
// It keeps what a real store would have on disk apart from what is only appended: records
// become durable at Sync() (or are folded into a snapshot by Compact()). Two kinds of restart:
// Restart() is a process restart (the OS keeps unsynced writes, as the page cache would),
// Crash() is a machine crash (unsynced records are gone). After either, Load() may be called
// again, as a new agent incarnation would.
//
// Failure injection: FailNextAppends/Syncs/Compacts(n, status) make the next n calls of that
// kind return `status` without effect. A failed Sync behaves like the real one after a failed
// fsync: the buffered records are dropped and every append and sync is refused with
// kFailedPrecondition until a Compact(), Restart() or Crash().
//
// Threading: one thread, like every Store. The simulator keeps one FakeStore per member alive
// across that member's restarts and hands the agent a reference.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/store.h"

namespace herd::sidecar {

class FakeStore : public Store {
 public:
  FakeStore() = default;

  Result<Loaded> Load() override;
  Status Append(std::string_view record) override;
  Status Sync() override;
  Status Compact(std::string_view snapshot) override;
  uint64_t log_bytes() const override;
  uint64_t log_records() const override { return durable_.size() + buffered_.size(); }
  StoreStats stats() const override { return stats_; }
  Result<std::string> ReadIdentity() override;
  Status WriteIdentity(std::string_view identity) override;

  // The next `n` calls fail with `status` (which must not be OK) and change nothing.
  void FailNextAppends(int n, Status status);
  void FailNextSyncs(int n, Status status);
  void FailNextCompacts(int n, Status status);

  // A process restart: buffered records are kept (as the page cache keeps them); Load() may
  // be called again and the poison of a failed Sync is cleared.
  void Restart();
  // A machine crash: buffered records are lost; otherwise like Restart().
  void Crash();
  // Makes the next Load() report a cut tail of `bytes` (what a torn write would cost); the
  // records themselves are unaffected.
  void SetNextLoadDroppedTailBytes(uint64_t bytes) { next_dropped_tail_bytes_ = bytes; }

  const std::string& durable_snapshot() const { return snapshot_; }
  const std::vector<std::string>& durable_records() const { return durable_; }
  const std::vector<std::string>& buffered_records() const { return buffered_; }
  bool loaded() const { return loaded_; }
  bool poisoned() const { return !poisoned_.ok(); }

 private:
  struct Injection {
    int remaining = 0;
    Status status;
    // Returns the injected status and counts it down, or OK when none is pending.
    Status Take();
  };

  Status CheckWritable(std::string_view op) const;

  std::string snapshot_;
  std::vector<std::string> durable_;
  std::vector<std::string> buffered_;
  std::optional<std::string> identity_;
  bool loaded_ = false;
  Status poisoned_;
  uint64_t next_dropped_tail_bytes_ = 0;
  Injection append_failures_;
  Injection sync_failures_;
  Injection compact_failures_;
  StoreStats stats_;
};

}  // namespace herd::sidecar
