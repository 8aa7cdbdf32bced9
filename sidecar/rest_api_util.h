// Small helpers shared by rest_api.cc and rest_api_workloads.cc. Internal to the REST layer.
// Pure functions; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "sidecar/field_error.h"
#include "sidecar/http.h"

namespace herd::sidecar::rest {

// A JSON response. Strings that are not valid UTF-8 (a child's message, say) are replaced
// rather than thrown on.
inline HttpResponse Json(int status, const nlohmann::json& body) {
  return JsonResponse(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The error response for `status`; a kNotFound about a workload reads `workload "x" not found`
// whatever the Supervisor's wording.
inline HttpResponse Error(const Status& status, const std::string& workload = {}) {
  if (status.code() == StatusCode::kNotFound && !workload.empty()) {
    return ErrorResponse(404, "NotFound", "workload " + QuoteValue(workload) + " not found");
  }
  return StatusToErrorResponse(status);
}

inline HttpResponse Text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = "text/plain; charset=utf-8";
  return r;
}

}  // namespace herd::sidecar::rest
