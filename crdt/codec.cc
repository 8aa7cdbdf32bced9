#include "crdt/codec.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "common/crc32c.h"

namespace herd::crdt {
namespace {

constexpr char kMagic0 = 'h';
constexpr char kMagic1 = 'D';
constexpr uint8_t kKindDelta = 1;
constexpr uint8_t kKindContext = 2;
constexpr uint64_t kDeltaFullState = 1;
constexpr uint64_t kEntryTombstone = 1;
// The fewest payload bytes one element can take: what a count is checked against.
constexpr size_t kMinEntryBytes = 7;  // key len, replica, counter, ts, flags, value len, covers
constexpr size_t kMinDotBytes = 2;    // replica index, counter
constexpr size_t kMinRunBytes = 2;    // replica index and flag, gap
constexpr size_t kReplicaBytes = 8;

std::string Str(uint64_t v) { return std::to_string(v); }

// ---- Encoding ----

void PutVarint(std::string* out, uint64_t v) {
  if (v < 0x80) {  // most fields: counters, lengths, table indexes
    out->push_back(static_cast<char>(v));
    return;
  }
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

void PutFixed(std::string* out, uint64_t v, int bytes) {
  char buf[8];
  for (int i = 0; i < bytes; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, static_cast<size_t>(bytes));
}

void PutBytes(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// The replicas a payload mentions, sorted: dots refer to them by index.
class ReplicaTable {
 public:
  void Note(ReplicaId r) {
    if (!ids_.empty() && r == last_) return;
    auto it = std::lower_bound(ids_.begin(), ids_.end(), r);
    if (it == ids_.end() || *it != r) ids_.insert(it, r);
    last_ = r;
  }
  void NoteContext(const CausalContext& c) {
    for (const auto& [r, n] : c.version_vector()) Note(r);
    for (const DotRange& run : c.cloud()) Note(run.replica);
  }
  uint64_t IndexOf(ReplicaId r) const {
    return static_cast<uint64_t>(std::lower_bound(ids_.begin(), ids_.end(), r) - ids_.begin());
  }
  void Write(std::string* out) const {
    PutVarint(out, ids_.size());
    for (ReplicaId r : ids_) PutFixed(out, r, 8);
  }
  void PutDot(std::string* out, const Dot& d) const {
    PutVarint(out, IndexOf(d.replica));
    PutVarint(out, d.counter);
  }

 private:
  std::vector<ReplicaId> ids_;
  ReplicaId last_ = 0;
};

void PutContext(std::string* out, const ReplicaTable& table, const CausalContext& c) {
  PutVarint(out, c.version_vector().size());
  for (const auto& [r, n] : c.version_vector()) table.PutDot(out, Dot{r, n});
  PutVarint(out, c.cloud().size());
  const DotRange* prev = nullptr;
  for (const DotRange& run : c.cloud()) {
    const bool long_run = run.last > run.first;
    PutVarint(out, table.IndexOf(run.replica) << 1 | (long_run ? 1 : 0));
    // Counted from the previous run of its replica, or from the replica's max: small numbers.
    const uint64_t base =
        prev != nullptr && prev->replica == run.replica ? prev->last : c.Max(run.replica);
    PutVarint(out, run.first - base - 2);
    if (long_run) PutVarint(out, run.last - run.first);
    prev = &run;
  }
}

// Fills in the header in front of a payload written after kFrameHeaderSize placeholder bytes.
std::string Seal(std::string frame, uint8_t kind) {
  const size_t payload_size = frame.size() - kFrameHeaderSize;
  const uint32_t crc = Crc32c(frame.data() + kFrameHeaderSize, payload_size);
  std::string header;
  header.push_back(kMagic0);
  header.push_back(kMagic1);
  header.push_back(static_cast<char>(kFormatVersion));
  header.push_back(static_cast<char>(kind));
  PutFixed(&header, payload_size, 4);
  PutFixed(&header, crc, 4);
  frame.replace(0, kFrameHeaderSize, header);
  return frame;
}

// ---- Decoding ----

// The name of the field being read ("entry 3 cover 1 counter"), put into words only when an
// error names it: decoding a good frame builds no strings. Each part points at the part before
// it, so naming a field copies nothing: a part must not outlive its parent (a temporary passed
// down a call does not).
class What {
 public:
  What(const char* text) : text_(text) {}       // NOLINT(google-explicit-constructor)
  What(std::string_view text) : text_(text) {}  // NOLINT(google-explicit-constructor)
  What(std::string_view text, uint64_t n) : text_(text), n_(n) {}
  What operator+(std::string_view text) const { return What(this, text, kNone); }
  What With(std::string_view text, uint64_t n) const { return What(this, text, n); }
  std::string str() const {
    std::string out = parent_ != nullptr ? parent_->str() + ' ' : std::string();
    out += text_;
    if (n_ != kNone) out += ' ' + Str(n_);
    return out;
  }

 private:
  static constexpr uint64_t kNone = ~uint64_t{0};
  What(const What* parent, std::string_view text, uint64_t n)
      : parent_(parent), text_(text), n_(n) {}
  const What* parent_ = nullptr;
  std::string_view text_;
  uint64_t n_ = kNone;
};

Status Invalid(const What& what, std::string_view problem) {
  return InvalidArgument(what.str() + std::string(problem));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  size_t remaining() const { return in_.size() - pos_; }

  Status Varint(const What& what, uint64_t* out) {
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) < 0x80) {  // counters, lengths
      *out = static_cast<uint8_t>(in_[pos_++]);
      return Status::Ok();
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ == in_.size()) return Invalid(what, ": varint runs past the payload");
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) return Invalid(what, ": varint overflows 64 bits");
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) return Invalid(what, ": varint is not minimal");
        *out = v;
        return Status::Ok();
      }
    }
    return Invalid(what, ": varint overflows 64 bits");
  }

  Status Fixed64(const What& what, uint64_t* out) {
    if (remaining() < 8) {
      return Invalid(what, " needs 8 bytes, " + Str(remaining()) + " remain");
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += 8;
    *out = v;
    return Status::Ok();
  }

  Status Bytes(const What& what, std::string* out) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Varint(what + "length", &n));
    if (n > remaining()) {
      return Invalid(what,
                     " length " + Str(n) + " exceeds remaining " + Str(remaining()) + " bytes");
    }
    // A fresh string, moved in: cheaper than assign()'s general replace, and `out` is
    // usually empty.
    *out = std::string(in_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }

  // A count of elements that each take at least `min_bytes`.
  Status Count(const What& what, size_t min_bytes, uint64_t* out) {
    RETURN_IF_ERROR(Varint(what, out));
    if (*out > remaining() / min_bytes) {
      return Invalid(what, " " + Str(*out) + " exceeds what the remaining " + Str(remaining()) +
                               " bytes can hold");
    }
    return Status::Ok();
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

class DotReader {
 public:
  Status ReadTable(Reader* in) {
    uint64_t n = 0;
    RETURN_IF_ERROR(in->Count("replica count", kReplicaBytes, &n));
    ids_.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t id = 0;
      RETURN_IF_ERROR(in->Fixed64(What("replica", i), &id));
      if (!ids_.empty() && id <= ids_.back()) {
        return InvalidArgument("replica " + Str(i) + " id " + Str(id) +
                               " is not above the previous one (table must ascend)");
      }
      ids_.push_back(id);
    }
    used_.assign(n, false);
    return Status::Ok();
  }

  // Reads (replica index, counter >= 1). `index` is the table position, for ordering checks.
  Status Read(Reader* in, const What& what, Dot* d, uint64_t* index) {
    RETURN_IF_ERROR(in->Varint(what + "replica index", index));
    RETURN_IF_ERROR(Replica(what, *index, &d->replica));
    RETURN_IF_ERROR(in->Varint(what + "counter", &d->counter));
    if (d->counter == 0) return Invalid(what, " counter is 0 (counters start at 1)");
    return Status::Ok();
  }

  // The replica at table position `index` (read some other way).
  Status Replica(const What& what, uint64_t index, ReplicaId* replica) {
    if (index >= ids_.size()) {
      return Invalid(what, " replica index " + Str(index) + " out of range (" + Str(ids_.size()) +
                               " replicas)");
    }
    *replica = ids_[index];
    used_[index] = true;
    return Status::Ok();
  }

  Status CheckAllUsed() const {
    for (size_t i = 0; i < used_.size(); ++i) {
      if (!used_[i]) return InvalidArgument("replica " + Str(i) + " is listed but never used");
    }
    return Status::Ok();
  }

 private:
  std::vector<ReplicaId> ids_;
  std::vector<bool> used_;
};

