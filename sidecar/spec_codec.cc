#include "sidecar/spec_codec.h"

#include <array>
#include <limits>

#include "common/bytes.h"
#include "common/random.h"

namespace herd::sidecar {
namespace {

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

Status Corrupt(std::string_view what, std::string_view why) {
  return InvalidArgument("spec codec: " + std::string(what) + ": " + std::string(why));
}

// A bounded reader that accepts only the canonical form EncodeSpec writes. ByteReader
// (common/bytes.h) accepts non-minimal varints, which would break EncodeSpec(DecodeSpec(b)) ==
// b, hence this small one. Reads fill an out-parameter and return a Status (an OK one is a
// null pointer): a spec is decoded for every start, and a Result per field cost more than the
// field.
class SpecReader {
 public:
  explicit SpecReader(std::string_view in) : in_(in) {}

  size_t remaining() const { return in_.size() - pos_; }

  Status Varint(std::string_view what, uint64_t* out) {
    if (pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) < 0x80) {  // most fields
      *out = static_cast<uint8_t>(in_[pos_++]);
      return Status::Ok();
    }
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (remaining() == 0) return Corrupt(what, "truncated at byte " + std::to_string(pos_));
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) return Corrupt(what, "varint overflows 64 bits");
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        if (b == 0 && shift > 0) return Corrupt(what, "non-minimal varint");
        *out = v;
        return Status::Ok();
      }
    }
    return Corrupt(what, "varint longer than 10 bytes");
  }

  Status Byte(std::string_view what, uint8_t* out) {
    if (remaining() == 0) return Corrupt(what, "truncated at byte " + std::to_string(pos_));
    *out = static_cast<uint8_t>(in_[pos_++]);
    return Status::Ok();
  }

  template <typename Int>
  Status Signed(std::string_view what, Int* out) {
    constexpr int64_t lo = std::numeric_limits<Int>::min(), hi = std::numeric_limits<Int>::max();
    uint64_t raw = 0;
    RETURN_IF_ERROR(Varint(what, &raw));
    const int64_t v = UnZigZag(raw);
    if (v < lo || v > hi) return Corrupt(what, std::to_string(v) + " is out of range");
    *out = static_cast<Int>(v);
    return Status::Ok();
  }

  // A count of items that take at least `min_item_bytes` each: never more than the input holds.
  Status Count(std::string_view what, size_t min_item_bytes, size_t* out) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Varint(what, &n));
    if (n > remaining() / min_item_bytes) {
      return Corrupt(what, "count " + std::to_string(n) + " cannot fit in the " +
                               std::to_string(remaining()) + " bytes left");
    }
    *out = static_cast<size_t>(n);
    return Status::Ok();
  }

  Status String(std::string_view what, std::string* out) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Varint(what, &n));
    if (n > remaining()) {
      return Corrupt(what, "length " + std::to_string(n) + " exceeds the " +
                               std::to_string(remaining()) + " bytes left");
    }
    *out = std::string(in_.data() + pos_, n);  // cheaper than assign(): `out` is empty
    pos_ += n;
    return Status::Ok();
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

Status DecodeFields(SpecReader& r, WorkloadSpec* spec) {
  RETURN_IF_ERROR(r.String("name", &spec->name));
  size_t labels = 0;
  RETURN_IF_ERROR(r.Count("labels", 2, &labels));
  for (size_t i = 0; i < labels; ++i) {
    std::string key, value;
    RETURN_IF_ERROR(r.String("label key", &key));
    RETURN_IF_ERROR(r.String("label value", &value));
    if (!spec->labels.empty() && spec->labels.rbegin()->first >= key) {
      return Corrupt("labels", "keys not in strictly increasing order");
    }
    spec->labels.emplace_hint(spec->labels.end(), std::move(key), std::move(value));
  }
  uint8_t runtime = 0;
  RETURN_IF_ERROR(r.Byte("runtime", &runtime));
  if (runtime > static_cast<uint8_t>(Runtime::kContainer)) {
    return Corrupt("runtime", "unknown value " + std::to_string(runtime));
  }
  spec->runtime = static_cast<Runtime>(runtime);
  size_t argc = 0;
  RETURN_IF_ERROR(r.Count("command", 1, &argc));
  spec->command.resize(argc);
  for (std::string& arg : spec->command) RETURN_IF_ERROR(r.String("command", &arg));
  size_t envc = 0;
  RETURN_IF_ERROR(r.Count("env", 2, &envc));
  spec->env.resize(envc);
  for (EnvVar& var : spec->env) {
    RETURN_IF_ERROR(r.String("env name", &var.name));
    RETURN_IF_ERROR(r.String("env value", &var.value));
  }
  RETURN_IF_ERROR(r.String("workingDir", &spec->working_dir));
  RETURN_IF_ERROR(r.String("image", &spec->image));
  uint8_t restart = 0;
  RETURN_IF_ERROR(r.Byte("restart", &restart));
  if (restart > static_cast<uint8_t>(RestartPolicy::kTemporary)) {
    return Corrupt("restart", "unknown value " + std::to_string(restart));
  }
  spec->restart = static_cast<RestartPolicy>(restart);
  RETURN_IF_ERROR(r.Signed("shutdownTimeoutSeconds", &spec->shutdown_timeout_seconds));
  RETURN_IF_ERROR(r.Signed("maxRestarts", &spec->max_restarts));
  RETURN_IF_ERROR(r.Signed("maxSeconds", &spec->max_seconds));
  RETURN_IF_ERROR(r.Signed("memory", &spec->resources.memory_bytes));
  return r.Signed("pids", &spec->resources.pids);
}

