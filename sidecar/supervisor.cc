// Supervisor: peers, persistence, membership and timers. Reconciliation of workloads lives in
// supervisor_children.cc, the API in supervisor_api.cc.
#include "sidecar/supervisor.h"

#include <algorithm>

#include "common/log.h"
#include "crdt/codec.h"

namespace herd::sidecar {

Supervisor::Supervisor(SupervisorOptions options, Clock& clock, Random& random,
                       ProcessRunner& runner, Store& store, Transport& transport)
    : options_(std::move(options)),
      clock_(clock),
      random_(random),
      runner_(runner),
      store_(store),
      transport_(transport),
      strategy_(MakeStrategy(options_.strategy, random_, options_.load_epsilon)),
      map_(SplitMix64(random_.Next() ^ options_.incarnation)),
      sync_(crdt::DeltaSyncOptions{
          .retransmit_timeout_ms =
              std::chrono::duration_cast<std::chrono::milliseconds>(options_.retransmit_after)
                  .count(),
          .own_writes_first = true}),
      view_(options_.name, clock_, options_.heartbeat_deadline) {}

Supervisor::~Supervisor() {
  for (Clock::TimerId id : timers_) clock_.Cancel(id);
}

Clock::TimerId Supervisor::After(Clock::Duration delay, std::function<void()> fn) {
  auto id = std::make_shared<Clock::TimerId>(0);
  *id = clock_.Schedule(delay, [this, id, fn = std::move(fn)] {
    timers_.erase(*id);
    fn();
    DrainChanges();
  });
  timers_.insert(*id);
  return *id;
}

void Supervisor::CancelTimer(Clock::TimerId& id) {
  if (id == 0) return;
  clock_.Cancel(id);
  timers_.erase(id);
  id = 0;
}

Status Supervisor::Start() {
  ASSIGN_OR_RETURN(Store::Loaded loaded, store_.Load());
  if (loaded.dropped_tail_bytes > 0) {
    LOG_WARNING("store_tail_dropped", {{"bytes", loaded.dropped_tail_bytes}});
  }
  auto join_encoded = [&](std::string_view bytes, std::string_view what) {
    Result<crdt::Delta> delta = crdt::DecodeDelta(bytes);
    if (!delta.ok()) {
      LOG_ERROR("store_record_unreadable", {{"what", what}, {"error", delta.status().message()}});
      return;
    }
    map_.Join(std::move(*delta));
  };
  if (!loaded.snapshot.empty()) join_encoded(loaded.snapshot, "snapshot");
  for (const std::string& record : loaded.records) join_encoded(record, "log record");
  map_.RaiseHorizonToContext();

  // Rebuild every index from the loaded map.
  map_.ForEachPrefix(kMemberPrefix, [&](std::string_view key, std::string_view value) {
    Result<MemberRecord> rec = DecodeMember(value);
    if (rec.ok()) view_.SetRecord(std::string(key.substr(kMemberPrefix.size())), *rec);
  });
  map_.ForEachPrefix(kWorkloadPrefix, [&](std::string_view key, std::string_view) {
    std::string name(key.substr(kWorkloadPrefix.size()));
    std::optional<WorkloadRecord> rec = ReadPlacement(name);
    IndexOwner(name, rec ? &rec->owner : nullptr, /*unindexed=*/true);
  });
  map_.ForEachPrefix(kStatusPrefix, [&](std::string_view, std::string_view value) {
    Result<StatusView> s = DecodeStatusView(value, StatusFields::kHead);
    if (s.ok()) CountStatusPhase(*s, +1);
  });
  persisted_counter_ = map_.counter();  // what the store just gave back
  started_ = true;
  started_at_ = clock_.Now();
  last_gc_ = started_at_;
  ApplyDeclared();
  LOG_INFO("member_starting", {{"member", options_.name},
                               {"incarnation", options_.incarnation},
                               {"workloads", indexed_},
                               {"log_records", loaded.records.size()}});
  CheckJoined();
  OnTick();
  DrainChanges();
  return Status::Ok();
}

int64_t Supervisor::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now().time_since_epoch())
      .count();
}

