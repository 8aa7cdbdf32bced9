// Kubernetes resource quantities ("64Mi", "1Gi", "500M", "1000", "1.5Gi", "100m", "1e3") for
// spec.resources.memory, converted to whole base units (bytes).
//
// Grammar, as Kubernetes': [+-] digits [. digits] then one suffix: a binary one (Ki Mi Gi Ti Pi
// Ei), a decimal one (n u m k M G T P E) or an exponent ([eE][+-]digits). Fractions round up to
// the next whole unit, as Kubernetes' Quantity.Value() does ("0.5" -> 1). Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace herd::sidecar {

// The value of `text` in base units. Errors (kInvalidArgument, no field: the caller names it):
// not a quantity; more than 19 significant digits; outside the int64 range.
Result<int64_t> ParseQuantity(std::string_view text);

// The shortest exact quantity for `v`: "64Mi", "500M", "1000", "0". ParseQuantity reads it
// back as `v`.
std::string FormatQuantity(int64_t v);

}  // namespace herd::sidecar
