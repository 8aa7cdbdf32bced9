// The records the supervisor keeps in the CRDT map, and their binary encodings.
//
//   member/<name>    MemberRecord    written by that member only: address, incarnation, status
//   workload/<name>  WorkloadRecord  the declaration, written by apply and delete only: spec,
//                                    generation, creation time
//   owner/<name>     OwnerRecord     who runs it and the owner epoch (a fencing token), written
//                                    by apply (first owner) and by ownership moves (takeover,
//                                    handoff, redistribution). Apart from the declaration so a
//                                    move never races an apply or a delete: with one record, LWW
//                                    would drop a spec change, and add-wins would let a takeover
//                                    concurrent with a delete bring the workload back.
//   status/<name>    StatusRecord    written by the workload's owner only: phase, pid, restarts,
//                                    last exit. Kept apart from the declaration so that an
//                                    owner's status write never races an apply (LWW would drop
//                                    one of them).
//   cluster/members  the static member list, as set over REST (set_members)
//   cluster/rebalance  a nonce: writing it asks every member to rebalance now
//
// Encodings are versioned and bounded (common/bytes.h); a record that fails to decode is
// treated as absent and counted, never trusted.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

inline constexpr std::string_view kMemberPrefix = "member/";
inline constexpr std::string_view kWorkloadPrefix = "workload/";
inline constexpr std::string_view kStatusPrefix = "status/";
inline constexpr std::string_view kOwnerPrefix = "owner/";
inline constexpr std::string_view kMembersKey = "cluster/members";
inline constexpr std::string_view kRebalanceKey = "cluster/rebalance";

// A map key, prefix + name, built on the stack: reading a record allocates nothing for its key
// (names are DNS labels of at most 63 characters; a longer one still works, on the heap).
class RecordKey {
 public:
  RecordKey(std::string_view prefix, std::string_view name) {
    size_ = prefix.size() + name.size();
    if (size_ > buf_.size()) {
      heap_.reserve(size_);
      heap_.append(prefix).append(name);
      return;
    }
    prefix.copy(buf_.data(), prefix.size());
    name.copy(buf_.data() + prefix.size(), name.size());
  }
  RecordKey(const RecordKey&) = delete;
  RecordKey& operator=(const RecordKey&) = delete;
  std::string_view view() const {
    return size_ > buf_.size() ? std::string_view(heap_) : std::string_view(buf_.data(), size_);
  }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)

 private:
  std::array<char, 80> buf_;
  size_t size_ = 0;
  std::string heap_;
};

enum class MemberStatus { kUninitialized, kAlive, kShuttingDown, kDead };
std::string_view MemberStatusName(MemberStatus s);

struct MemberRecord {
  std::string address;
  uint64_t incarnation = 0;
  MemberStatus status = MemberStatus::kUninitialized;
  friend bool operator==(const MemberRecord&, const MemberRecord&) = default;
};

// The supervisor's view of a workload: the declaration (workload/<name>) joined with its owner
// (owner/<name>). The declaration is stored with owner and epoch empty.
struct WorkloadRecord {
  std::string spec;          // EncodeSpec bytes (sidecar/spec_codec.h)
  uint64_t fingerprint = 0;  // RuntimeFingerprint: "same spec" without decoding
  uint64_t generation = 1;   // grows with every changed apply
  std::string owner;         // member name; empty when no owner record exists
  uint64_t epoch = 1;        // grows with every ownership change
  int64_t created_ms = 0;    // wall time of the first apply
  friend bool operator==(const WorkloadRecord&, const WorkloadRecord&) = default;
};

enum class Phase { kPending, kStarting, kRunning, kBackoff, kStopping, kFailed, kSucceeded };
std::string_view PhaseName(Phase p);
// Succeeded and Failed are final for their generation: not restarted anywhere.
inline bool IsFinal(Phase p) { return p == Phase::kSucceeded || p == Phase::kFailed; }

struct OwnerRecord {
  std::string owner;
  uint64_t epoch = 0;
  friend bool operator==(const OwnerRecord&, const OwnerRecord&) = default;
};

struct StatusRecord {
  std::string owner;
  uint64_t epoch = 0;
  uint64_t generation = 0;  // the generation this status observed
  Phase phase = Phase::kPending;
  int64_t pid = 0;
  std::string container_id;
  uint32_t restarts = 0;
  int32_t exit_code = -1;  // -1: none yet
  int32_t signal = 0;
  int64_t exit_at_ms = 0;
  int64_t started_at_ms = 0;
  std::string message;
  friend bool operator==(const StatusRecord&, const StatusRecord&) = default;
};

std::string EncodeMember(const MemberRecord& r);
Result<MemberRecord> DecodeMember(std::string_view bytes);
std::string EncodeWorkload(const WorkloadRecord& r);
// kSkip leaves WorkloadRecord::spec empty (the rest is checked all the same): placing and
// reconciling a workload never needs its spec, and copying it was a good part of their cost.
enum class SpecBytes { kCopy, kSkip };
Result<WorkloadRecord> DecodeWorkload(std::string_view bytes,
                                      SpecBytes spec_bytes = SpecBytes::kCopy);
std::string EncodeOwner(const OwnerRecord& r);
Result<OwnerRecord> DecodeOwner(std::string_view bytes);
std::string EncodeStatus(const StatusRecord& r);
Result<StatusRecord> DecodeStatus(std::string_view bytes);
// The same record, checked just as strictly, with views into `bytes` instead of copies: for the
// readers that look at a field or two of every status that changes.
struct StatusView {
  std::string_view owner;
  uint64_t epoch = 0;
  uint64_t generation = 0;
  Phase phase = Phase::kPending;
  int64_t pid = 0;
  std::string_view container_id;
  uint32_t restarts = 0;
  int32_t exit_code = -1;
  int32_t signal = 0;
  int64_t exit_at_ms = 0;
  int64_t started_at_ms = 0;
  std::string_view message;
};
// kHead reads the leading fields alone (owner, epoch, generation, phase, pid; the rest stay at
// their defaults, unchecked): what counting phases, spotting this member's statuses and
// reconciling need from every status change in the cluster.
enum class StatusFields { kAll, kHead };
Result<StatusView> DecodeStatusView(std::string_view bytes,
                                    StatusFields fields = StatusFields::kAll);
std::string EncodeMemberList(const std::vector<std::pair<std::string, std::string>>& members);
Result<std::vector<std::pair<std::string, std::string>>> DecodeMemberList(std::string_view bytes);

}  // namespace herd::sidecar