uint64_t Supervisor::NextHlc() { return hlc_.Now(clock_.WallMillis()); }

void Supervisor::Write(std::string_view key, const std::optional<std::string>& value) {
  crdt::DiffCallback on_diff = [this](const crdt::Diff& d) { OnDiff(d); };
  writing_ = true;
  const bool written = map_.Write(key, value, NextHlc(), on_diff);
  writing_ = false;
  if (!written) return;
  context_dirty_ = true;
  // Appended with the group commit (Flush), before its fsync and before any peer hears of it;
  // a big batch goes early.
  constexpr size_t kMaxUnpersistedBytes = 8 << 20;
  unpersisted_bytes_ += key.size() + (value ? value->size() : 0);
  if (unpersisted_bytes_ > kMaxUnpersistedBytes) PersistOwnWrites();
  ScheduleFlush();
  // Changed keys are reconciled by DrainChanges at the end of the event being handled, never
  // in the middle of it.
}

std::shared_ptr<const crdt::Delta> Supervisor::PersistOwnWrites(std::string* encoded) {
  if (map_.counter() <= persisted_counter_) return nullptr;
  const uint64_t since = std::exchange(persisted_counter_, map_.counter());
  auto writes = std::make_shared<const crdt::Delta>(map_.OwnWritesSince(since));
  unpersisted_bytes_ = 0;
  std::string bytes = crdt::EncodeDelta(*writes);
  Persist(bytes);
  // The peers that hold this member's writes up to `since` lack exactly these.
  sync_.Offer(map_, since, writes);
  if (encoded != nullptr) *encoded = std::move(bytes);
  return writes;
}

void Supervisor::Persist(std::string_view encoded_delta) {
  Status s = store_.Append(encoded_delta);
  if (!s.ok()) {
    // The writes of this group commit are not durable here: their replies must say so.
    if (append_error_.ok()) append_error_ = s;
    StoreFailed("store_append_failed", s);
    return;
  }
  if (!store_error_.ok()) {
    RecoverStore();
    return;
  }
  MaybeCompact();
}

void Supervisor::SyncAppended() {
  Status s = store_.Sync();  // no fsync when nothing is pending
  if (!s.ok()) StoreFailed("store_sync_failed", s);
}

void Supervisor::StoreFailed(std::string_view event, const Status& s) {
  ++counters_.store_errors;
  if (store_error_.ok()) LOG_ERROR(event, {{"error", s.ToString()}});
  // What failed may be missing from the disk: API writes are refused (CheckWritable) until a
  // snapshot has rewritten the whole map (RecoverStore).
  store_error_ = s;
}

void Supervisor::RecoverStore() {
  last_store_probe_ = clock_.Now();
  Status c = store_.Compact(crdt::EncodeDelta(map_.State()));
  if (!c.ok()) {
    store_error_ = c;
    return;
  }
  store_error_ = Status::Ok();
  LOG_INFO("store_recovered", {{"member", options_.name}, {"entries", map_.entry_count()}});
}

void Supervisor::AfterDurable(std::function<void()> fn) {
  durable_waiters_.push_back(std::move(fn));
  ScheduleFlush();
}

void Supervisor::MaybeCompact() {
  uint64_t records = store_.log_records();
  if (records < options_.compact_after_records || records < 2 * map_.entry_count()) return;
  Status s = store_.Compact(crdt::EncodeDelta(map_.State()));
  if (!s.ok()) LOG_ERROR("store_compact_failed", {{"error", s.ToString()}});
}

void Supervisor::ScheduleFlush() {
  if (flush_timer_ != 0) return;
  flush_timer_ = After(options_.flush_delay, [this] {
    flush_timer_ = 0;
    Flush();
  });
}

