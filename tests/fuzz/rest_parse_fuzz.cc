// Fuzz target for the REST API's input parsers: arbitrary bytes as PUT /v1/members' body and
// as a request target's query string (label selector, limit, continue, tail, wait). Whatever
// the input, each parser returns (no crash, no exception) either kInvalidArgument naming a
// field, or a value that satisfies its contract.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sidecar/rest_api_parse.h"
#include "sidecar/workload_spec.h"

namespace {

using herd::Status;
using herd::StatusCode;
using namespace herd::sidecar;

void Check(bool ok, const char* what, const std::string& context = "") {
  if (!ok) {
    std::fprintf(stderr, "rest_parse invariant broken: %s\n%s\n", what, context.c_str());
    std::abort();
  }
}

void CheckError(const Status& s, const char* parser) {
  Check(s.code() == StatusCode::kInvalidArgument, parser, s.ToString());
  Check(!s.field().empty(), "an error without a field", s.ToString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  auto members = ParseMembersBody(text);
  if (!members.ok()) {
    CheckError(members.status(), "ParseMembersBody: unexpected code");
  } else {
    Check(!members->empty() && members->size() <= kMaxMembers, "member count out of range");
    for (const auto& [name, address] : *members) {
      Check(IsDns1123Label(name), "a member name is not a DNS-1123 label", name);
      Check(CheckPeerAddress(address, "a").ok(), "an address fails its own check", address);
    }
  }

  HttpRequest req;
  req.SetTarget("/v1/workloads?" + text);
  auto selector = ParseLabelSelector(req.query);
  if (!selector.ok()) {
    CheckError(selector.status(), "ParseLabelSelector: unexpected code");
  } else {
    for (const auto& [k, v] : *selector) {
      Check(IsLabelKey(k) && IsLabelValue(v), "a selected label is not valid", k + "=" + v);
    }
  }
  auto limit = ParseLimit(req.Query("limit"), 1000);
  if (!limit.ok()) {
    CheckError(limit.status(), "ParseLimit: unexpected code");
  } else {
    Check(*limit >= 1 && *limit <= 1000, "limit out of range");
  }
  auto token = ParseContinue(req.Query("continue"));
  if (!token.ok()) CheckError(token.status(), "ParseContinue: unexpected code");
  auto tail = ParseTail(req.Query("tail"));
  if (!tail.ok()) CheckError(tail.status(), "ParseTail: unexpected code");
  auto wait = ParseWait(req.Query("wait"), std::chrono::seconds(300));
  if (!wait.ok()) {
    CheckError(wait.status(), "ParseWait: unexpected code");
  } else if (wait->has_value()) {
    Check(**wait <= std::chrono::seconds(300), "wait over the maximum");
  }
  return 0;
}