// Format 1's cloud: its dots one by one.
Status ReadCloudDots(Reader* in, DotReader* dots, CausalContext* out) {
  uint64_t n = 0;
  RETURN_IF_ERROR(in->Count("context cloud count", kMinDotBytes, &n));
  Dot prev_dot;
  uint64_t max = 0;  // of prev_dot's replica: the cloud's dots come grouped by replica
  for (uint64_t i = 0; i < n; ++i) {
    Dot d;
    uint64_t index = 0;
    const What what("context cloud dot", i);
    RETURN_IF_ERROR(dots->Read(in, what, &d, &index));
    if (i > 0 && !(prev_dot < d)) {
      return Invalid(what, " " + ToString(d) + " is not above the previous one");
    }
    // A cloud dot leaves its replica's max alone (it lies above a gap).
    if (i == 0 || d.replica != prev_dot.replica) max = out->Max(d.replica);
    prev_dot = d;
    if (d.counter - 1 <= max) {
      return Invalid(what, " " + ToString(d) + " is not above its replica's max " + Str(max) +
                               " + 1 (context not compact)");
    }
    out->Add(d);
  }
  return Status::Ok();
}

// Format 2's cloud: runs of consecutive counters, grouped by replica (see codec.h).
Status ReadCloudRuns(Reader* in, DotReader* dots, CausalContext* out) {
  uint64_t n = 0;
  RETURN_IF_ERROR(in->Count("context cloud run count", kMinRunBytes, &n));
  DotRange prev;
  uint64_t prev_index = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const What what("context cloud run", i);
    DotRange run;
    uint64_t head = 0, gap = 0, extra = 0;
    RETURN_IF_ERROR(in->Varint(what + "replica index", &head));
    const uint64_t index = head >> 1;  // the low bit: more than one counter
    RETURN_IF_ERROR(dots->Replica(what, index, &run.replica));
    RETURN_IF_ERROR(in->Varint(what + "gap", &gap));
    if (head & 1) {
      RETURN_IF_ERROR(in->Varint(what + "length", &extra));
      if (extra == 0) return Invalid(what, " has a length of 0 more counters (not canonical)");
    }
    if (i > 0 && index < prev_index) {
      return Invalid(what, " replica index " + Str(index) + " is below the previous run's");
    }
    // It starts at least two counters past the previous run of its replica, or past the
    // replica's max (runs never touch, and the context is compact).
    const uint64_t base = i > 0 && index == prev_index ? prev.last : out->Max(run.replica);
    if (base > UINT64_MAX - 2 || gap > UINT64_MAX - 2 - base) {
      return Invalid(what, " starts past the highest counter");
    }
    run.first = base + 2 + gap;
    if (extra > UINT64_MAX - run.first) {
      return Invalid(
          what, " " + ToString(Dot{run.replica, run.first}) + " runs past the highest counter");
    }
    run.last = run.first + extra;
    prev = run;
    prev_index = index;
    out->AddRange(run);
  }
  return Status::Ok();
}

