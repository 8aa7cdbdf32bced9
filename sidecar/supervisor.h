// Supervisor: one member's share of the cluster, as a single-threaded state machine.
//
// This is Horde.DynamicSupervisor's behaviour (SPEC.md sections 2-3, 6) without its holes.
// Events come in (peer messages, API calls, child exits, membership changes, timers); effects
// go out through the seams it is given: the CRDT map it owns, the Store it persists the map to,
// the Transport it sends peer messages on, the ProcessRunner that runs children, and the Clock
// it schedules timers on. Nothing here reads a clock, sleeps, or touches the OS, so the
// simulator (tests/testing/) runs many supervisors in one thread from one seed.
//
// The map is the truth (sidecar/records.h). Every change to it, local or from a peer, is
// reconciled: a member starts what the map says it owns and does not run, and stops what it
// runs and no longer owns. Ownership moves only by writing the map: an apply picks an owner
// with the strategy; when an owner dies or is removed, the member the strategy now picks takes
// over (owner epoch + 1); on a graceful shutdown, an active redistribution or a rebalance, the
// current owner stops its instance first and writes the new owner only after it has exited,
// so a move never overlaps. Concurrent takeovers resolve by the map's last-write-wins order,
// and the losing owner stops its copy as soon as it sees the winner.
//
// Threading: every method runs on the owner's thread (the agent's event loop). Replies to
// writes are delivered after the write is durable (group commit on a zero-delay timer).
#pragma once

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/hybrid_clock.h"
#include "common/random.h"
#include "common/status.h"
#include "crdt/aw_lww_map.h"
#include "crdt/delta_sync.h"
#include "sidecar/duration_histogram.h"
#include "sidecar/membership_view.h"
#include "sidecar/name_map.h"
#include "sidecar/peer_message.h"
#include "sidecar/process_runner.h"
#include "sidecar/records.h"
#include "sidecar/restart_policy.h"
#include "sidecar/store.h"
#include "sidecar/strategy.h"
#include "sidecar/workload_spec.h"

namespace herd::sidecar {

struct SupervisorOptions {
  std::string name;
  std::string address;       // peer address others reach this member at
  uint64_t incarnation = 1;  // differs on every start of the agent
  StrategyKind strategy = StrategyKind::kUniform;
  bool active_redistribution = false;
  bool static_membership = true;  // refuse peers outside the declared list
  Clock::Duration heartbeat_interval = std::chrono::milliseconds(250);
  Clock::Duration heartbeat_deadline = std::chrono::seconds(1);
  Clock::Duration join_timeout = std::chrono::seconds(2);
  Clock::Duration flush_delay = std::chrono::milliseconds(1);  // delta batching window
  Clock::Duration retransmit_after = std::chrono::milliseconds(200);
  Clock::Duration gc_interval = std::chrono::seconds(10);
  size_t move_batch = 64;   // workloads moved at once by redistribution and rebalance
  size_t start_batch = 64;  // children started per loop turn (see QueueStart)
  BackoffOptions backoff;
  double load_epsilon = 0.25;
  uint64_t compact_after_records = 20000;
  Clock::Duration shutdown_drain = std::chrono::seconds(2);  // wait for handoff acks
};

template <typename T>
using Reply = std::function<void(Result<T>)>;

enum class ApplyKind { kCreated, kConfigured, kUnchanged };
std::string_view ApplyKindName(ApplyKind k);  // created | configured | unchanged

struct ApplyOutcome {
  std::string name;
  ApplyKind kind = ApplyKind::kCreated;
  std::string owner;
  uint64_t generation = 0;
};

struct ApplyRequest {
  WorkloadSpec spec;
  std::optional<uint64_t> expected_generation;  // SPEC.md 409 precondition
};

struct WorkloadView {
  std::string name;
  WorkloadRecord record;
  WorkloadSpec spec;
  std::optional<StatusRecord> status;
};

struct ChildCounts {
  size_t declared = 0;  // workloads in the map
  size_t running = 0;   // workloads whose owner reports them Running
  size_t local = 0;     // children running on this member
};

// How many Phase values there are (Supervisor::PhaseCounts is indexed by Phase).
inline constexpr size_t kPhaseCount = static_cast<size_t>(Phase::kSucceeded) + 1;

struct ListPage {
  std::vector<WorkloadView> items;
  std::string continue_token;  // empty on the last page
};

class Supervisor {
 public:
  Supervisor(SupervisorOptions options, Clock& clock, Random& random, ProcessRunner& runner,
             Store& store, Transport& transport);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Loads the map from the store, announces this incarnation and starts the timers.
  // Errors: the store's (kDataLoss for a corrupt snapshot).
  Status Start();

