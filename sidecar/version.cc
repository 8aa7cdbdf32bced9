#include "sidecar/version.h"

namespace herd::sidecar {

// HERD_VERSION is a string literal: target_compile_definitions(... HERD_VERSION="1.2.3").
std::string_view HerdVersion() {
#ifdef HERD_VERSION
  return HERD_VERSION;
#else
  return "0.1.0-dev";
#endif
}

}  // namespace herd::sidecar