void Supervisor::Flush() {
  // Group commit: one append and one fsync for every write since the last flush, then the
  // replies. An append that failed since the last flush fails this group's replies.
  std::string encoded;
  std::shared_ptr<const crdt::Delta> last = PersistOwnWrites(&encoded);
  Status append_error = std::exchange(append_error_, Status::Ok());
  if (!durable_waiters_.empty()) {
    const Clock::TimePoint sync_start = clock_.Now();
    Status s = store_.Sync();
    counters_.store_sync.Observe(clock_.Now() - sync_start);
    if (!s.ok()) StoreFailed("store_sync_failed", s);
    if (s.ok()) s = append_error;
    if (!s.ok()) {
      // 503 StoreUnavailable: the write is in memory and goes to the peers (who persist it),
      // but this member did not persist it, so it cannot acknowledge it.
      s = Unavailable("StoreUnavailable: member " + options_.name +
                      " did not persist the write: " + s.message());
    }
    std::vector<std::function<void()>> waiters;
    waiters.swap(durable_waiters_);
    last_sync_status_ = s;
    for (auto& w : waiters) w();
    last_sync_status_ = Status::Ok();
  }
  const int64_t now_ms = NowMs();
  // Peers that lack the same writes get the same delta (DeltaSync shares it while `last`
  // holds it), encoded once. Usually that is the group commit just appended, encoded already.
  for (const auto& [peer, address] : view_.declared()) {
    // A peer not heard within the deadline gets nothing until it is heard again: its summary
    // then shows what it lacks, and the next delta carries all of it.
    if (peer == options_.name || !view_.IsReachable(peer)) continue;
    std::optional<crdt::Outgoing> out = sync_.Poll(peer, map_, now_ms);
    if (!out) continue;
    if (repair_next_.erase(peer) > 0 || out->retransmission) ++counters_.anti_entropy_rounds;
    NoteDeltaSent(out->seq);
    if (out->delta != last) {
      encoded = crdt::EncodeDelta(*out->delta);
      last = std::move(out->delta);
    }
    SendTo(peer, PeerMessageType::kDelta, out->seq, encoded);
  }
}

const std::string& Supervisor::EncodedContext() {
  if (context_dirty_) {
    encoded_context_ = crdt::EncodeContext(map_.context());
    context_dirty_ = false;
  }
  return encoded_context_;
}

void Supervisor::SendTo(const std::string& peer, PeerMessageType type, uint64_t seq,
                        std::string_view delta, const std::vector<HeardReport>* heard) {
  std::string address = view_.AddressOf(peer);
  if (!address.empty()) SendToAddress(peer, address, type, seq, delta, heard);
}

void Supervisor::SendToAddress(const std::string& peer, const std::string& address,
                               PeerMessageType type, uint64_t seq, std::string_view delta,
                               const std::vector<HeardReport>* heard) {
  PeerMessage m;
  m.type = type;
  m.sender = options_.name;
  m.incarnation = options_.incarnation;
  m.hlc = hlc_.last();
  m.seq = seq;
  m.context = EncodedContext();
  m.delta = delta;
  if (heard != nullptr) m.heard = *heard;
  std::string bytes = EncodePeerMessage(m);
  CountSent(type, bytes.size());
  transport_.Send(peer, address, std::move(bytes));
}