Status ReadContext(Reader* in, DotReader* dots, uint8_t version, CausalContext* out) {
  uint64_t n = 0;
  RETURN_IF_ERROR(in->Count("context vv count", kMinDotBytes, &n));
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    Dot d;
    uint64_t index = 0;
    RETURN_IF_ERROR(dots->Read(in, What("context vv", i), &d, &index));
    if (i > 0 && index <= prev) {
      return InvalidArgument("context vv " + Str(i) + " replica index " + Str(index) +
                             " is not above the previous one");
    }
    prev = index;
    out->AddUpTo(d.replica, d.counter);
  }
  return version == 1 ? ReadCloudDots(in, dots, out) : ReadCloudRuns(in, dots, out);
}

// A dot an entry names, its own or one it covers, with where it was named: the dots are
// checked against the delta's context once all are read, sorted, in one walk.
struct NamedDot {
  static constexpr uint32_t kOwn = ~uint32_t{0};
  Dot dot;
  uint32_t entry = 0;     // a frame's length fits in 32 bits, so does its entry count
  uint32_t cover = kOwn;  // the entry's own dot, or its cover's position
  friend bool operator<(const NamedDot& a, const NamedDot& b) {
    return a.dot < b.dot || (a.dot == b.dot && a.entry < b.entry);
  }
};

// The first of `dots` (ascending) that `context` lacks, or dots.end(): one walk along the
// context's cloud, instead of a search in it for each.
std::vector<NamedDot>::const_iterator FirstNotIn(const CausalContext& context,
                                                 const std::vector<NamedDot>& dots) {
  const std::map<ReplicaId, uint64_t>& vv = context.version_vector();
  const std::vector<DotRange>& cloud = context.cloud();
  auto r = vv.begin();
  auto c = cloud.begin();
  for (auto it = dots.begin(); it != dots.end(); ++it) {
    const Dot& d = it->dot;
    while (r != vv.end() && r->first < d.replica) ++r;
    if (r != vv.end() && r->first == d.replica && d.counter <= r->second) continue;
    // Past the runs that end before d.
    while (c != cloud.end() &&
           (c->replica < d.replica || (c->replica == d.replica && c->last < d.counter))) {
      ++c;
    }
    if (c == cloud.end() || !c->Contains(d)) return it;
  }
  return dots.end();
}

