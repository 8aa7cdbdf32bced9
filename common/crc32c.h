// CRC32C (Castagnoli): the checksum of every frame herd writes to disk or sends to a peer.
// The CPU's crc32 instruction where it has one (x86_64 with SSE4.2), else tables, 8 bytes at a
// time; pure functions, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace herd {

// Extends `crc` (the CRC of earlier bytes, 0 to start) with `n` bytes at `data`.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);
// The table-driven path alone (what Crc32cExtend falls back to), for tests.
uint32_t Crc32cExtendTable(uint32_t crc, const void* data, size_t n);
inline uint32_t Crc32c(const void* data, size_t n) { return Crc32cExtend(0, data, n); }
inline uint32_t Crc32c(std::string_view s) { return Crc32c(s.data(), s.size()); }

}  // namespace herd
