// Supervisor: the bookkeeping behind Counters and PhaseCounts (read by sidecar/metrics.h).
// Everything here runs on the hot paths of the core, so each call is an increment or a lookup
// in a small structure, and never reads the map beyond the value it is handed.
#include <algorithm>

#include "sidecar/supervisor.h"

namespace herd::sidecar {
namespace {

// Deltas whose ack is awaited for the sync latency histogram; older ones are forgotten (their
// latency is not observed), which bounds the memory when a peer never answers.
constexpr size_t kMaxDeltasAwaitingAck = 4096;
constexpr Clock::TimePoint kAcked = Clock::TimePoint::min();

}  // namespace

void Supervisor::CountStatusPhase(const StatusView& status, int delta) {
  size_t& n = status_phases_[static_cast<size_t>(status.phase)];
  if (delta > 0) {
    ++n;
  } else if (n > 0) {
    --n;
  }
}

std::array<size_t, kPhaseCount> Supervisor::PhaseCounts() const {
  std::array<size_t, kPhaseCount> out = status_phases_;
  size_t with_status = 0;
  for (size_t n : status_phases_) with_status += n;
  // Declared workloads without a status record have not been started by their owner yet. (A
  // status record can briefly outlive its declaration while the owner cleans up; the sum
  // then runs ahead of the declared count until it does.)
  const size_t declared = indexed_;
  if (declared > with_status) out[static_cast<size_t>(Phase::kPending)] += declared - with_status;
  return out;
}

void Supervisor::CountSent(PeerMessageType type, size_t bytes) {
  const size_t i = static_cast<size_t>(type) - 1;
  if (i < counters_.messages_sent.size()) ++counters_.messages_sent[i];
  counters_.bytes_sent += bytes;
}

void Supervisor::CountReceived(PeerMessageType type) {
  const size_t i = static_cast<size_t>(type) - 1;
  if (i < counters_.messages_received.size()) ++counters_.messages_received[i];
}

void Supervisor::NoteHeard(const std::string& peer) {
  auto it = last_heard_.find(peer);
  if (it == last_heard_.end()) {
    last_heard_.emplace(peer, clock_.Now());
  } else {
    it->second = clock_.Now();
  }
}

void Supervisor::NoteDeltaSent(uint64_t seq) {
  // DeltaSync numbers messages from one counter, so seqs arrive in ascending order.
  delta_sent_at_.emplace_back(seq, clock_.Now());
  if (delta_sent_at_.size() > kMaxDeltasAwaitingAck) delta_sent_at_.pop_front();
}

void Supervisor::NoteDeltaAcked(uint64_t seq) {
  auto it = std::lower_bound(delta_sent_at_.begin(), delta_sent_at_.end(), seq,
                             [](const auto& entry, uint64_t s) { return entry.first < s; });
  if (it != delta_sent_at_.end() && it->first == seq && it->second != kAcked) {
    counters_.sync_latency.Observe(clock_.Now() - it->second);
    it->second = kAcked;
  }
  while (!delta_sent_at_.empty() && delta_sent_at_.front().second == kAcked) {
    delta_sent_at_.pop_front();
  }
}

}  // namespace herd::sidecar