Status NotInContext(const NamedDot& n) {
  const What entry("entry", n.entry);
  if (n.cover == NamedDot::kOwn) {
    return Invalid(entry, " dot " + ToString(n.dot) + " is not in the delta's context");
  }
  return Invalid(entry.With("cover", n.cover),
                 " " + ToString(n.dot) + " is not in the delta's context");
}

// Reads entry `i`; the dots it covers go to `covers` too, for the context check.
Status ReadEntry(Reader* in, DotReader* dots, uint64_t i, KeyedEntry* out,
                 std::vector<NamedDot>* covers) {
  const What what("entry", i);
  RETURN_IF_ERROR(in->Bytes(what + "key", &out->key));
  Entry& e = out->entry;
  uint64_t index = 0;
  RETURN_IF_ERROR(dots->Read(in, what + "dot", &e.dot, &index));
  RETURN_IF_ERROR(in->Varint(what + "timestamp", &e.timestamp));
  uint64_t flags = 0;
  RETURN_IF_ERROR(in->Varint(what + "flags", &flags));
  if (flags & ~kEntryTombstone) return Invalid(what, " has unknown flags " + Str(flags));
  e.tombstone = (flags & kEntryTombstone) != 0;
  RETURN_IF_ERROR(in->Bytes(what + "value", &e.value));
  if (e.tombstone && !e.value.empty()) {
    return Invalid(what, " is a tombstone but has a " + Str(e.value.size()) + "-byte value");
  }
  uint64_t n = 0;
  RETURN_IF_ERROR(in->Count(what + "cover count", kMinDotBytes, &n));
  e.covers.reserve(n);
  for (uint64_t c = 0; c < n; ++c) {
    Dot d;
    const What cover = what.With("cover", c);
    RETURN_IF_ERROR(dots->Read(in, cover, &d, &index));
    if (c > 0 && !(e.covers.back() < d)) {
      return Invalid(cover, " " + ToString(d) + " is not above the previous one");
    }
    e.covers.push_back(d);
    covers->push_back({d, static_cast<uint32_t>(i), static_cast<uint32_t>(c)});
  }
  return Status::Ok();
}

// Checks the header and returns the payload; `version` gets the frame's format version.
Result<std::string_view> OpenFrame(std::string_view bytes, uint8_t want_kind, uint8_t* version) {
  if (bytes.size() >= 2 && (bytes[0] != kMagic0 || bytes[1] != kMagic1)) {
    return InvalidArgument("not a herd CRDT frame (bad magic)");
  }
  if (bytes.size() < kFrameHeaderSize) {
    return DataLoss("frame of " + Str(bytes.size()) + " bytes is shorter than its " +
                    Str(kFrameHeaderSize) + "-byte header");
  }
  const auto byte = [&bytes](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  if (byte(2) < kOldestFormatVersion || byte(2) > kFormatVersion) {
    return InvalidArgument("unsupported format version " + Str(byte(2)) + " (this build reads " +
                           Str(kOldestFormatVersion) + " to " + Str(kFormatVersion) + ")");
  }
  *version = byte(2);
  const uint8_t kind = byte(3);
  if (kind != kKindDelta && kind != kKindContext) {
    return InvalidArgument("unknown frame kind " + Str(kind));
  }
  if (kind != want_kind) {
    return InvalidArgument(kind == kKindDelta ? "frame holds a delta, not a context"
                                              : "frame holds a context, not a delta");
  }
  uint64_t length = 0, crc = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<uint64_t>(byte(4 + i)) << (8 * i);
  for (int i = 0; i < 4; ++i) crc |= static_cast<uint64_t>(byte(8 + i)) << (8 * i);
  const size_t present = bytes.size() - kFrameHeaderSize;
  if (length > present) {
    return DataLoss("payload truncated: header says " + Str(length) + " bytes, " + Str(present) +
                    " present");
  }
  if (length < present) {
    return DataLoss(Str(present - length) + " bytes follow the " + Str(length) + "-byte payload");
  }
  const std::string_view payload = bytes.substr(kFrameHeaderSize);
  const uint32_t actual = Crc32c(payload);
  if (actual != crc) return DataLoss("payload checksum mismatch");
  return payload;
}

}  // namespace