void Supervisor::OnPeerMessage(std::string_view bytes) {
  counters_.bytes_received += bytes.size();
  Result<PeerMessage> decoded = DecodePeerMessage(bytes);
  if (!decoded.ok()) {
    ++counters_.rejected_messages;
    LOG_WARNING("peer_message_rejected", {{"error", decoded.status().message()}});
    return;
  }
  PeerMessage& m = *decoded;
  CountReceived(m.type);
  if (m.sender == options_.name) return;
  Result<crdt::CausalContext> context = crdt::DecodeContext(m.context);
  if (!context.ok()) {
    ++counters_.rejected_messages;
    LOG_WARNING("peer_message_rejected",
                {{"peer", m.sender}, {"error", context.status().message()}});
    return;
  }
  if (options_.static_membership && !view_.IsDeclared(m.sender)) {
    // SPEC.md 6: a member that is not in a static membership list is refused: nothing it
    // sends is taken. A former member is answered, though (at most once a heartbeat), so that
    // it learns of its removal and stops its copies, and so that it does not take this member
    // for dead: its own list may already name it again while this one does not yet.
    ++counters_.rejected_messages;
    auto [it, first] = refused_.try_emplace(m.sender, Clock::TimePoint{});
    if (first) {
      LOG_WARNING("peer_refused", {{"peer", m.sender}, {"reason", "not a declared member"}});
    }
    if (clock_.Now() - it->second >= options_.heartbeat_interval) {
      it->second = clock_.Now();
      AnswerRefused(m.sender, *context);
    }
    return;
  }
  hlc_.Observe(m.hlc);
  NoteHeard(m.sender);
  if (view_.Heard(m.sender, m.incarnation)) {
    LOG_INFO("peer_restarted", {{"peer", m.sender}, {"incarnation", m.incarnation}});
    sync_.ResetPeer(m.sender);
    repair_next_.insert(m.sender);  // its catch-up is a repair
  }
  switch (m.type) {
    case PeerMessageType::kAck:
      if (sync_.OnAck(m.sender, m.seq, *context)) NoteDeltaAcked(m.seq);
      break;
    case PeerMessageType::kHeartbeat: {
      view_.ReadReport(m.sender, m.heard);
      if (m.seq == kHeartbeatProbe) SendHeartbeat(m.sender, kHeartbeatAnswer);
      if (m.seq == kHeartbeatAnswer && !joined_) join_answers_[m.sender] = *context;
      const size_t in_flight = sync_.InFlight(m.sender);
      sync_.OnSummary(m.sender, *context, NowMs(), &map_.context());
      // Everything in flight was settled, yet the peer lacks what this member has: the summary
      // showed a loss, and the next delta is a repair.
      if (in_flight > 0 && sync_.InFlight(m.sender) == 0 && !context->Includes(map_.context())) {
        repair_next_.insert(m.sender);
      }
      break;
    }
    case PeerMessageType::kDelta: {
      Result<crdt::Delta> delta = crdt::DecodeDelta(m.delta);
      if (!delta.ok()) {
        ++counters_.rejected_messages;
        LOG_WARNING("peer_delta_rejected",
                    {{"peer", m.sender}, {"error", delta.status().message()}});
        break;
      }
      // Room at once for the workloads the entries name (two records each, as a takeover writes).
      changed_workloads_.reserve(delta->entries.size() / 2);
      map_.Join(std::move(*delta), [this](const crdt::Diff& d) { OnDiff(d); });
      context_dirty_ = true;
      Persist(m.delta);
      sync_.OnSummary(m.sender, *context);
      SendTo(m.sender, PeerMessageType::kAck, m.seq, {});
      break;
    }
  }
  DrainChanges();
  RefreshView();
  if (orphan_scan_waiting_ && CaughtUp()) ScanOrphans();
  CheckJoined();
  ScheduleFlush();
}

void Supervisor::AnswerRefused(const std::string& peer, const crdt::CausalContext& context) {
  auto to = former_addresses_.find(peer);
  if (to == former_addresses_.end()) return;
  // What it lacks when it lacks something, else a heartbeat: either way it hears this member.
  const crdt::Delta missing = map_.DeltaSince(context);
  if (missing.empty()) {
    const std::vector<HeardReport> heard = view_.Reports();
    SendToAddress(peer, to->second, PeerMessageType::kHeartbeat, 0, {}, &heard);
    return;
  }
  ++counters_.anti_entropy_rounds;
  SendToAddress(peer, to->second, PeerMessageType::kDelta, 0, crdt::EncodeDelta(missing));
}