  // --- membership ---
  // The membership source's list (static flag list, or Kubernetes endpoints): name -> address.
  void SetDeclaredMembers(const std::map<std::string, std::string>& members);
  // PUT /v1/members (Horde.Cluster.set_members): replaces the static list cluster-wide.
  void SetMembers(const std::map<std::string, std::string>& members, Reply<bool> reply);
  std::vector<MemberInfo> Members() const { return view_.List(); }
  bool HasQuorum() const { return view_.HasQuorum(); }
  // False while the store fails (a full disk, a failed fsync): API writes are refused with
  // StoreUnavailable until a snapshot, tried once a second, succeeds.
  bool store_writable() const { return store_error_.ok(); }
  // Replies OK once this member sees a quorum, kDeadlineExceeded after `timeout`.
  void WaitForQuorum(Clock::Duration timeout, Reply<bool> reply);

  // --- peers and children ---
  void OnPeerMessage(std::string_view bytes);
  void OnChildExit(uint64_t instance, const ChildExit& exit);

  // --- API ---
  void Apply(std::vector<ApplyRequest> requests, Reply<std::vector<ApplyOutcome>> reply);
  void Delete(const std::string& name, Reply<bool> reply);
  void Rebalance(Reply<bool> reply);
  Result<WorkloadView> Get(const std::string& name) const;
  // Workloads in name order after `continue_token`, at most `limit` (0: no limit), matching
  // every label in `selector`.
  ListPage List(const std::map<std::string, std::string>& selector, size_t limit,
                const std::string& continue_token) const;
  ChildCounts Count() const;
  // Workloads in the map by phase (index: Phase), every declared workload counted once: a
  // workload with no status record yet is Pending. O(phases).
  std::array<size_t, kPhaseCount> PhaseCounts() const;

  // --- lifecycle ---
  // SIGTERM: mark shutting_down, hand every workload over, stop children within their
  // timeouts; `done` runs once everything has exited and the handoffs were sent.
  void BeginShutdown(std::function<void()> done);
  bool ready() const { return started_ && joined_ && !shutting_down_; }
  bool joined() const { return joined_; }
  bool shutting_down() const { return shutting_down_; }

  // Called on this thread with a workload's name after its declaration, owner or status record
  // changed in the map (a local write or a peer's), once per name per event handled, after the
  // supervisor reconciled it. The operator (k8s/workload_controller.h) mirrors it to
  // Kubernetes. The observer must not call back into a write synchronously.
  void SetWorkloadObserver(std::function<void(const std::string& name)> observer) {
    workload_observer_ = std::move(observer);
  }

  // --- introspection (tests, simulator, metrics) ---
  const std::string& name() const { return options_.name; }
  const crdt::AwLwwMap& map() const { return map_; }
  // Names of workloads with a live local instance (running or stopping).
  std::vector<std::string> LocalInstances() const;
  const MembershipView& view() const { return view_; }
  const Strategy& strategy() const { return *strategy_; }
  // Where the strategy puts every workload now: bounded-load rendezvous over the alive members
  // in name order, the same on every member with the same map. Active redistribution and
  // rebalance move workloads to it.
  std::map<std::string, std::string> TargetPlacement() const;

 private:
  enum class StopReason { kDeleted, kMoved, kReplaced, kShutdown, kNoQuorum, kRemoved, kHandoff };
  // A workload this member runs, or is about to run again.
  struct Child {
    enum class State { kIdle, kRunning, kStopping, kBackoff };
    State state = State::kIdle;
    InstanceId instance = 0;
    uint64_t generation = 0;
    uint64_t epoch = 0;
    int64_t pid = 0;
    std::string container_id;
    int64_t started_ms = 0;
    Clock::TimerId timer = 0;  // backoff restart
    StopReason stop_reason = StopReason::kDeleted;
    Clock::TimePoint stop_requested{};  // when StopChild asked the runner
    RestartTracker tracker;
  };

