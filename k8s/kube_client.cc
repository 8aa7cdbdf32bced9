#include "k8s/kube_client.h"

#include <utility>

namespace herd::k8s {

void Cancellation::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_.exchange(true)) return;
  // Run under the lock so that Remove() returning means the callback is not running.
  for (auto& [id, fn] : callbacks_) fn();
  callbacks_.clear();
}

Cancellation::CallbackId Cancellation::OnCancel(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(mu_);
  if (cancelled_.load()) {
    lock.unlock();
    fn();
    return 0;
  }
  CallbackId id = next_id_++;
  callbacks_.emplace(id, std::move(fn));
  return id;
}

void Cancellation::Remove(CallbackId id) {
  std::lock_guard<std::mutex> lock(mu_);
  callbacks_.erase(id);
}

std::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "UNKNOWN";
}

bool IsGone(const Status& status) {
  // Context may be prepended ("WATCH /path: Gone: ..."), so look for the tag anywhere.
  return status.code() == StatusCode::kAborted &&
         status.message().find("Gone: ") != std::string::npos;
}

namespace {

// The message of a Kubernetes Status object, or the body itself (cut short) when it is not one.
std::string MessageOf(std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return j["message"].get<std::string>();
  }
  constexpr size_t kMax = 200;
  std::string s(body.substr(0, kMax));
  if (body.size() > kMax) s += "...";
  return s;
}

}  // namespace

Status KubeStatusFromHttp(int http_status, std::string_view body, std::string_view what) {
  std::string detail = std::string(what) + ": HTTP " + std::to_string(http_status);
  std::string message = MessageOf(body);
  if (!message.empty()) detail += ": " + message;
  switch (http_status) {
    case 400:
    case 422:
      return InvalidArgument(detail);
    case 401:
      return Unauthenticated(detail);
    case 403:
      return PermissionDenied(detail);
    case 404:
      return NotFound(detail);
    case 409:
      return FailedPrecondition("Conflict: " + detail);
    case 410:
      return Aborted("Gone: " + detail);
    case 429:
      return ResourceExhausted(detail);
    default:
      break;
  }
  if (http_status >= 500) return Unavailable(detail);
  return Status(StatusCode::kUnknown, detail);
}

Result<WatchEvent> ParseWatchLine(std::string_view line) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLoss("watch event is not a JSON object");
  }
  auto type_it = j.find("type");
  auto object_it = j.find("object");
  if (type_it == j.end() || !type_it->is_string()) {
    return DataLoss("watch event has no string \"type\"");
  }
  if (object_it == j.end() || !object_it->is_object()) {
    return DataLoss("watch event has no object \"object\"");
  }
  const std::string& type = type_it->get_ref<const std::string&>();
  WatchEvent event;
  if (type == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    const nlohmann::json& status = *object_it;
    int code = 500;
    if (status.contains("code") && status["code"].is_number_integer()) {
      code = status["code"].get<int>();
    }
    if (code < 300) code = 500;
    return KubeStatusFromHttp(code, status.dump(), "watch ERROR event");
  } else {
    return DataLoss("watch event has unknown type \"" + type.substr(0, 40) + "\"");
  }
  event.object = std::move(*object_it);
  return event;
}

std::string ObjectKey(const nlohmann::json& object) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto name = meta->find("name");
  if (name == meta->end() || !name->is_string()) return "";
  auto ns = meta->find("namespace");
  if (ns != meta->end() && ns->is_string() && !ns->get_ref<const std::string&>().empty()) {
    return ns->get<std::string>() + "/" + name->get<std::string>();
  }
  return name->get<std::string>();
}

std::string ResourceVersionOf(const nlohmann::json& object) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto rv = meta->find("resourceVersion");
  if (rv == meta->end() || !rv->is_string()) return "";
  return rv->get<std::string>();
}

}  // namespace herd::k8s