void Supervisor::OnDiff(const crdt::Diff& d) {
  auto mark = [this, &d](std::string_view prefix, uint8_t change) -> PendingChange& {
    PendingChange& pending = changed_workloads_[d.key.substr(prefix.size())];
    pending.records |= change;
    return pending;
  };
  if (d.key.starts_with(kStatusPrefix)) {
    // Each value decoded once: counted by phase, and checked for naming this member.
    bool names_me = false;
    bool settled = false;  // kOwnStatusWritten
    auto count = [&](std::optional<std::string_view> value, int delta) {
      if (!value) return;
      Result<StatusView> s = DecodeStatusView(*value, StatusFields::kHead);
      if (!s.ok()) {
        names_me = true;  // unreadable: reconcile to be safe
        return;
      }
      CountStatusPhase(*s, delta);
      names_me = names_me || s->owner == options_.name;
      if (delta > 0) settled = writing_ && s->owner == options_.name && !IsFinal(s->phase);
    };
    count(d.old_value, -1);
    count(d.new_value, +1);
    mark(kStatusPrefix, settled    ? kOwnStatusWritten
                        : names_me ? kOwnStatusChanged
                                   : kStatusChanged);
  } else if (d.key.starts_with(kWorkloadPrefix)) {
    uint8_t& change = changed_workloads_[d.key.substr(kWorkloadPrefix.size())].records;
    if (!(change & kDeclarationChanged) && d.kind == crdt::DiffKind::kAdded) {
      change |= kWasUndeclared;
    }
    change |= kDeclarationChanged;
  } else if (d.key.starts_with(kOwnerPrefix)) {
    // Decoded now, while the value is fresh in the cache: the drain then need not look it up.
    PendingChange& pending = mark(kOwnerPrefix, kOwnerChanged);
    pending.owner = 0;
    if (d.new_value) {
      Result<OwnerRecord> o = DecodeOwner(*d.new_value);
      if (o.ok()) pending.owner = InternOwner(o->owner);
    }
  } else {
    changed_.insert(std::string(d.key));
  }
}

void Supervisor::DrainChanges() {
  if (draining_) return;  // the outer drain picks up keys changed meanwhile
  draining_ = true;
  bool view_dirty = false;
  std::set<std::string> observed;
  while (!changed_.empty() || !changed_workloads_.empty()) {
    if (changed_.empty()) {
      // Once per workload however many of its records changed. What changes meanwhile (this
      // member's own writes while reconciling) is in the next batch.
      NameMap<PendingChange> batch;
      std::swap(batch, changed_workloads_);
      for (const auto& [name, change] : batch) {
        DrainWorkload(name, change);
        if (workload_observer_) observed.insert(name);
      }
      continue;
    }
    std::string key = std::move(changed_.extract(changed_.begin()).value());
    std::string_view k = key;
    if (k.starts_with(kMemberPrefix)) {
      std::string name(k.substr(kMemberPrefix.size()));
      std::optional<std::string_view> v = map_.Get(key);
      std::optional<MemberRecord> rec;
      if (v) {
        Result<MemberRecord> r = DecodeMember(*v);
        if (r.ok()) rec = *r;
      }
      view_.SetRecord(name, rec);
      view_dirty = true;
    } else if (k == kMembersKey) {
      ApplyDeclared();
      view_dirty = true;
    } else if (k == kRebalanceKey) {
      if (map_.Contains(kRebalanceKey)) PlanMoves(true);
    }
  }
  draining_ = false;
  if (view_dirty) {
    view_.Refresh();
    OnViewChanged();
  }
  for (const std::string& name : observed) workload_observer_(name);
}

uint8_t Supervisor::InternOwner(std::string_view owner) {
  for (size_t i = 0; i < owner_names_.size(); ++i) {
    if (owner_names_[i] == owner) return static_cast<uint8_t>(i + 1);
  }
  if (owner_names_.size() >= 255) return 0;
  owner_names_.emplace_back(owner);
  return static_cast<uint8_t>(owner_names_.size());
}