  // supervisor.cc: peers, persistence, membership, timers
  // Every timer goes through here, so the destructor can cancel what is still pending.
  Clock::TimerId After(Clock::Duration delay, std::function<void()> fn);
  void CancelTimer(Clock::TimerId& id);
  void OnTick();
  // A member is found dead at its heartbeat deadline, not at the tick after it: when an alive
  // peer's deadline passes before the next tick, a timer looks then.
  void ScheduleExpiryCheck();
  // view_.Refresh(), then OnViewChanged() if the alive set changed and a probe round if a peer
  // became a suspect (sidecar/membership_view.h).
  void RefreshView();
  // A heartbeat (seq: 0 or kHeartbeatProbe) to every declared peer, or to one.
  void SendHeartbeats(uint64_t seq);
  void SendHeartbeat(const std::string& peer, uint64_t seq);
  // Answers a refused former member (its context: `context`) with what it lacks, or with a
  // heartbeat when it lacks nothing.
  void AnswerRefused(const std::string& peer, const crdt::CausalContext& context);
  void ScheduleFlush();
  void Flush();
  const std::string& EncodedContext();
  // `heard`: what a heartbeat reports (MembershipView::Reports).
  void SendTo(const std::string& peer, PeerMessageType type, uint64_t seq, std::string_view delta,
              const std::vector<HeardReport>* heard = nullptr);
  // The same to an address given (a refused former member's, which the view no longer has).
  void SendToAddress(const std::string& peer, const std::string& address, PeerMessageType type,
                     uint64_t seq, std::string_view delta,
                     const std::vector<HeardReport>* heard = nullptr);
  void Persist(std::string_view encoded_delta);
  // Appends this member's writes since the last call as one log record (AwLwwMap::
  // OwnWritesSince): a group commit appends once, not once per write. Returns them (null when
  // there were none) and offers them to the peers' DeltaSync; `encoded` gets the record.
  std::shared_ptr<const crdt::Delta> PersistOwnWrites(std::string* encoded = nullptr);
  void AfterDurable(std::function<void()> fn);
  // Once a heartbeat: fsyncs what was appended without a group commit's fsync since (the peers'
  // deltas, this member's own status writes), so that what it acknowledged is on disk within a
  // heartbeat, not only at the next API write here.
  void SyncAppended();
  // A failed append or sync: counted, logged once per stretch of failures, and the store is
  // in error (store_error_) until RecoverStore's snapshot succeeds.
  void StoreFailed(std::string_view event, const Status& s);
  void MaybeCompact();
  // Writes the whole map as a snapshot; on success the store works again (store_error_ OK).
  void RecoverStore();
  void CheckJoined();
  void OnViewChanged();
  void ApplyDeclared();
  void Write(std::string_view key, const std::optional<std::string>& value);
  void OnDiff(const crdt::Diff& diff);
  void DrainChanges();
  struct PendingChange;
  // Indexes and reconciles workload `name`, whose records changed.
  void DrainWorkload(const std::string& name, const PendingChange& change);
  // supervisor_metrics.cc: bookkeeping for Counters and PhaseCounts, each O(1) or O(log n).
  void CountStatusPhase(const StatusView& status, int delta);
  void CountSent(PeerMessageType type, size_t bytes);
  void CountReceived(PeerMessageType type);
  void NoteHeard(const std::string& peer);
  void NoteDeltaSent(uint64_t seq);
  void NoteDeltaAcked(uint64_t seq);
  void WriteSelfRecord(MemberStatus status);
  uint64_t NextHlc();
  int64_t NowMs() const;

