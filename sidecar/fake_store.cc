#include "sidecar/fake_store.h"

#include <utility>

namespace herd::sidecar {

Status FakeStore::Injection::Take() {
  if (remaining <= 0) {
    return Status::Ok();
  }
  --remaining;
  return status;
}

Status FakeStore::CheckWritable(std::string_view op) const {
  if (!loaded_) {
    return FailedPrecondition(std::string(op) + " before Load()");
  }
  if (!poisoned_.ok()) {
    return FailedPrecondition("fake store refuses " + std::string(op) +
                              " until compacted or restarted: " + poisoned_.message());
  }
  return Status::Ok();
}

Result<Store::Loaded> FakeStore::Load() {
  if (loaded_) {
    return FailedPrecondition("Load() called twice on the fake store");
  }
  Loaded out;
  out.snapshot = snapshot_;
  // Unsynced records that survived a Restart() are on "disk" now, as the page cache would
  // have written them back.
  for (std::string& r : buffered_) {
    durable_.push_back(std::move(r));
  }
  buffered_.clear();
  out.records = durable_;
  out.dropped_tail_bytes = std::exchange(next_dropped_tail_bytes_, 0);
  loaded_ = true;
  return out;
}

Status FakeStore::Append(std::string_view record) {
  RETURN_IF_ERROR(CheckWritable("append"));
  if (record.size() > kMaxStoreRecordBytes) {
    return InvalidArgument("record of " + std::to_string(record.size()) +
                           " bytes exceeds the limit of " + std::to_string(kMaxStoreRecordBytes) +
                           " bytes");
  }
  if (Status s = append_failures_.Take(); !s.ok()) {
    ++stats_.append_errors;
    return s;
  }
  buffered_.emplace_back(record);
  return Status::Ok();
}

Status FakeStore::Sync() {
  RETURN_IF_ERROR(CheckWritable("sync"));
  if (buffered_.empty()) {
    return Status::Ok();
  }
  ++stats_.fsyncs;
  if (Status s = sync_failures_.Take(); !s.ok()) {
    ++stats_.sync_errors;
    buffered_.clear();  // the worst a failed fsync can do
    poisoned_ = s;
    return s;
  }
  for (std::string& r : buffered_) {
    durable_.push_back(std::move(r));
  }
  buffered_.clear();
  return Status::Ok();
}

Status FakeStore::Compact(std::string_view snapshot) {
  if (!loaded_) return FailedPrecondition("compact before Load()");
  RETURN_IF_ERROR(compact_failures_.Take());
  snapshot_.assign(snapshot);
  durable_.clear();
  buffered_.clear();
  poisoned_ = Status::Ok();  // fresh files, written from memory
  ++stats_.compactions;
  return Status::Ok();
}

uint64_t FakeStore::log_bytes() const {
  // The same accounting as FileStore, so compaction thresholds behave alike in simulation.
  uint64_t bytes = 0;
  for (const std::string& r : durable_) {
    bytes += kStoreRecordOverheadBytes + r.size();
  }
  for (const std::string& r : buffered_) {
    bytes += kStoreRecordOverheadBytes + r.size();
  }
  return bytes;
}

Result<std::string> FakeStore::ReadIdentity() {
  if (!identity_.has_value()) {
    return NotFound("no identity in the fake store");
  }
  return *identity_;
}

Status FakeStore::WriteIdentity(std::string_view identity) {
  if (identity.size() > kMaxStoreIdentityBytes) {
    return InvalidArgument("identity of " + std::to_string(identity.size()) +
                           " bytes exceeds the limit of " + std::to_string(kMaxStoreIdentityBytes) +
                           " bytes");
  }
  identity_.emplace(identity);
  return Status::Ok();
}

void FakeStore::FailNextAppends(int n, Status status) {
  append_failures_ = Injection{n, std::move(status)};
}
void FakeStore::FailNextSyncs(int n, Status status) {
  sync_failures_ = Injection{n, std::move(status)};
}
void FakeStore::FailNextCompacts(int n, Status status) {
  compact_failures_ = Injection{n, std::move(status)};
}

void FakeStore::Restart() {
  loaded_ = false;
  poisoned_ = Status::Ok();
}

void FakeStore::Crash() {
  buffered_.clear();
  Restart();
}

}  // namespace herd::sidecar
