// Parsing of the REST API's query parameters and small JSON bodies (SPEC.md section 4).
//
// Each function checks one input completely and returns either the value or a kInvalidArgument
// Status in the field-error style of sidecar/field_error.h whose field() names the query key
// ("label", "limit", "continue", "tail", "wait") or the body path ("items[2].address"). They
// never touch the Supervisor, so RestApi runs them on the HTTP server's thread before posting
// anything to the event loop. Pure functions; any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sidecar/http.h"

namespace herd::sidecar {

// Every `label` query value, each a comma-separated list of key=value pairs
// (`?label=team=data,tier=1&label=env=prod`): keys IsLabelKey, values IsLabelValue (empty
// allowed: "k="). A key given twice with different values is an error (nothing could match).
// No `label` at all: an empty selector.
Result<std::map<std::string, std::string>> ParseLabelSelector(const QueryParams& query);

// `limit`: a positive decimal integer no larger than `max_limit`. Absent: `max_limit`, so a
// list is always paged (clients follow metadata.continue).
Result<size_t> ParseLimit(std::optional<std::string_view> text, size_t max_limit);

// `continue`: the token a previous page returned (a workload name). Absent or empty: "" (the
// first page). Anything that cannot be a workload name is an error.
Result<std::string> ParseContinue(std::optional<std::string_view> text);

// `tail`: a non-negative decimal line count; 0 or absent means everything kept.
Result<size_t> ParseTail(std::optional<std::string_view> text);

// `wait`: a duration (common/duration.h) no longer than `max`. Absent: nullopt.
Result<std::optional<std::chrono::milliseconds>> ParseWait(std::optional<std::string_view> text,
                                                           std::chrono::milliseconds max);

// "host:port": host a DNS name, an IPv4 address or a bracketed IPv6 address; port 1..65535.
// `field` names the input in the error.
Status CheckPeerAddress(std::string_view address, const std::string& field);

// PUT /v1/members' body: {"items": [{"name": "a", "address": "host:port"}, ...]}. Each name a
// DNS-1123 label, unique; each address CheckPeerAddress; at least one item, at most
// kMaxMembers. Read-only fields that GET /v1/members shows (status, incarnation, declared) are
// accepted and ignored so its output can be edited and sent back; any other key is an error.
// Errors name the field: "items", "items[2].address", or "body" for malformed JSON.
inline constexpr size_t kMaxMembers = 1000;
Result<std::map<std::string, std::string>> ParseMembersBody(std::string_view body);

}  // namespace herd::sidecar