  // supervisor_children.cc: reconcile, children, ownership moves
  void Reconcile(const std::string& name);
  // The same, with the workload's record as ReadWorkload(name) returns it now.
  void Reconcile(const std::string& name, const std::optional<WorkloadRecord>& rec);
  void ReconcileAll();
  // Whether this member should run workload `name`, owned by `owner`, now, but for its status:
  // it owns it, has joined, is not shutting down, may run (MayRun) and is not moving it away.
  bool MayRunHere(const std::string& name, const std::string& owner) const;
  // Whether the status record (its bytes, as the map holds them) says `rec`'s generation has
  // finished: a finished workload stays finished (Horde #4).
  static bool Finished(std::optional<std::string_view> status, const WorkloadRecord& rec);
  bool IsFinished(const std::string& name, const WorkloadRecord& rec) const {
    return Finished(StatusBytes(name), rec);
  }
  // MayRunHere and not Finished. The status is read only for a workload this member may run,
  // and `status` gets it (StatusBytes; nullopt when not read or absent) for the caller's use
  // before the map changes.
  bool ShouldRun(const std::string& name, const WorkloadRecord& rec,
                 std::optional<std::string_view>* status) const;
  // Starts wait in a queue drained a batch per event-loop turn, so that a bulk apply never
  // holds the loop (heartbeats, peer messages, API calls) for long: a member that stalls past
  // the heartbeat deadline looks dead to its peers.
  void QueueStart(const std::string& name);
  void StartQueued();
  // `status`: the workload's status record as the map holds it now (StatusBytes).
  void StartChild(const std::string& name, const WorkloadRecord& rec,
                  std::optional<std::string_view> status);
  void StopChild(const std::string& name, Child& child, StopReason reason);
  void AfterExit(const std::string& name, Child& child, const ChildExit& exit);
  void AfterCrash(const std::string& name, Child& child, const WorkloadRecord& rec,
                  const WorkloadSpec& spec, const ExitInfo& info, const std::string& detail);
  void WriteStatus(const std::string& name, const WorkloadRecord& rec, Phase phase,
                   const Child* child, const std::string& message);
  bool IsOrphanOwner(const std::string& owner) const;
  // A peer's reported context, or nullptr when it has reported none.
  using ReportedContext = std::function<const crdt::CausalContext*(const std::string& peer)>;
  // True when this member has joined every delta each of `peers` (but itself) reported having.
  bool HasSeenAllOf(const std::vector<std::string>& peers,
                    const ReportedContext& reported_by) const;
  // HasSeenAllOf the alive peers, by the contexts DeltaSync holds from their acks and
  // heartbeats.
  bool CaughtUp() const;
  // MayRunHere's member-wide terms: declared, and with quorum (not rejoining) if the strategy
  // needs it.
  bool MayRun() const;
  void ScanOrphans();
  // ScanOrphans for the workloads of one orphan owner: takes over those this member is first
  // for, counting them by former owner into `taken`.
  void ScanOrphansOf(const NameSet& orphans, const std::vector<std::string>& alive,
                     Clock::TimePoint now, std::map<std::string, size_t>* taken);
  void PlanMoves(bool forced);
  void ContinueMoves();
  // The moves whose child is still stopping; forgets the rest.
  size_t MovesInFlight();
  void TakeOver(const std::string& name, const WorkloadRecord& rec);
  void HandOff(const std::string& name, const WorkloadRecord& rec, const std::string& to);
  Placement PlacementFor(const std::string& excluded) const;
  // `owner`: the owner record as the caller just read it (ReadOwner), not read again.
  std::optional<WorkloadRecord> ReadWorkload(
      const std::string& name, SpecBytes spec_bytes = SpecBytes::kCopy,
      const std::optional<OwnerRecord>* owner = nullptr) const;
  // ReadWorkload without the spec: what placement, indexing and Reconcile read.
  std::optional<WorkloadRecord> ReadPlacement(
      const std::string& name, const std::optional<OwnerRecord>* owner = nullptr) const {
    return ReadWorkload(name, SpecBytes::kSkip, owner);
  }
  std::optional<StatusRecord> ReadStatus(const std::string& name) const;
  // The status record's bytes (valid until the map's next change): one lookup for the readers
  // that decode it more than one way.
  std::optional<std::string_view> StatusBytes(const std::string& name) const;
  // The same as a view into the map (valid until its next change): no copies.
  std::optional<StatusView> ReadStatusView(const std::string& name,
                                           StatusFields fields = StatusFields::kAll) const;
  std::optional<OwnerRecord> ReadOwner(const std::string& name) const;
  void WriteDeclaration(const std::string& name, WorkloadRecord rec);
  void WriteOwner(const std::string& name, const std::string& owner, uint64_t epoch);
  // Indexes declared workload `name` under `owner` (its owner record's; empty when it has
  // none), or unindexes it when `owner` is null (not declared). `unindexed`: the caller knows
  // `name` is not indexed (its declaration was absent), so no previous owner is looked for.
  void IndexOwner(const std::string& name, const std::string* owner, bool unindexed = false);
  using OwnerSets = std::map<std::string, NameSet, std::less<>>;
  // The set of by_owner_ that indexes `name`, or by_owner_.end().
  OwnerSets::iterator IndexedUnder(const std::string& name);
  // Moves `name` from the set `from` (end(): none) to `owner`'s (null: none).
  void Reindex(const std::string& name, OwnerSets::iterator from, const std::string* owner);
  void MaybeFinishShutdown();

