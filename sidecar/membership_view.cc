#include "sidecar/membership_view.h"

#include <algorithm>

#include "sidecar/strategy.h"

namespace herd::sidecar {

MembershipView::MembershipView(std::string self, Clock& clock, Clock::Duration deadline)
    : self_(std::move(self)), clock_(clock), deadline_(deadline) {}

void MembershipView::SetDeclared(const std::map<std::string, std::string>& members) {
  declared_ = members;
}

bool MembershipView::Heard(const std::string& name, uint64_t incarnation) {
  auto [it, inserted] = heard_.try_emplace(name);
  bool changed = !inserted && it->second.incarnation != incarnation;
  if (changed) it->second.vouched_at = {};  // vouches were for the old incarnation
  it->second.at = clock_.Now();
  it->second.incarnation = incarnation;
  return changed;
}

void MembershipView::Vouched(const std::string& name, uint64_t incarnation, Clock::TimePoint at) {
  auto it = heard_.find(name);
  if (it == heard_.end() || it->second.incarnation != incarnation || name == self_) return;
  it->second.vouched_at = std::max(it->second.vouched_at, std::min(at, clock_.Now()));
}

void MembershipView::ReadReport(const std::string& from, const std::vector<HeardReport>& heard) {
  for (const HeardReport& h : heard) {
    Vouched(h.member, h.incarnation, clock_.Now() - std::chrono::milliseconds(h.age_ms));
  }
  if (auto it = heard_.find(from); it != heard_.end()) it->second.reported_at = clock_.Now();
}

std::vector<HeardReport> MembershipView::Reports() const {
  std::vector<HeardReport> out;
  const Clock::TimePoint now = clock_.Now();
  for (const auto& [name, h] : heard_) {
    if (name == self_ || now - h.at > deadline_) continue;
    out.push_back(HeardReport{
        name, h.incarnation,
        static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(now - h.at).count())});
  }
  return out;
}

void MembershipView::SetRecord(const std::string& name, std::optional<MemberRecord> record) {
  if (record) {
    records_[name] = std::move(*record);
  } else {
    records_.erase(name);
  }
}

const MemberRecord* MembershipView::Record(const std::string& name) const {
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : &it->second;
}

bool MembershipView::ComputeAlive(const std::string& name) const {
  if (name == self_) return self_joined_ && !self_shutting_down_ && IsDeclared(name);
  if (!IsDeclared(name)) return false;
  const MemberRecord* rec = Record(name);
  if (rec != nullptr && rec->status == MemberStatus::kShuttingDown) {
    // A newer incarnation heard since the record was written is alive again.
    auto h = heard_.find(name);
    if (h == heard_.end() || h->second.incarnation == rec->incarnation) return false;
  }
  auto h = heard_.find(name);
  if (h == heard_.end()) return false;
  const Clock::TimePoint now = clock_.Now();
  const Clock::TimePoint last = h->second.last();
  if (now - last <= deadline_) return true;
  if (!IsAlive(name)) return false;
  if (now < hold_until_) return true;
  return now - last <= 2 * deadline_ && !SilenceConfirmed(name, last + deadline_);
}

bool MembershipView::SilenceConfirmed(const std::string& name, Clock::TimePoint since) const {
  const Clock::TimePoint now = clock_.Now();
  bool hears_others = false;
  for (const auto& [other, h] : heard_) {
    if (other == self_ || other == name || !IsDeclared(other)) continue;
    // A report read after `since` would have vouched for `name` had its sender heard it since.
    if (h.reported_at > since) return true;
    if (now - h.at <= deadline_) hears_others = true;
  }
  return !hears_others;
}

bool MembershipView::IsAlive(const std::string& name) const {
  return std::binary_search(alive_.begin(), alive_.end(), name);
}

bool MembershipView::IsReachable(const std::string& name) const {
  if (name == self_) return true;
  auto h = heard_.find(name);
  return h != heard_.end() && clock_.Now() - h->second.last() <= deadline_;
}

bool MembershipView::Refresh() {
  std::vector<std::string> alive;
  for (const auto& [name, address] : declared_) {
    if (ComputeAlive(name)) alive.push_back(name);
  }
  std::vector<std::string> suspects;
  for (const std::string& name : alive) {
    if (name != self_ && !IsReachable(name)) suspects.push_back(name);
  }
  if (!std::includes(suspects_.begin(), suspects_.end(), suspects.begin(), suspects.end())) {
    new_suspects_ = true;
  }
  suspects_ = std::move(suspects);
  if (alive == alive_) return false;
  alive_ = std::move(alive);
  return true;
}

std::optional<Clock::TimePoint> MembershipView::NextExpiry() const {
  std::optional<Clock::TimePoint> next;
  for (const std::string& name : alive_) {
    auto h = heard_.find(name);
    if (name == self_ || h == heard_.end()) continue;
    // Alive while now - at <= deadline: dead from just after at + deadline; once past it, at
    // the latest from just after twice the deadline (a heartbeat read before then refreshes).
    const Clock::TimePoint last = h->second.last();
    Clock::TimePoint expiry =
        std::max(last + deadline_, hold_until_) + std::chrono::milliseconds(1);
    if (expiry <= clock_.Now()) {
      expiry = std::max(last + 2 * deadline_, hold_until_) + std::chrono::milliseconds(1);
    }
    if (!next || expiry < *next) next = expiry;
  }
  return next;
}

std::vector<std::string> MembershipView::Known() const {
  std::vector<std::string> known;
  for (const auto& [name, address] : declared_) known.push_back(name);
  for (const auto& [name, rec] : records_) known.push_back(name);
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  std::erase_if(known, [&](const std::string& n) {
    if (n == self_) return self_shutting_down_;
    const MemberRecord* rec = Record(n);
    return rec != nullptr && rec->status == MemberStatus::kShuttingDown && !IsAlive(n);
  });
  return known;
}

bool MembershipView::HasQuorum() const { return sidecar::HasQuorum(Known(), alive_); }

std::vector<MemberInfo> MembershipView::List() const {
  std::map<std::string, MemberInfo> out;
  for (const auto& [name, address] : declared_) {
    out[name].address = address;
    out[name].declared = true;
  }
  for (const auto& [name, rec] : records_) {
    MemberInfo& m = out[name];
    if (m.address.empty()) m.address = rec.address;
    m.incarnation = rec.incarnation;
  }
  std::vector<MemberInfo> list;
  for (auto& [name, m] : out) {
    m.name = name;
    const MemberRecord* rec = Record(name);
    if (IsAlive(name)) {
      m.status = MemberStatus::kAlive;
    } else if ((name == self_ && self_shutting_down_) ||
               (rec != nullptr && rec->status == MemberStatus::kShuttingDown &&
                IsReachable(name))) {
      // Shutting down while still heard; once silent past the deadline it has stopped: dead.
      m.status = MemberStatus::kShuttingDown;
    } else if (name == self_ && !self_joined_) {
      m.status = MemberStatus::kUninitialized;
    } else if (heard_.count(name) == 0 && rec == nullptr) {
      m.status = MemberStatus::kUninitialized;
    } else {
      m.status = MemberStatus::kDead;
    }
    list.push_back(std::move(m));
  }
  return list;
}

std::string MembershipView::AddressOf(const std::string& name) const {
  auto it = declared_.find(name);
  if (it != declared_.end() && !it->second.empty()) return it->second;
  const MemberRecord* rec = Record(name);
  return rec ? rec->address : std::string();
}

}  // namespace herd::sidecar
