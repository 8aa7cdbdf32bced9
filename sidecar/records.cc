#include "sidecar/records.h"

#include "common/bytes.h"

namespace herd::sidecar {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kMaxField = 1 << 20;

Status CheckVersion(ByteReader& r, std::string_view what) {
  uint8_t v = 0;
  RETURN_IF_ERROR(r.U8(what, &v));
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
  std::string_view address;
  RETURN_IF_ERROR(r.Bytes("member address", &address, 1024));
  m.address = address;
  RETURN_IF_ERROR(r.Varint("member incarnation", &m.incarnation));
  uint8_t status = 0;
  RETURN_IF_ERROR(r.U8("member status", &status));
  if (status > static_cast<uint8_t>(MemberStatus::kDead)) {
    return InvalidArgument("member status: unknown value " + std::to_string(status));
  }
  m.status = static_cast<MemberStatus>(status);
  RETURN_IF_ERROR(CheckDone(r, "member"));
  return m;
}

std::string EncodeWorkload(const WorkloadRecord& r) {
  ByteWriter w(r.spec.size() + r.owner.size() + 48);
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
  std::string_view spec;
  RETURN_IF_ERROR(r.Bytes("workload spec", &spec, kMaxField));
  if (spec_bytes == SpecBytes::kCopy) w.spec = spec;
  RETURN_IF_ERROR(r.Varint("workload fingerprint", &w.fingerprint));
  RETURN_IF_ERROR(r.Varint("workload generation", &w.generation));
  std::string_view owner;
  RETURN_IF_ERROR(r.Bytes("workload owner", &owner, 253));
  w.owner = owner;
  RETURN_IF_ERROR(r.Varint("workload epoch", &w.epoch));
  uint64_t created = 0;
  RETURN_IF_ERROR(r.Varint("workload created", &created));
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
  std::string_view owner;
  RETURN_IF_ERROR(r.Bytes("owner name", &owner, 253));
  o.owner = owner;
  RETURN_IF_ERROR(r.Varint("owner epoch", &o.epoch));
  RETURN_IF_ERROR(CheckDone(r, "owner"));
  return o;
}

std::string EncodeStatus(const StatusRecord& s) {
  ByteWriter w(s.owner.size() + s.container_id.size() + s.message.size() + 64);
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
  RETURN_IF_ERROR(r.Bytes("status owner", &s.owner, 253));
  RETURN_IF_ERROR(r.Varint("status epoch", &s.epoch));
  RETURN_IF_ERROR(r.Varint("status generation", &s.generation));
  uint8_t phase = 0;
  RETURN_IF_ERROR(r.U8("status phase", &phase));
  if (phase > static_cast<uint8_t>(Phase::kSucceeded)) {
    return InvalidArgument("status phase: unknown value " + std::to_string(phase));
  }
  s.phase = static_cast<Phase>(phase);
  uint64_t pid = 0;
  RETURN_IF_ERROR(r.Varint("status pid", &pid));
  s.pid = Unzig(pid);
  if (fields == StatusFields::kHead) return s;
  RETURN_IF_ERROR(r.Bytes("status container id", &s.container_id, 256));
  uint64_t restarts = 0;
  RETURN_IF_ERROR(r.Varint("status restarts", &restarts));
  s.restarts = static_cast<uint32_t>(restarts);
  uint64_t code = 0;
  RETURN_IF_ERROR(r.Varint("status exit code", &code));
  s.exit_code = static_cast<int32_t>(Unzig(code));
  uint64_t sig = 0;
  RETURN_IF_ERROR(r.Varint("status signal", &sig));
  s.signal = static_cast<int32_t>(Unzig(sig));
  uint64_t exit_at = 0;
  RETURN_IF_ERROR(r.Varint("status exit time", &exit_at));
  s.exit_at_ms = Unzig(exit_at);
  uint64_t started = 0;
  RETURN_IF_ERROR(r.Varint("status start time", &started));
  s.started_at_ms = Unzig(started);
  RETURN_IF_ERROR(r.Bytes("status message", &s.message, 4096));
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
  uint64_t n = 0;
  RETURN_IF_ERROR(r.Count("member list count", &n, 2));
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name;
    RETURN_IF_ERROR(r.Bytes("member name", &name, 253));
    std::string_view address;
    RETURN_IF_ERROR(r.Bytes("member address", &address, 1024));
    out.emplace_back(std::string(name), std::string(address));
  }
  RETURN_IF_ERROR(CheckDone(r, "member list"));
  return out;
}

}  // namespace herd::sidecar