  // supervisor_api.cc
  Status CheckWritable() const;
  Status CheckStore() const;  // 503 StoreUnavailable while the store fails

  SupervisorOptions options_;
  Clock& clock_;
  Random& random_;
  ProcessRunner& runner_;
  Store& store_;
  Transport& transport_;
  std::unique_ptr<Strategy> strategy_;
  HybridLogicalClock hlc_;
  crdt::AwLwwMap map_;
  crdt::DeltaSync sync_;
  MembershipView view_;

  bool started_ = false;
  bool joined_ = false;
  bool shutting_down_ = false;
  bool draining_ = false;
  bool had_quorum_ = false;
  bool may_run_ = false;  // MayRun() as OnViewChanged last saw it
  Clock::TimePoint started_at_{};
  // Until then, members that may just not have been heard yet are not declared dead (set when
  // the alive set grows: after a heal, peers are heard one by one).
  Clock::TimePoint settle_until_{};
  // Until then (and until caught up), a member that regained quorum, or was declared a member
  // again after its removal, runs nothing: its map may be stale, and the others may have
  // taken over its workloads while it was away.
  Clock::TimePoint rejoin_until_{};
  bool rejoining_ = false;
  std::optional<bool> declared_;  // whether this member was declared when OnViewChanged last ran
  // Active redistribution: ownership or the alive set changed since the last plan.
  bool placement_dirty_ = false;
  Clock::TimePoint shutdown_started_{};
  std::set<Clock::TimerId> timers_;
  Clock::TimerId tick_timer_ = 0;
  Clock::TimerId flush_timer_ = 0;
  Clock::TimerId start_timer_ = 0;
  Clock::TimerId expiry_timer_ = 0;
  std::optional<Clock::TimePoint> expiry_at_;  // when expiry_timer_ fires
  bool orphan_scan_waiting_ = false;           // ScanOrphans found orphans before catching up
  // Until joined: each peer's context as its latest answer to this member's probes gave it.
  std::map<std::string, crdt::CausalContext> join_answers_;
  std::set<std::string> start_queue_;  // workloads to start, in name order
  Clock::TimePoint next_tick_{};       // when the tick timer is due (stall detection)
  Clock::TimePoint last_gc_{};
  std::map<std::string, std::string> flag_members_;      // from SetDeclaredMembers
  std::map<std::string, Clock::TimePoint> refused_;      // undeclared peers -> last told
  std::map<std::string, std::string> former_addresses_;  // removed members -> address
  std::vector<std::string> last_alive_;
  std::set<std::string> changed_;  // keys changed and not yet handled
  // Workloads whose records changed and are not reconciled yet, with which ones (RecordChange).
  enum RecordChange : uint8_t {
    kDeclarationChanged = 1,
    kOwnerChanged = 2,
    kStatusChanged = 4,     // written by another member, naming another member before and after
    kOwnStatusChanged = 8,  // a status naming this member (or unreadable) before or after
    kWasUndeclared = 16,    // the declaration's first change here added it: not indexed yet
    // This member's own write of a status naming it, in a phase that is not final (Running,
    // Backoff, Stopping): written for a child it runs, as that child now is, so reconciling
    // would find nothing to do. Alone, it is not drained.
    kOwnStatusWritten = 32,
  };
  struct PendingChange {
    uint8_t records = 0;  // RecordChange bits
    // The owner record's owner as the last change to it showed (owner_names_[owner - 1]), or
    // 0: unknown (not changed, removed or unreadable), to be read from the map.
    uint8_t owner = 0;
  };
  NameMap<PendingChange> changed_workloads_;  // drained in no set order
  // Owner names seen in owner records, for PendingChange::owner: as many as members have
  // ever owned something, at most 255 (then the rest are read from the map).
  std::vector<std::string> owner_names_;
  uint8_t InternOwner(std::string_view owner);
  std::vector<std::function<void()>> durable_waiters_;
  Status last_sync_status_;
  Status append_error_;  // the first failed Append since the last group commit
  // The store's last failure while it is failing (OK when it works): the log misses writes the
  // map holds, and API writes are refused. Cleared by a snapshot that succeeds.
  Status store_error_;
  Clock::TimePoint last_store_probe_{};
  std::vector<std::pair<Clock::TimePoint, Reply<bool>>> quorum_waiters_;
  std::function<void()> shutdown_done_;
  std::function<void(const std::string&)> workload_observer_;
  std::string encoded_context_;
  bool context_dirty_ = true;
  bool writing_ = false;            // inside Write: the map's diffs are this member's writes
  uint64_t persisted_counter_ = 0;  // this member's writes up to here are in the store's log
  size_t unpersisted_bytes_ = 0;    // value bytes written since (a record stays well bounded)

