// UTF-8 helpers for the spec: validation (every string in a WorkloadSpec is valid UTF-8, so it
// can be written as JSON) and code-point decoding (the YAML emitter escapes what YAML cannot
// print). Strict: no overlong forms, no surrogates, nothing above U+10FFFF. Pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace herd::sidecar {

// Decodes the code point at s[*pos] and advances *pos past it. Returns -1 and advances by one
// byte when the bytes there are not valid UTF-8. *pos must be < s.size().
int32_t DecodeUtf8(std::string_view s, size_t* pos);

bool IsValidUtf8(std::string_view s);

}  // namespace herd::sidecar
