#include "sidecar/spec_codec.h"

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
// b, hence this small one.
class SpecReader {
 public:
  explicit SpecReader(std::string_view in) : in_(in) {}

  size_t remaining() const { return in_.size() - pos_; }

  Result<uint64_t> Varint(std::string_view what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (remaining() == 0) return Corrupt(what, "truncated at byte " + std::to_string(pos_));
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) return Corrupt(what, "varint overflows 64 bits");
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        if (b == 0 && shift > 0) return Corrupt(what, "non-minimal varint");
        return v;
      }
    }
    return Corrupt(what, "varint longer than 10 bytes");
  }

  Result<uint8_t> Byte(std::string_view what) {
    if (remaining() == 0) return Corrupt(what, "truncated at byte " + std::to_string(pos_));
    return static_cast<uint8_t>(in_[pos_++]);
  }

  Result<int64_t> Signed(std::string_view what, int64_t lo, int64_t hi) {
    ASSIGN_OR_RETURN(uint64_t raw, Varint(what));
    const int64_t v = UnZigZag(raw);
    if (v < lo || v > hi) return Corrupt(what, std::to_string(v) + " is out of range");
    return v;
  }

  // A count of items that take at least `min_item_bytes` each: never more than the input holds.
  Result<size_t> Count(std::string_view what, size_t min_item_bytes) {
    ASSIGN_OR_RETURN(uint64_t n, Varint(what));
    if (n > remaining() / min_item_bytes) {
      return Corrupt(what, "count " + std::to_string(n) + " cannot fit in the " +
                               std::to_string(remaining()) + " bytes left");
    }
    return static_cast<size_t>(n);
  }

  Result<std::string> String(std::string_view what) {
    ASSIGN_OR_RETURN(uint64_t n, Varint(what));
    if (n > remaining()) {
      return Corrupt(what, "length " + std::to_string(n) + " exceeds the " +
                               std::to_string(remaining()) + " bytes left");
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

Result<WorkloadSpec> DecodeFields(SpecReader& r) {
  WorkloadSpec spec;
  ASSIGN_OR_RETURN(spec.name, r.String("name"));
  ASSIGN_OR_RETURN(size_t labels, r.Count("labels", 2));
  for (size_t i = 0; i < labels; ++i) {
    ASSIGN_OR_RETURN(std::string key, r.String("label key"));
    ASSIGN_OR_RETURN(std::string value, r.String("label value"));
    if (!spec.labels.empty() && spec.labels.rbegin()->first >= key) {
      return Corrupt("labels", "keys not in strictly increasing order");
    }
    spec.labels.emplace_hint(spec.labels.end(), std::move(key), std::move(value));
  }
  ASSIGN_OR_RETURN(uint8_t runtime, r.Byte("runtime"));
  if (runtime > static_cast<uint8_t>(Runtime::kContainer)) {
    return Corrupt("runtime", "unknown value " + std::to_string(runtime));
  }
  spec.runtime = static_cast<Runtime>(runtime);
  ASSIGN_OR_RETURN(size_t argc, r.Count("command", 1));
  spec.command.reserve(argc);
  for (size_t i = 0; i < argc; ++i) {
    ASSIGN_OR_RETURN(std::string arg, r.String("command"));
    spec.command.push_back(std::move(arg));
  }
  ASSIGN_OR_RETURN(size_t envc, r.Count("env", 2));
  spec.env.reserve(envc);
  for (size_t i = 0; i < envc; ++i) {
    EnvVar var;
    ASSIGN_OR_RETURN(var.name, r.String("env name"));
    ASSIGN_OR_RETURN(var.value, r.String("env value"));
    spec.env.push_back(std::move(var));
  }
  ASSIGN_OR_RETURN(spec.working_dir, r.String("workingDir"));
  ASSIGN_OR_RETURN(spec.image, r.String("image"));
  ASSIGN_OR_RETURN(uint8_t restart, r.Byte("restart"));
  if (restart > static_cast<uint8_t>(RestartPolicy::kTemporary)) {
    return Corrupt("restart", "unknown value " + std::to_string(restart));
  }
  spec.restart = static_cast<RestartPolicy>(restart);
  constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min();
  constexpr int64_t kMax32 = std::numeric_limits<int32_t>::max();
  constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();
  ASSIGN_OR_RETURN(int64_t shutdown, r.Signed("shutdownTimeoutSeconds", kMin32, kMax32));
  ASSIGN_OR_RETURN(int64_t max_restarts, r.Signed("maxRestarts", kMin32, kMax32));
  ASSIGN_OR_RETURN(int64_t max_seconds, r.Signed("maxSeconds", kMin32, kMax32));
  spec.shutdown_timeout_seconds = static_cast<int32_t>(shutdown);
  spec.max_restarts = static_cast<int32_t>(max_restarts);
  spec.max_seconds = static_cast<int32_t>(max_seconds);
  ASSIGN_OR_RETURN(spec.resources.memory_bytes, r.Signed("memory", kMin64, kMax64));
  ASSIGN_OR_RETURN(spec.resources.pids, r.Signed("pids", kMin64, kMax64));
  return spec;
}

// FNV-1a over length-prefixed fields: a fixed, documented order that never changes.
class Fingerprinter {
 public:
  explicit Fingerprinter(std::string_view domain) { Bytes(domain); }

  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void Bytes(std::string_view s) {
    U64(s.size());
    for (char c : s) Byte(static_cast<uint8_t>(c));
  }
  uint64_t Finish() const { return SplitMix64(h_); }

 private:
  void Byte(uint8_t b) {
    h_ ^= b;
    h_ *= 0x100000001b3ULL;
  }
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace

std::string EncodeSpec(const WorkloadSpec& spec) {
  ByteWriter w;
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
  ASSIGN_OR_RETURN(uint8_t version, r.Byte("version"));
  if (version != kSpecCodecVersion) {
    return Corrupt("version", "unsupported version " + std::to_string(version));
  }
  ASSIGN_OR_RETURN(WorkloadSpec spec, DecodeFields(r));
  if (r.remaining() != 0) {
    return Corrupt("spec", std::to_string(r.remaining()) + " trailing bytes");
  }
  Status valid = Validate(spec);
  if (!valid.ok()) {
    return InvalidArgument("spec codec: decoded spec is invalid: " + valid.message(),
                           valid.field());
  }
  return spec;
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