void Supervisor::DrainWorkload(const std::string& name, const PendingChange& pending) {
  const uint8_t change = pending.records;
  if (change == kOwnStatusWritten) return;
  const bool has_child = children_.contains(name);
  if (change == kStatusChanged && !has_child) {
    // Another member's status of a workload this member neither runs nor owns: nothing
    // here depends on it (only the owner's Reconcile reads a status), so nothing is read.
    auto mine = by_owner_.find(options_.name);
    if (mine == by_owner_.end() || !mine->second.contains(name)) return;
  }
  const bool unindexed = (change & kWasUndeclared) != 0;
  std::optional<OwnerRecord> owner;  // read when there is no child (then not read again)
  bool owner_read = false;
  if (!has_child) {
    // Most changes are to workloads another member owns, with no child here: reconciling one
    // would find nothing to do, so its owner record alone settles the index. (An unreadable
    // declaration counts as declared here; no member can run it.) The owner comes from the
    // change itself when it changed, else from the map.
    const std::string* owner_name = nullptr;
    if (pending.owner != 0) {
      owner_name = &owner_names_[pending.owner - 1];
    } else {
      owner = ReadOwner(name);
      owner_read = true;
      if (owner) owner_name = &owner->owner;
    }
    if (owner_name != nullptr && (change & kDeclarationChanged) == 0) {
      // The declaration is as it was: declared if and only if indexed (the index holds
      // exactly the declared workloads), with no need to look it up.
      auto from = IndexedUnder(name);
      if (from != by_owner_.end()) {
        if (from->first != *owner_name) Reindex(name, from, owner_name);
        // With no child here, reconciling would at most queue a start (a takeover, or a move
        // to this member), and StartQueued reads the records and decides anyway.
        if (MayRunHere(name, *owner_name)) QueueStart(name);
        return;
      }
    } else if (owner_name != nullptr && *owner_name != options_.name &&
               map_.Contains(RecordKey(kWorkloadPrefix, name))) {
      IndexOwner(name, owner_name, unindexed);
      return;
    }
  }
  std::optional<WorkloadRecord> rec = ReadPlacement(name, owner_read ? &owner : nullptr);
  IndexOwner(name, rec ? &rec->owner : nullptr, unindexed);
  Reconcile(name, rec);
}

void Supervisor::SetDeclaredMembers(const std::map<std::string, std::string>& members) {
  flag_members_ = members;
  if (!started_) return;
  ApplyDeclared();
  view_.Refresh();
  OnViewChanged();
  DrainChanges();
}

void Supervisor::ApplyDeclared() {
  std::map<std::string, std::string> declared = flag_members_;
  if (options_.static_membership) {
    if (std::optional<std::string_view> v = map_.Get(kMembersKey)) {
      Result<std::vector<std::pair<std::string, std::string>>> list = DecodeMemberList(*v);
      if (list.ok()) declared = std::map<std::string, std::string>(list->begin(), list->end());
    }
  }
  if (declared.count(options_.name) == 0 && !options_.static_membership) {
    declared[options_.name] = options_.address;  // auto: this member is always a candidate
  }
  for (const auto& [name, address] : view_.declared()) {
    if (declared.count(name) == 0) {
      sync_.RemovePeer(name);
      former_addresses_[name] = view_.AddressOf(name);
    }
  }
  // A declared peer is tracked from the start, with an unknown context: garbage collection
  // waits until it has reported what it has seen.
  for (const auto& [name, address] : declared) {
    if (name != options_.name && !sync_.Tracks(name)) sync_.ResetPeer(name);
  }
  view_.SetDeclared(declared);
}

void Supervisor::WriteSelfRecord(MemberStatus status) {
  MemberRecord rec{options_.address, options_.incarnation, status};
  std::string key = std::string(kMemberPrefix) + options_.name;
  std::optional<std::string_view> current = map_.Get(key);
  std::string encoded = EncodeMember(rec);
  if (current && *current == encoded) return;
  Write(key, encoded);
}

