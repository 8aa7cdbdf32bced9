// MembershipView: what one member knows of the cluster's members and which are alive.
//
// Inputs: the declared members (a static list, the list set over REST, or the ready endpoints
// Kubernetes reports), the member records in the map (address, incarnation, alive or
// shutting_down, each written by its own member), and when each peer was last heard.
//
//   declared   the membership source's list; a member outside it is refused, and treated as
//              dead for placement (SPEC.md 6, "Removed means gone").
//   alive      declared, heard within the heartbeat deadline (self: joined), not shutting down.
//              Heard directly, or vouched for: a peer's heartbeat said it heard that member
//              (the same incarnation) directly, and when. Only direct hearing is reported on,
//              so a dead member is never kept alive by members vouching for each other.
//              A peer silent past the deadline is only suspected while this member still hears
//              others: it is dead once a heartbeat from another peer, read after the deadline
//              passed, did not vouch for it (that peer cannot hear it either), when no other
//              peer is heard within the deadline (nobody is left to ask: this member is cut
//              off, or the others are gone too), or at twice the deadline. A member on a lossy
//              link is not taken for dead by one peer while the others hear it (Lifeguard's
//              idea: doubt a verdict the rest of the cluster does not share). A new suspect is
//              reported once (TakeNewSuspects) so the supervisor can ask every peer, the
//              suspect included, for a heartbeat at once rather than wait for their next one.
//   known      declared plus every member with a record, minus shutting-down ones: what quorum
//              counts, so an isolated member never believes it is a majority (Horde #45).
//
// Single-threaded; owned by the Supervisor, which calls Refresh() on its heartbeat timer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "sidecar/peer_message.h"
#include "sidecar/records.h"

namespace herd::sidecar {

struct MemberInfo {
  std::string name;
  std::string address;
  uint64_t incarnation = 0;
  MemberStatus status = MemberStatus::kUninitialized;  // as this member sees it
  bool declared = false;
};

class MembershipView {
 public:
  MembershipView(std::string self, Clock& clock, Clock::Duration deadline);

  const std::string& self() const { return self_; }

  // Replaces the declared list (name -> peer address).
  void SetDeclared(const std::map<std::string, std::string>& members);
  bool IsDeclared(const std::string& name) const { return declared_.count(name) > 0; }
  const std::map<std::string, std::string>& declared() const { return declared_; }

  // A message from `name` arrived. Returns true when its incarnation differs from the last one
  // heard (a restarted member).
  bool Heard(const std::string& name, uint64_t incarnation);
  // A peer heard `name` (incarnation `incarnation`) directly at `at`: it counts as heard then,
  // if this member knows that incarnation (a vouch never introduces a member, nor speaks for
  // another incarnation than the one heard here).
  void Vouched(const std::string& name, uint64_t incarnation, Clock::TimePoint at);
  // A heartbeat from `from` was read: its report vouches for the members it heard, and it
  // confirms the silence of every member it does not name.
  void ReadReport(const std::string& from, const std::vector<HeardReport>& heard);
  // What this member's heartbeats report: every other member heard directly within the
  // deadline, with its incarnation and how long ago.
  std::vector<HeardReport> Reports() const;
  // The member's record in the map changed (nullopt: removed).
  void SetRecord(const std::string& name, std::optional<MemberRecord> record);
  const MemberRecord* Record(const std::string& name) const;

  void SetSelfJoined(bool joined) { self_joined_ = joined; }
  void SetSelfShuttingDown(bool v) { self_shutting_down_ = v; }

  // This member's own loop stalled (it could not hear anyone): until `until`, no member that
  // is alive now expires; the messages queued during the stall are read first.
  void HoldExpiry(Clock::TimePoint until) { hold_until_ = until; }

  bool IsAlive(const std::string& name) const;
  // Heard (directly or vouched for) within the heartbeat deadline, whatever its status; self
  // always.
  bool IsReachable(const std::string& name) const;
  // Recomputes liveness from the clock. Returns true when the alive set changed.
  bool Refresh();
  // Whether a Refresh since the last call found an alive member newly past the deadline.
  bool TakeNewSuspects() { return std::exchange(new_suspects_, false); }
  // When the first alive peer goes silent past the deadline if it is not heard before then:
  // the earliest time Refresh() could find an alive peer dead. Nullopt when no peer is alive.
  std::optional<Clock::TimePoint> NextExpiry() const;
  const std::vector<std::string>& alive() const { return alive_; }  // sorted
  std::vector<std::string> Known() const;                           // sorted
  bool HasQuorum() const;
  std::vector<MemberInfo> List() const;
  std::string AddressOf(const std::string& name) const;

 private:
  bool ComputeAlive(const std::string& name) const;
  // Whether the silence of `name` since `since` is shared: see "alive" above.
  bool SilenceConfirmed(const std::string& name, Clock::TimePoint since) const;

  std::string self_;
  Clock& clock_;
  Clock::Duration deadline_;
  Clock::TimePoint hold_until_{};
  bool self_joined_ = false;
  bool self_shutting_down_ = false;
  std::map<std::string, std::string> declared_;
  std::map<std::string, MemberRecord> records_;
  struct Heartbeat {
    Clock::TimePoint at;           // heard directly
    Clock::TimePoint vouched_at;   // heard by a peer, as its heartbeat said
    Clock::TimePoint reported_at;  // its last heartbeat read
    uint64_t incarnation = 0;
    Clock::TimePoint last() const { return std::max(at, vouched_at); }
  };
  std::map<std::string, Heartbeat> heard_;
  std::vector<std::string> alive_;
  std::vector<std::string> suspects_;  // alive, past the deadline (sorted)
  bool new_suspects_ = false;
};

}  // namespace herd::sidecar