  // By workload. Behind pointers: an insert or erase may move the other entries, not them.
  NameMap<std::unique_ptr<Child>> children_;
  std::map<InstanceId, std::string> instances_;  // instance -> workload
  InstanceId next_instance_ = 1;
  std::map<std::string, std::pair<ExitInfo, int64_t>> last_exit_;  // workload -> exit, wall ms
  // Declared workloads by owner ("" while a workload has no owner record), and their number.
  // Hash sets: a workload whose records change is looked up in them on every change; callers
  // that need an order sort.
  OwnerSets by_owner_;
  size_t indexed_ = 0;
  mutable std::map<std::string, size_t, std::less<>> load_view_;
  NameMap<Clock::TimePoint> orphaned_since_;
  std::map<std::string, std::string> planned_moves_;  // workload -> target, not yet moved
  // Workloads whose child was stopped to be moved (at most move_batch). A name counts as in
  // flight while its child is still stopping, whatever became of its plan meanwhile
  // (MovesInFlight): a counter leaked when a plan was dropped before the child's exit.
  std::set<std::string> moving_;
  // For the metrics (Counters, PhaseCounts): workloads by the phase of their status record,
  // kept from the map's diffs; when each peer was last heard; the send time of each delta
  // awaiting its ack (ascending seq, bounded); takeovers whose child has not started yet, with
  // the old owner's last message; peers whose next delta is a repair.
  std::array<size_t, kPhaseCount> status_phases_{};
  std::map<std::string, Clock::TimePoint, std::less<>> last_heard_;
  std::deque<std::pair<uint64_t, Clock::TimePoint>> delta_sent_at_;
  NameMap<Clock::TimePoint> failover_since_;
  std::set<std::string, std::less<>> repair_next_;

 public:
  // Counters for metrics and tests.
  struct Counters {
    uint64_t applies = 0, starts = 0, restarts = 0, takeovers = 0, rejected_messages = 0,
             store_errors = 0;
    // Exits of this member's children by how they ended, and starts the runner refused.
    uint64_t exits_clean = 0, exits_error = 0, exits_signal = 0, start_failures = 0;
    uint64_t failed = 0;    // workloads this member marked Failed (restart intensity, temporary)
    uint64_t handoffs = 0;  // ownership written to another member (shutdown, moves)
    // Peer messages by type (index: PeerMessageType value - 1: delta, ack, heartbeat), and
    // their encoded bytes (received counts rejected messages too).
    std::array<uint64_t, 3> messages_sent{}, messages_received{};
    uint64_t bytes_sent = 0, bytes_received = 0;
    // Deltas sent as repair: a retransmission, the catch-up of a restarted peer or of one whose
    // summary showed a loss, and what a refused (removed) member is told it lacks.
    uint64_t anti_entropy_rounds = 0;
    DurationHistogram failover;      // old owner's last message -> child started here
    DurationHistogram handoff;       // stop request of the old instance -> new owner written
    DurationHistogram sync_latency;  // delta sent -> its ack received
    DurationHistogram store_sync;    // Store::Sync() of a group commit
  };
  const Counters& counters() const { return counters_; }

 private:
  Counters counters_;
};

}  // namespace herd::sidecar