void Supervisor::CheckJoined() {
  if (joined_ || !started_ || shutting_down_) return;
  // Synced with all: this member holds what every declared peer had when it answered a probe
  // of this incarnation. A plain message may have been sent before the peer knew of the
  // restart (in flight, or queued), and its context can lack the peer's latest takeovers.
  std::vector<std::string> peers;
  for (const auto& [peer, address] : view_.declared()) peers.push_back(peer);
  const bool all = HasSeenAllOf(peers, [this](const std::string& peer) {
    auto answer = join_answers_.find(peer);
    return answer == join_answers_.end() ? nullptr : &answer->second;
  });
  if (!all && clock_.Now() - started_at_ < options_.join_timeout) return;
  join_answers_.clear();
  joined_ = true;
  view_.SetSelfJoined(true);
  LOG_INFO("member_joined", {{"member", options_.name}, {"synced_with_all", all}});
  WriteSelfRecord(MemberStatus::kAlive);
  view_.Refresh();
  OnViewChanged();
}

void Supervisor::OnViewChanged() {
  if (!started_) return;
  if (view_.HasQuorum() && !quorum_waiters_.empty()) {
    auto waiters = std::move(quorum_waiters_);
    quorum_waiters_.clear();
    for (auto& [deadline, reply] : waiters) reply(true);
  }
  if (!joined_) return;
  const bool declared = view_.IsDeclared(options_.name);
  if (declared && declared_ == false) {
    // Declared after a time undeclared (removed, or not yet listed when it joined): while it
    // was out, the others took over its workloads and may have stopped sending it their
    // writes. Until it holds what they hold, its owner records may be stale, and running them
    // would run a workload twice.
    rejoining_ = true;
    rejoin_until_ = clock_.Now() + options_.heartbeat_deadline;
    LOG_INFO("member_declared", {{"member", options_.name}, {"catching_up", true}});
  }
  declared_ = declared;
  bool quorum = view_.HasQuorum();
  if (quorum != had_quorum_) {
    had_quorum_ = quorum;
    if (quorum && strategy_->needs_quorum()) {
      rejoining_ = true;
      rejoin_until_ = clock_.Now() + options_.heartbeat_deadline;
    }
    if (strategy_->needs_quorum()) {
      LOG_WARNING(quorum ? "quorum_regained" : "quorum_lost", {{"member", options_.name},
                                                               {"alive", view_.alive().size()},
                                                               {"known", view_.Known().size()}});
    }
  }
  std::vector<std::string> alive = view_.alive();
  bool grew = std::any_of(alive.begin(), alive.end(), [&](const std::string& m) {
    return !std::binary_search(last_alive_.begin(), last_alive_.end(), m);
  });
  last_alive_ = alive;
  if (grew) settle_until_ = clock_.Now() + options_.heartbeat_deadline;
  placement_dirty_ = true;
  ScanOrphans();
  // Only when MayRun changes do all of this member's workloads need another look. Moves and
  // takeovers reconcile the workloads they touch when their owner records change.
  if (MayRun() != may_run_) {
    may_run_ = MayRun();
    ReconcileAll();
  }
}

bool Supervisor::HasSeenAllOf(const std::vector<std::string>& peers,
                              const ReportedContext& reported_by) const {
  for (const std::string& peer : peers) {
    if (peer == options_.name) continue;
    const crdt::CausalContext* reported = reported_by(peer);
    if (reported == nullptr || !map_.context().Includes(*reported)) return false;
  }
  return true;
}

bool Supervisor::MayRun() const {
  return view_.IsDeclared(options_.name) && !rejoining_ &&
         (!strategy_->needs_quorum() || view_.HasQuorum());
}

bool Supervisor::CaughtUp() const {
  return HasSeenAllOf(view_.alive(), [this](const std::string& peer) { return sync_.Acked(peer); });
}

