// HashBytes: a fast 64-bit hash of a short string, for the in-memory hash tables keyed by
// names and map keys (crdt/key_index.h, sidecar/name_map.h).
//
// Eight bytes at a time, each pair of words folded by a 64x64->128-bit multiply (as wyhash
// does): about fifteen instructions for a 16-byte key, where std::hash (MurmurHash2, a byte
// loop for the tail) took about a hundred. Every bit of the input reaches the low bits, which
// the tables use as the home slot. Not for anything persisted or sent: the value may change
// between builds. Not keyed, like std::hash: no defence against inputs built to collide.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace herd {

namespace hash_internal {

inline uint64_t Fold(uint64_t a, uint64_t b) {
  const unsigned __int128 m = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64);
}

inline uint64_t Load(const char* p, size_t n) {  // n <= 8 bytes, little-endian
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

// 1-7 bytes in fixed-size loads (a copy of a variable length is a loop or a call): two
// 4-byte words that overlap, or the first, middle and last byte, as wyhash reads them. Every
// byte is read; the length is mixed in by the caller.
inline uint64_t LoadShort(const char* p, size_t n) {
  if (n >= 4) return Load(p, 4) << 32 | Load(p + n - 4, 4);
  const auto byte = [p](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(p[i])); };
  return byte(0) << 16 | byte(n >> 1) << 8 | byte(n - 1);
}

}  // namespace hash_internal

inline uint64_t HashBytes(std::string_view s) {
  using hash_internal::Fold;
  using hash_internal::Load;
  using hash_internal::LoadShort;
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL,
                     k2 = 0x8ebc6af09c88c6e3ULL;
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = k0 ^ n;
  for (; n > 16; n -= 16, p += 16) h = Fold(Load(p, 8) ^ k1 ^ h, Load(p + 8, 8) ^ k2);
  // The last 1-16 bytes, as two words that may overlap.
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = Load(p, 8);
    b = Load(p + n - 8, 8);
  } else if (n > 0) {
    a = LoadShort(p, n);
  }
  return Fold(Fold(a ^ k1 ^ h, b ^ k2) ^ k0, k1 ^ n);
}

}  // namespace herd
