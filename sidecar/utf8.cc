#include "sidecar/utf8.h"

namespace herd::sidecar {

int32_t DecodeUtf8(std::string_view s, size_t* pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const size_t start = *pos;
  const unsigned char lead = byte(start);
  *pos = start + 1;
  if (lead < 0x80) return lead;
  int length;
  int32_t cp;
  int32_t min;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (s.size() - start < static_cast<size_t>(length)) return -1;
  for (int i = 1; i < length; ++i) {
    const unsigned char c = byte(start + i);
    if ((c & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *pos = start + length;
  return cp;
}

bool IsValidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;  // the common case, without a call
      continue;
    }
    if (DecodeUtf8(s, &pos) < 0) return false;
  }
  return true;
}

}  // namespace herd::sidecar