void Supervisor::OnTick() {
  // A tick far behind schedule means this member's loop stalled: its peers' messages are still
  // queued, so their silence says nothing yet. Hold their expiry until the queue is read.
  const Clock::Duration late = clock_.Now() - next_tick_;
  if (next_tick_ != Clock::TimePoint{} && late > options_.heartbeat_interval) {
    view_.HoldExpiry(clock_.Now() + 2 * options_.heartbeat_interval);
    LOG_WARNING("loop_stalled",
                {{"late_ms", std::chrono::duration_cast<std::chrono::milliseconds>(late).count()}});
  }
  next_tick_ = clock_.Now() + options_.heartbeat_interval;
  tick_timer_ = After(options_.heartbeat_interval, [this] { OnTick(); });
  // A store that failed (a full disk) is probed once a second: the snapshot that recovers it
  // is also the test that space is back.
  if (!store_error_.ok() && clock_.Now() - last_store_probe_ >= std::chrono::seconds(1)) {
    RecoverStore();
  }
  SendHeartbeats(joined_ ? 0 : kHeartbeatProbe);  // until joined, ask for fresh answers
  RefreshView();
  CheckJoined();
  const Clock::TimePoint now = clock_.Now();
  for (auto it = quorum_waiters_.begin(); it != quorum_waiters_.end();) {
    if (now >= it->first) {
      Reply<bool> reply = std::move(it->second);
      it = quorum_waiters_.erase(it);
      reply(Status(StatusCode::kDeadlineExceeded,
                   "NoQuorum: no quorum within the wait (" + std::to_string(view_.alive().size()) +
                       " of " + std::to_string(view_.Known().size()) + " members alive)"));
    } else {
      ++it;
    }
  }
  // Reachability changes without the alive set changing (a shutting-down member that goes
  // silent), so orphans are looked for on every tick; cheap when every owner is alive.
  ScanOrphans();
  // Active redistribution converges on the placement whenever ownership or the alive set has
  // changed: once per tick at most, and only when this member's view has settled.
  if (options_.active_redistribution && placement_dirty_ && now >= settle_until_ &&
      MovesInFlight() == 0 && CaughtUp()) {
    placement_dirty_ = false;
    PlanMoves(false);
  }
  if (rejoining_ && now >= rejoin_until_ && CaughtUp()) {
    rejoining_ = false;
    may_run_ = MayRun();
    ReconcileAll();
  }
  if (now - last_gc_ >= options_.gc_interval) {
    last_gc_ = now;
    size_t dropped = map_.CollectGarbage(sync_.SeenByAll(map_));
    if (dropped > 0) LOG_DEBUG("tombstones_collected", {{"count", dropped}});
  }
  if (shutting_down_) MaybeFinishShutdown();
  ScheduleExpiryCheck();
  Flush();
  SyncAppended();
}

void Supervisor::ScheduleExpiryCheck() {
  std::optional<Clock::TimePoint> at = view_.NextExpiry();
  if (at && *at >= next_tick_) at.reset();  // the next tick looks anyway
  if (at == expiry_at_) return;             // armed for that already
  CancelTimer(expiry_timer_);
  expiry_at_ = at;
  if (!at) return;
  expiry_timer_ = After(*at - clock_.Now(), [this] {
    expiry_timer_ = 0;
    expiry_at_.reset();
    RefreshView();
  });
}

void Supervisor::RefreshView() {
  if (view_.Refresh()) OnViewChanged();
  // A peer just went silent: ask everyone now whether they still hear it.
  if (view_.TakeNewSuspects()) SendHeartbeats(kHeartbeatProbe);
  // A heartbeat may have moved a peer's expiry (a vouch for a suspect, a few milliseconds on):
  // look again then, not at the next tick.
  ScheduleExpiryCheck();
}

void Supervisor::SendHeartbeats(uint64_t seq) {
  const std::vector<HeardReport> heard = view_.Reports();
  for (const auto& [peer, address] : view_.declared()) {
    if (peer != options_.name) SendTo(peer, PeerMessageType::kHeartbeat, seq, {}, &heard);
  }
}

void Supervisor::SendHeartbeat(const std::string& peer, uint64_t seq) {
  const std::vector<HeardReport> heard = view_.Reports();
  SendTo(peer, PeerMessageType::kHeartbeat, seq, {}, &heard);
}

}  // namespace herd::sidecar
