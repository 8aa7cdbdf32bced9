// The version of this herd build, for `herd version`, the agent's /version and /v1/status.
//
// The build sets it with the HERD_VERSION compile definition (a release tag or `git describe`);
// a build without it reports "0.1.0-dev". Pure; any thread.
#pragma once

#include <string_view>

namespace herd::sidecar {

// The version string, never empty.
std::string_view HerdVersion();

}  // namespace herd::sidecar
