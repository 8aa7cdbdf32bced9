#include "sidecar/object_json.h"

#include <cstdio>

#include "sidecar/spec_parser.h"

namespace herd::sidecar {
namespace {

// Floor division: timestamps before the epoch still land on the right day and second.
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Howard Hinnant's days_from_civil inverse: days since 1970-01-01 -> (year, month, day).
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2 ? 1 : 0);
}

// Whether the status describes the declaration as it is now, on the member assigned to it.
enum class Freshness { kCurrent, kOlderGeneration, kFormerOwner };

Freshness FreshnessOf(const WorkloadRecord& rec, const StatusRecord& st) {
  if (st.generation < rec.generation) return Freshness::kOlderGeneration;
  if (!rec.owner.empty() && (st.owner != rec.owner || st.epoch < rec.epoch)) {
    return Freshness::kFormerOwner;
  }
  return Freshness::kCurrent;
}

std::string OwnerOf(const WorkloadView& view) {
  if (!view.record.owner.empty()) return view.record.owner;
  return view.status ? view.status->owner : std::string();
}

nlohmann::json Condition(std::string_view type, bool status, std::string_view reason,
                         const std::string& message, int64_t transition_ms) {
  nlohmann::json c = {{"type", type}, {"status", status ? "True" : "False"}, {"reason", reason}};
  if (!message.empty()) c["message"] = message;
  if (transition_ms > 0) c["lastTransitionTime"] = FormatRfc3339(transition_ms);
  return c;
}

bool HasExit(const StatusRecord& st) { return st.exit_code >= 0 || st.signal > 0; }

}  // namespace

std::string FormatRfc3339(int64_t ms) {
  const int64_t secs = FloorDiv(ms, 1000);
  const int64_t days = FloorDiv(secs, 86400);
  const int64_t rem = secs - days * 86400;
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  CivilFromDays(days, &year, &month, &day);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ",
                static_cast<long long>(year), month, day, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60));
  return buf;
}

nlohmann::json WorkloadStatusObject(const WorkloadView& view) {
  const WorkloadRecord& rec = view.record;
  nlohmann::json status;
  if (!view.status) {
    status["phase"] = PhaseName(Phase::kPending);
    status["owner"] = OwnerOf(view);
    status["restarts"] = 0;
    status["observedGeneration"] = 0;
    status["conditions"] = {Condition("Ready", false, PhaseName(Phase::kPending), "", 0),
                            Condition("Degraded", false, "AsExpected", "", 0)};
    return status;
  }
  const StatusRecord& st = *view.status;
  const Freshness fresh = FreshnessOf(rec, st);
  status["phase"] = PhaseName(st.phase);
  status["owner"] = OwnerOf(view);
  if (st.pid > 0) status["pid"] = st.pid;
  if (!st.container_id.empty()) status["containerId"] = st.container_id;
  status["restarts"] = st.restarts;
  if (HasExit(st)) {
    nlohmann::json last_exit;
    if (st.exit_code >= 0) last_exit["code"] = st.exit_code;
    if (st.signal > 0) last_exit["signal"] = st.signal;
    last_exit["at"] = FormatRfc3339(st.exit_at_ms);
    status["lastExit"] = std::move(last_exit);
  }
  if (st.started_at_ms > 0) status["startedAt"] = FormatRfc3339(st.started_at_ms);
  if (!st.message.empty()) status["message"] = st.message;
  status["observedGeneration"] = st.generation;

  const bool running = st.phase == Phase::kRunning;
  const bool ready = running && fresh == Freshness::kCurrent;
  std::string_view ready_reason = PhaseName(st.phase);
  if (fresh == Freshness::kOlderGeneration) ready_reason = "Updating";
  if (fresh == Freshness::kFormerOwner) ready_reason = "Moving";
  const int64_t ready_at = running ? st.started_at_ms : (HasExit(st) ? st.exit_at_ms : 0);
  const bool degraded = st.phase == Phase::kBackoff || st.phase == Phase::kFailed;
  status["conditions"] = {
      Condition("Ready", ready, ready_reason, ready ? std::string() : st.message, ready_at),
      Condition("Degraded", degraded, degraded ? PhaseName(st.phase) : "AsExpected",
                degraded ? st.message : std::string(), degraded ? st.exit_at_ms : 0)};
  return status;
}

nlohmann::json WorkloadObject(const WorkloadView& view) {
  nlohmann::json obj = WorkloadToJson(view.spec);
  obj["metadata"]["generation"] = view.record.generation;
  obj["metadata"]["creationTimestamp"] = FormatRfc3339(view.record.created_ms);
  obj["status"] = WorkloadStatusObject(view);
  return obj;
}

nlohmann::json MemberObject(const MemberInfo& member) {
  return {{"name", member.name},
          {"address", member.address},
          {"status", MemberStatusName(member.status)},
          {"incarnation", member.incarnation},
          {"declared", member.declared}};
}

nlohmann::json ChildObject(const WorkloadView& view) {
  nlohmann::json child = {{"name", view.name}, {"owner", OwnerOf(view)}};
  if (!view.status) {
    child["phase"] = PhaseName(Phase::kPending);
    child["restarts"] = 0;
    return child;
  }
  child["phase"] = PhaseName(view.status->phase);
  if (view.status->pid > 0) child["pid"] = view.status->pid;
  if (!view.status->container_id.empty()) child["containerId"] = view.status->container_id;
  child["restarts"] = view.status->restarts;
  return child;
}

}  // namespace herd::sidecar