std::string EncodeDelta(const Delta& delta) {
  ReplicaTable table;
  table.NoteContext(delta.context);
  for (const KeyedEntry& ke : delta.entries) {
    table.Note(ke.entry.dot.replica);
    for (const Dot& c : ke.entry.covers) table.Note(c.replica);
  }
  std::string out(kFrameHeaderSize, '\0');
  size_t estimate = 32 + 12 * delta.context.cloud_size();
  for (const KeyedEntry& ke : delta.entries) {
    estimate += ke.key.size() + ke.entry.value.size() + 24 + 6 * ke.entry.covers.size();
  }
  out.reserve(kFrameHeaderSize + estimate);
  PutVarint(&out, delta.full_state ? kDeltaFullState : 0);
  table.Write(&out);
  PutContext(&out, table, delta.context);
  PutVarint(&out, delta.entries.size());
  for (const KeyedEntry& ke : delta.entries) {
    const Entry& e = ke.entry;
    PutBytes(&out, ke.key);
    table.PutDot(&out, e.dot);
    PutVarint(&out, e.timestamp);
    PutVarint(&out, e.tombstone ? kEntryTombstone : 0);
    PutBytes(&out, e.value);
    PutVarint(&out, e.covers.size());
    for (const Dot& c : e.covers) table.PutDot(&out, c);
  }
  return Seal(std::move(out), kKindDelta);
}

Result<Delta> DecodeDelta(std::string_view bytes) {
  uint8_t version = 0;
  ASSIGN_OR_RETURN(std::string_view payload, OpenFrame(bytes, kKindDelta, &version));
  Reader in(payload);
  Delta delta;
  uint64_t flags = 0;
  RETURN_IF_ERROR(in.Varint("delta flags", &flags));
  if (flags & ~kDeltaFullState) return InvalidArgument("delta has unknown flags " + Str(flags));
  delta.full_state = (flags & kDeltaFullState) != 0;
  DotReader dots;
  RETURN_IF_ERROR(dots.ReadTable(&in));
  RETURN_IF_ERROR(ReadContext(&in, &dots, version, &delta.context));
  uint64_t n = 0;
  RETURN_IF_ERROR(in.Count("entry count", kMinEntryBytes, &n));
  delta.entries.resize(n);
  std::vector<NamedDot> covers;
  for (uint64_t i = 0; i < n; ++i) {
    RETURN_IF_ERROR(ReadEntry(&in, &dots, i, &delta.entries[i], &covers));
  }
  if (in.remaining() > 0) {
    return InvalidArgument(Str(in.remaining()) + " unexpected bytes after the last entry");
  }
  RETURN_IF_ERROR(dots.CheckAllUsed());
  std::vector<NamedDot> seen;
  seen.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    seen.push_back({delta.entries[i].entry.dot, static_cast<uint32_t>(i)});
  }
  // A writer's own writes come in dot order: nothing to sort.
  if (!std::is_sorted(seen.begin(), seen.end())) std::sort(seen.begin(), seen.end());
  for (size_t i = 1; i < seen.size(); ++i) {
    if (seen[i].dot == seen[i - 1].dot) {
      return InvalidArgument("entries " + Str(seen[i - 1].entry) + " and " + Str(seen[i].entry) +
                             " share dot " + ToString(seen[i].dot));
    }
  }
  // Every dot named must be in the context; the lowest one missing is named.
  if (auto it = FirstNotIn(delta.context, seen); it != seen.end()) return NotInContext(*it);
  if (!std::is_sorted(covers.begin(), covers.end())) std::sort(covers.begin(), covers.end());
  if (auto it = FirstNotIn(delta.context, covers); it != covers.end()) return NotInContext(*it);
  return delta;
}

std::string EncodeContext(const CausalContext& context) {
  ReplicaTable table;
  table.NoteContext(context);
  std::string out(kFrameHeaderSize, '\0');
  out.reserve(kFrameHeaderSize + 16 +
              12 * (context.version_vector().size() + context.cloud_size()));
  table.Write(&out);
  PutContext(&out, table, context);
  return Seal(std::move(out), kKindContext);
}

Result<CausalContext> DecodeContext(std::string_view bytes) {
  uint8_t version = 0;
  ASSIGN_OR_RETURN(std::string_view payload, OpenFrame(bytes, kKindContext, &version));
  Reader in(payload);
  DotReader dots;
  CausalContext context;
  RETURN_IF_ERROR(dots.ReadTable(&in));
  RETURN_IF_ERROR(ReadContext(&in, &dots, version, &context));
  if (in.remaining() > 0) {
    return InvalidArgument(Str(in.remaining()) + " unexpected bytes after the context");
  }
  RETURN_IF_ERROR(dots.CheckAllUsed());
  return context;
}

}  // namespace herd::crdt