// FNV-1a over length-prefixed fields: a fixed, documented order that never changes.
class Fingerprinter {
 public:
  explicit Fingerprinter(std::string_view domain) { Bytes(domain); }

  // The 8 bytes of v, low first. The zero bytes above its highest non-zero one go in one
  // multiply: hashing a zero byte is h * kPrime, so k of them are h * kPrime^k. The same value
  // as byte by byte, for a fraction of the work on the small numbers most fields hold.
  void U64(uint64_t v) {
    int n = 0;
    for (; v != 0; v >>= 8, ++n) Byte(static_cast<uint8_t>(v));
    h_ *= kPrimePowers[8 - n];
  }
  void Bytes(std::string_view s) {
    U64(s.size());
    for (char c : s) Byte(static_cast<uint8_t>(c));
  }
  uint64_t Finish() const { return SplitMix64(h_); }

 private:
  static constexpr uint64_t kPrime = 0x100000001b3ULL;  // FNV-1a's, 64-bit
  static constexpr std::array<uint64_t, 9> kPrimePowers = [] {
    std::array<uint64_t, 9> p{1};
    for (size_t k = 1; k < p.size(); ++k) p[k] = p[k - 1] * kPrime;
    return p;
  }();

  void Byte(uint8_t b) {
    h_ ^= b;
    h_ *= kPrime;
  }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::string EncodeSpec(const WorkloadSpec& spec) {
  size_t size = 64 + spec.name.size() + spec.working_dir.size() + spec.image.size();
  for (const auto& [key, value] : spec.labels) size += key.size() + value.size() + 4;
  for (const std::string& arg : spec.command) size += arg.size() + 2;
  for (const EnvVar& var : spec.env) size += var.name.size() + var.value.size() + 4;
  ByteWriter w(size);
  w.U8(kSpecCodecVersion);
  w.Bytes(spec.name);
  w.Varint(spec.labels.size());
  for (const auto& [key, value] : spec.labels) {
    w.Bytes(key);
    w.Bytes(value);
  }
  w.U8(static_cast<uint8_t>(spec.runtime));
  w.Varint(spec.command.size());
  for (const std::string& arg : spec.command) w.Bytes(arg);
  w.Varint(spec.env.size());
  for (const EnvVar& var : spec.env) {
    w.Bytes(var.name);
    w.Bytes(var.value);
  }
  w.Bytes(spec.working_dir);
  w.Bytes(spec.image);
  w.U8(static_cast<uint8_t>(spec.restart));
  w.Varint(ZigZag(spec.shutdown_timeout_seconds));
  w.Varint(ZigZag(spec.max_restarts));
  w.Varint(ZigZag(spec.max_seconds));
  w.Varint(ZigZag(spec.resources.memory_bytes));
  w.Varint(ZigZag(spec.resources.pids));
  return w.Take();
}

Result<WorkloadSpec> DecodeSpec(std::string_view bytes) {
  SpecReader r(bytes);
  uint8_t version = 0;
  RETURN_IF_ERROR(r.Byte("version", &version));
  if (version != kSpecCodecVersion) {
    return Corrupt("version", "unsupported version " + std::to_string(version));
  }
  Result<WorkloadSpec> out{WorkloadSpec{}};
  WorkloadSpec& spec = *out;
  RETURN_IF_ERROR(DecodeFields(r, &spec));
  if (r.remaining() != 0) {
    return Corrupt("spec", std::to_string(r.remaining()) + " trailing bytes");
  }
  Status valid = Validate(spec);
  if (!valid.ok()) {
    return InvalidArgument("spec codec: decoded spec is invalid: " + valid.message(),
                           valid.field());
  }
  return out;
}

uint64_t RuntimeFingerprint(const WorkloadSpec& spec) {
  // Order and encoding are frozen: changing them would restart every workload on upgrade. A
  // future field is hashed only when it differs from its default, so old fingerprints hold.
  Fingerprinter f("herd.workload.runtime");
  f.Bytes(spec.name);
  f.U64(static_cast<uint64_t>(spec.runtime));
  f.U64(spec.command.size());
  for (const std::string& arg : spec.command) f.Bytes(arg);
  f.U64(spec.env.size());
  for (const EnvVar& var : spec.env) {
    f.Bytes(var.name);
    f.Bytes(var.value);
  }
  f.Bytes(spec.working_dir);
  f.Bytes(spec.image);
  f.U64(static_cast<uint64_t>(spec.restart));
  f.U64(static_cast<uint64_t>(static_cast<int64_t>(spec.shutdown_timeout_seconds)));
  f.U64(static_cast<uint64_t>(static_cast<int64_t>(spec.max_restarts)));
  f.U64(static_cast<uint64_t>(static_cast<int64_t>(spec.max_seconds)));
  f.U64(static_cast<uint64_t>(spec.resources.memory_bytes));
  f.U64(static_cast<uint64_t>(spec.resources.pids));
  return f.Finish();
}

uint64_t SpecFingerprint(const WorkloadSpec& spec) {
  Fingerprinter f("herd.workload.spec");
  f.U64(RuntimeFingerprint(spec));
  f.U64(spec.labels.size());
  for (const auto& [key, value] : spec.labels) {
    f.Bytes(key);
    f.Bytes(value);
  }
  return f.Finish();
}

}  // namespace herd::sidecar
