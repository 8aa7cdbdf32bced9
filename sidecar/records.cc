#include "sidecar/records.h"

#include "common/bytes.h"

namespace herd::sidecar {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMaxField = 1 << 20;

Status CheckVersion(ByteReader& r, std::string_view what) {
  ASSIGN_OR_RETURN(uint8_t v, r.U8(what));
  if (v != kVersion) {
    return InvalidArgument(std::string(what) + ": unsupported version " + std::to_string(v));
  }
  return Status::Ok();
}

Status CheckDone(const ByteReader& r, std::string_view what) {
  if (!r.done()) {
    return InvalidArgument(std::string(what) + ": " + std::to_string(r.remaining()) +
                           " trailing bytes");
  }
  return Status::Ok();
}

int64_t Unzig(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }
uint64_t Zig(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

}  // namespace

std::string_view MemberStatusName(MemberStatus s) {
  switch (s) {
    case MemberStatus::kUninitialized:
      return "uninitialized";
    case MemberStatus::kAlive:
      return "alive";
    case MemberStatus::kShuttingDown:
      return "shutting_down";
    case MemberStatus::kDead:
      return "dead";
  }
  return "dead";
}

std::string_view PhaseName(Phase p) {
  switch (p) {
    case Phase::kPending:
      return "Pending";
    case Phase::kStarting:
      return "Starting";
    case Phase::kRunning:
      return "Running";
    case Phase::kBackoff:
      return "Backoff";
    case Phase::kStopping:
      return "Stopping";
    case Phase::kFailed:
      return "Failed";
    case Phase::kSucceeded:
      return "Succeeded";
  }
  return "Pending";
}

std::string EncodeMember(const MemberRecord& r) {
  ByteWriter w;
  w.U8(kVersion);
  w.Bytes(r.address);
  w.Varint(r.incarnation);
  w.U8(static_cast<uint8_t>(r.status));
  return w.Take();
}

Result<MemberRecord> DecodeMember(std::string_view bytes) {
  ByteReader r(bytes);
  RETURN_IF_ERROR(CheckVersion(r, "member"));
  MemberRecord m;
  ASSIGN_OR_RETURN(std::string_view address, r.Bytes("member address", 1024));
  m.address = address;
  ASSIGN_OR_RETURN(m.incarnation, r.Varint("member incarnation"));
  ASSIGN_OR_RETURN(uint8_t status, r.U8("member status"));
  if (status > static_cast<uint8_t>(MemberStatus::kDead)) {
    return InvalidArgument("member status: unknown value " + std::to_string(status));
  }
  m.status = static_cast<MemberStatus>(status);
  RETURN_IF_ERROR(CheckDone(r, "member"));
  return m;
}

std::string EncodeWorkload(const WorkloadRecord& r) {
  ByteWriter w;
  w.U8(kVersion);
  w.Bytes(r.spec);
  w.Varint(r.fingerprint);
  w.Varint(r.generation);
  w.Bytes(r.owner);
  w.Varint(r.epoch);
  w.Varint(Zig(r.created_ms));
  return w.Take();
}

Result<WorkloadRecord> DecodeWorkload(std::string_view bytes, SpecBytes spec_bytes) {
  ByteReader r(bytes);
  RETURN_IF_ERROR(CheckVersion(r, "workload"));
  WorkloadRecord w;
  ASSIGN_OR_RETURN(std::string_view spec, r.Bytes("workload spec", kMaxField));
  if (spec_bytes == SpecBytes::kCopy) w.spec = spec;
  ASSIGN_OR_RETURN(w.fingerprint, r.Varint("workload fingerprint"));
  ASSIGN_OR_RETURN(w.generation, r.Varint("workload generation"));
  ASSIGN_OR_RETURN(std::string_view owner, r.Bytes("workload owner", 253));
  w.owner = owner;
  ASSIGN_OR_RETURN(w.epoch, r.Varint("workload epoch"));
  ASSIGN_OR_RETURN(uint64_t created, r.Varint("workload created"));
  w.created_ms = Unzig(created);
  RETURN_IF_ERROR(CheckDone(r, "workload"));
  return w;
}

std::string EncodeOwner(const OwnerRecord& r) {
  ByteWriter w;
  w.U8(kVersion);
  w.Bytes(r.owner);
  w.Varint(r.epoch);
  return w.Take();
}

Result<OwnerRecord> DecodeOwner(std::string_view bytes) {
  ByteReader r(bytes);
  RETURN_IF_ERROR(CheckVersion(r, "owner"));
  OwnerRecord o;
  ASSIGN_OR_RETURN(std::string_view owner, r.Bytes("owner name", 253));
  o.owner = owner;
  ASSIGN_OR_RETURN(o.epoch, r.Varint("owner epoch"));
  RETURN_IF_ERROR(CheckDone(r, "owner"));
  return o;
}

std::string EncodeStatus(const StatusRecord& s) {
  ByteWriter w;
  w.U8(kVersion);
  w.Bytes(s.owner);
  w.Varint(s.epoch);
  w.Varint(s.generation);
  w.U8(static_cast<uint8_t>(s.phase));
  w.Varint(Zig(s.pid));
  w.Bytes(s.container_id);
  w.Varint(s.restarts);
  w.Varint(Zig(s.exit_code));
  w.Varint(Zig(s.signal));
  w.Varint(Zig(s.exit_at_ms));
  w.Varint(Zig(s.started_at_ms));
  w.Bytes(s.message);
  return w.Take();
}

Result<StatusView> DecodeStatusView(std::string_view bytes, StatusFields fields) {
  ByteReader r(bytes);
  RETURN_IF_ERROR(CheckVersion(r, "status"));
  StatusView s;
  ASSIGN_OR_RETURN(s.owner, r.Bytes("status owner", 253));
  ASSIGN_OR_RETURN(s.epoch, r.Varint("status epoch"));
  ASSIGN_OR_RETURN(s.generation, r.Varint("status generation"));
  ASSIGN_OR_RETURN(uint8_t phase, r.U8("status phase"));
  if (phase > static_cast<uint8_t>(Phase::kSucceeded)) {
    return InvalidArgument("status phase: unknown value " + std::to_string(phase));
  }
  s.phase = static_cast<Phase>(phase);
  ASSIGN_OR_RETURN(uint64_t pid, r.Varint("status pid"));
  s.pid = Unzig(pid);
  if (fields == StatusFields::kHead) return s;
  ASSIGN_OR_RETURN(s.container_id, r.Bytes("status container id", 256));
  ASSIGN_OR_RETURN(uint64_t restarts, r.Varint("status restarts"));
  s.restarts = static_cast<uint32_t>(restarts);
  ASSIGN_OR_RETURN(uint64_t code, r.Varint("status exit code"));
  s.exit_code = static_cast<int32_t>(Unzig(code));
  ASSIGN_OR_RETURN(uint64_t sig, r.Varint("status signal"));
  s.signal = static_cast<int32_t>(Unzig(sig));
  ASSIGN_OR_RETURN(uint64_t exit_at, r.Varint("status exit time"));
  s.exit_at_ms = Unzig(exit_at);
  ASSIGN_OR_RETURN(uint64_t started, r.Varint("status start time"));
  s.started_at_ms = Unzig(started);
  ASSIGN_OR_RETURN(s.message, r.Bytes("status message", 4096));
  RETURN_IF_ERROR(CheckDone(r, "status"));
  return s;
}

Result<StatusRecord> DecodeStatus(std::string_view bytes) {
  ASSIGN_OR_RETURN(StatusView v, DecodeStatusView(bytes));
  return StatusRecord{.owner = std::string(v.owner),
                      .epoch = v.epoch,
                      .generation = v.generation,
                      .phase = v.phase,
                      .pid = v.pid,
                      .container_id = std::string(v.container_id),
                      .restarts = v.restarts,
                      .exit_code = v.exit_code,
                      .signal = v.signal,
                      .exit_at_ms = v.exit_at_ms,
                      .started_at_ms = v.started_at_ms,
                      .message = std::string(v.message)};
}

std::string EncodeMemberList(const std::vector<std::pair<std::string, std::string>>& members) {
  ByteWriter w;
  w.U8(kVersion);
  w.Varint(members.size());
  for (const auto& [name, address] : members) {
    w.Bytes(name);
    w.Bytes(address);
  }
  return w.Take();
}

Result<std::vector<std::pair<std::string, std::string>>> DecodeMemberList(std::string_view bytes) {
  ByteReader r(bytes);
  RETURN_IF_ERROR(CheckVersion(r, "member list"));
  ASSIGN_OR_RETURN(uint64_t n, r.Count("member list count", 2));
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    ASSIGN_OR_RETURN(std::string_view name, r.Bytes("member name", 253));
    ASSIGN_OR_RETURN(std::string_view address, r.Bytes("member address", 1024));
    out.emplace_back(std::string(name), std::string(address));
  }
  RETURN_IF_ERROR(CheckDone(r, "member list"));
  return out;
}

}  // namespace herd::sidecar
