#include "tests/testing/fake_kube_store.h"

#include <algorithm>

namespace herd::testing {
namespace {

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.emplace_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

json& Meta(json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  return object["metadata"];
}

std::string StringAt(const json& object, const char* a, const char* b) {
  if (!object.is_object() || !object.contains(a) || !object[a].is_object()) return "";
  const json& inner = object[a];
  if (!inner.contains(b) || !inner[b].is_string()) return "";
  return inner[b].get<std::string>();
}

bool HasFinalizers(const json& object) {
  const json& meta = object["metadata"];
  return meta.contains("finalizers") && meta["finalizers"].is_array() &&
         !meta["finalizers"].empty();
}

std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool Unhex(std::string_view s, std::string* out) {
  if (s.size() % 2) return false;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = val(s[i]), lo = val(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

}  // namespace

Result<KubeRef> ParseKubePath(std::string_view path) {
  std::vector<std::string> seg = Split(path, '/');
  // seg[0] is "" (leading slash).
  if (seg.size() < 2 || !seg[0].empty()) return NotFound("not an API path: " + std::string(path));
  size_t i;
  KubeRef ref;
  if (seg[1] == "api" && seg.size() >= 3) {
    ref.resource = seg[2];
    i = 3;
  } else if (seg[1] == "apis" && seg.size() >= 4) {
    ref.resource = seg[2] + "/" + seg[3];
    i = 4;
  } else {
    return NotFound("not an API path: " + std::string(path));
  }
  if (i + 1 < seg.size() && seg[i] == "namespaces") {
    ref.ns = seg[i + 1];
    i += 2;
  }
  if (i >= seg.size() || seg[i].empty()) return NotFound("no resource in " + std::string(path));
  ref.resource += "/" + seg[i++];
  if (i < seg.size()) ref.name = seg[i++];
  if (i < seg.size() && seg[i] == "status" && !ref.name.empty()) {
    ref.status = true;
    ++i;
  }
  if (i != seg.size() || (!ref.name.empty() && ref.ns.empty())) {
    return NotFound("unsupported API path " + std::string(path));
  }
  return ref;
}

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector sel;
  if (text.empty()) return sel;
  for (const std::string& term : Split(text, ',')) {
    size_t ne = term.find("!=");
    size_t eq = term.find('=');
    if (ne != std::string::npos) {
      sel.terms_.emplace_back(term.substr(0, ne), term.substr(ne + 2), false);
    } else if (eq != std::string::npos) {
      size_t value_at = term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
      sel.terms_.emplace_back(term.substr(0, eq), term.substr(value_at), true);
    } else {
      return InvalidArgument("unsupported label selector term \"" + term + "\"", "labelSelector");
    }
    if (std::get<0>(sel.terms_.back()).empty()) {
      return InvalidArgument("empty key in label selector term \"" + term + "\"", "labelSelector");
    }
  }
  return sel;
}

bool LabelSelector::Matches(const json& object) const {
  for (const auto& [key, value, equal] : terms_) {
    std::string actual;
    bool present = false;
    if (object.contains("metadata") && object["metadata"].contains("labels")) {
      const json& labels = object["metadata"]["labels"];
      if (labels.is_object() && labels.contains(key) && labels[key].is_string()) {
        present = true;
        actual = labels[key].get<std::string>();
      }
    }
    if (equal && (!present || actual != value)) return false;
    if (!equal && present && actual == value) return false;
  }
  return true;
}

bool FakeKubeStore::HasStatus(const std::string& resource) const {
  return resource.size() < 15 || resource.compare(resource.size() - 15, 15, "/endpointslices");
}

void FakeKubeStore::Record(KubeHistoryEvent e) {
  history_.push_back(std::move(e));
  while (history_.size() > history_limit_) {
    compacted_ = history_.front().rv;
    history_.pop_front();
  }
  changed_.notify_all();
}

Result<json> FakeKubeStore::Create(const KubeRef& collection, json object) {
  if (!object.is_object()) return InvalidArgument("body must be a JSON object");
  std::string name = StringAt(object, "metadata", "name");
  if (name.empty()) return InvalidArgument("metadata.name is required", "metadata.name");
  if (collection.ns.empty()) return NotFound("create needs a namespaced path");
  std::lock_guard<std::mutex> lock(mu_);
  if (objects_[collection.resource].count(Key(collection.ns, name))) {
    return AlreadyExists(collection.resource + " \"" + name + "\" already exists");
  }
  if (HasStatus(collection.resource)) object.erase("status");
  KubeRef ref = collection;
  ref.name = name;
  return WriteLocked(ref, std::move(object), nullptr, /*create=*/true);
}

Result<json> FakeKubeStore::WriteLocked(const KubeRef& ref, json next, const json* previous,
                                        bool create) {
  json& meta = Meta(next);
  meta["name"] = ref.name;
  meta["namespace"] = ref.ns;
  meta["resourceVersion"] = std::to_string(++rv_);
  if (create) {
    meta["uid"] = "uid-" + std::to_string(++uid_);
    meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
    if (!meta.contains("generation")) meta["generation"] = 1;
  }
  KubeHistoryEvent e{rv_,
                     ref.resource,
                     ref.ns,
                     ref.name,
                     create ? "ADDED" : "MODIFIED",
                     next,
                     previous ? *previous : json()};
  std::string key = Key(ref.ns, ref.name);
  if (!create && meta.contains("deletionTimestamp") && !HasFinalizers(next)) {
    e.type = "DELETED";
    objects_[ref.resource].erase(key);
  } else {
    objects_[ref.resource][key] = next;
  }
  Record(std::move(e));
  return next;
}

Result<json> FakeKubeStore::Get(const KubeRef& ref) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto r = objects_.find(ref.resource);
  if (r == objects_.end()) return NotFound(ref.resource + " \"" + ref.name + "\" not found");
  auto it = r->second.find(Key(ref.ns, ref.name));
  if (it == r->second.end()) return NotFound(ref.resource + " \"" + ref.name + "\" not found");
  return it->second;
}

Result<json> FakeKubeStore::UpdateLocked(const KubeRef& ref, json next) {
  if (!next.is_object()) return InvalidArgument("body must be a JSON object");
  auto& objects = objects_[ref.resource];
  auto it = objects.find(Key(ref.ns, ref.name));
  if (it == objects.end()) return NotFound(ref.resource + " \"" + ref.name + "\" not found");
  const json stored = it->second;
  std::string want = StringAt(next, "metadata", "resourceVersion");
  if (!want.empty() && want != stored["metadata"]["resourceVersion"].get<std::string>()) {
    return FailedPrecondition("Conflict: the object has been modified; resourceVersion " + want +
                              " is stale");
  }
  json final_object;
  if (ref.status) {
    final_object = stored;
    if (next.contains("status") && !next["status"].is_null()) {
      final_object["status"] = next["status"];
    } else {
      final_object.erase("status");
    }
  } else {
    final_object = std::move(next);
    if (HasStatus(ref.resource)) {
      if (stored.contains("status")) {
        final_object["status"] = stored["status"];
      } else {
        final_object.erase("status");
      }
    }
    json& meta = Meta(final_object);
    for (const char* k : {"uid", "creationTimestamp", "deletionTimestamp", "generation"}) {
      if (stored["metadata"].contains(k)) {
        meta[k] = stored["metadata"][k];
      } else {
        meta.erase(k);
      }
    }
    json old_spec = stored.contains("spec") ? stored["spec"] : json();
    json new_spec = final_object.contains("spec") ? final_object["spec"] : json();
    if (old_spec != new_spec && meta.contains("generation")) {
      meta["generation"] = meta["generation"].get<int64_t>() + 1;
    }
  }
  // A no-op write does not move the version (as the API server).
  Meta(final_object)["resourceVersion"] = stored["metadata"]["resourceVersion"];
  if (final_object == stored) return stored;
  return WriteLocked(ref, std::move(final_object), &stored, /*create=*/false);
}

Result<json> FakeKubeStore::Update(const KubeRef& ref, json object) {
  std::lock_guard<std::mutex> lock(mu_);
  return UpdateLocked(ref, std::move(object));
}

Result<json> FakeKubeStore::Patch(const KubeRef& ref, const json& merge_patch) {
  if (!merge_patch.is_object()) return InvalidArgument("merge patch must be a JSON object");
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[ref.resource];
  auto it = objects.find(Key(ref.ns, ref.name));
  if (it == objects.end()) return NotFound(ref.resource + " \"" + ref.name + "\" not found");
  json merged = it->second;
  merged.merge_patch(merge_patch);
  // The patch's resourceVersion (if any) is the precondition; otherwise the stored one stays.
  return UpdateLocked(ref, std::move(merged));
}

Result<json> FakeKubeStore::Delete(const KubeRef& ref) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[ref.resource];
  auto it = objects.find(Key(ref.ns, ref.name));
  if (it == objects.end()) return NotFound(ref.resource + " \"" + ref.name + "\" not found");
  json stored = it->second;
  if (HasFinalizers(stored)) {
    if (stored["metadata"].contains("deletionTimestamp")) return stored;
    json next = stored;
    next["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:01Z";
    return WriteLocked(ref, std::move(next), &stored, /*create=*/false);
  }
  objects.erase(it);
  json gone = stored;
  gone["metadata"]["resourceVersion"] = std::to_string(++rv_);
  Record({rv_, ref.resource, ref.ns, ref.name, "DELETED", gone, stored});
  return gone;
}

Result<json> FakeKubeStore::Apply(std::string_view object_path, json object) {
  ASSIGN_OR_RETURN(KubeRef ref, ParseKubePath(object_path));
  if (ref.name.empty() || ref.status) return InvalidArgument("Apply needs an object path");
  if (!object.is_object()) return InvalidArgument("object must be a JSON object");
  Meta(object)["name"] = ref.name;
  std::lock_guard<std::mutex> lock(mu_);
  auto& objects = objects_[ref.resource];
  auto it = objects.find(Key(ref.ns, ref.name));
  if (it == objects.end()) return WriteLocked(ref, std::move(object), nullptr, true);
  json stored = it->second;
  json& meta = Meta(object);
  for (const char* k : {"uid", "creationTimestamp", "generation"}) {
    if (stored["metadata"].contains(k) && !meta.contains(k)) meta[k] = stored["metadata"][k];
  }
  return WriteLocked(ref, std::move(object), &stored, false);
}

Status FakeKubeStore::Remove(std::string_view object_path) {
  ASSIGN_OR_RETURN(KubeRef ref, ParseKubePath(object_path));
  Result<json> r = Delete(ref);
  return r.ok() ? Status::Ok() : r.status();
}

FakeKubeStore::Objects FakeKubeStore::SnapshotLocked(const std::string& resource,
                                                     int64_t rv) const {
  Objects out;
  auto r = objects_.find(resource);
  if (r != objects_.end()) out = r->second;
  for (auto e = history_.rbegin(); e != history_.rend() && e->rv > rv; ++e) {
    if (e->resource != resource) continue;
    std::string key = Key(e->ns, e->name);
    if (e->type == "ADDED") {
      out.erase(key);
    } else {
      out[key] = e->previous;
    }
  }
  return out;
}

Result<KubeListPage> FakeKubeStore::List(const KubeRef& collection, const LabelSelector& selector,
                                         int64_t limit, const std::string& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  KubeListPage page;
  std::string after;
  // The objects of the list's snapshot: the live map when nothing of this resource changed
  // since, else a copy rebuilt from the history (a real server serves pages from its cache;
  // copying 10,000 objects per page would make the fake the bottleneck of a relist).
  static const Objects kNone;
  const Objects* source = &kNone;
  Objects snapshot;
  if (auto r = objects_.find(collection.resource); r != objects_.end()) source = &r->second;
  if (!token.empty()) {
    size_t dot = token.find('.');
    int64_t rv = 0;
    try {
      rv = std::stoll(token.substr(0, dot));
    } catch (const std::exception&) {
      return InvalidArgument("malformed continue token", "continue");
    }
    if (dot == std::string::npos || !Unhex(token.substr(dot + 1), &after)) {
      return InvalidArgument("malformed continue token", "continue");
    }
    if (rv < compacted_) {
      return Aborted("Expired: the continue token is too old; list again");
    }
    page.rv = rv;
    const bool changed = std::any_of(history_.rbegin(), history_.rend(), [&](const auto& e) {
      return e.rv > rv && e.resource == collection.resource;
    });
    if (changed) {
      snapshot = SnapshotLocked(collection.resource, rv);
      source = &snapshot;
    }
  } else {
    page.rv = rv_;
  }
  std::string last_key;
  auto it = after.empty() ? source->begin() : source->upper_bound(after);
  for (; it != source->end(); ++it) {
    if (!collection.ns.empty() &&
        it->first.compare(0, collection.ns.size() + 1, collection.ns + "/") != 0) {
      continue;
    }
    if (!selector.Matches(it->second)) continue;
    if (limit > 0 && static_cast<int64_t>(page.items.size()) == limit) {
      // More remain: the token resumes after the last key returned, in this snapshot.
      page.continue_token = std::to_string(page.rv) + "." + Hex(last_key);
      break;
    }
    page.items.push_back(it->second);
    last_key = it->first;
  }
  return page;
}

int64_t FakeKubeStore::resource_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return rv_;
}

int64_t FakeKubeStore::compacted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return compacted_;
}

void FakeKubeStore::Compact() {
  std::lock_guard<std::mutex> lock(mu_);
  history_.clear();
  compacted_ = rv_;
  changed_.notify_all();
}

Result<std::vector<KubeHistoryEvent>> FakeKubeStore::EventsAfter(int64_t after) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (after < compacted_) {
    return Aborted("Expired: too old resource version: " + std::to_string(after) + " (" +
                   std::to_string(compacted_ + 1) + ")");
  }
  auto it = std::upper_bound(history_.begin(), history_.end(), after,
                             [](int64_t v, const KubeHistoryEvent& e) { return v < e.rv; });
  return std::vector<KubeHistoryEvent>(it, history_.end());
}

int64_t FakeKubeStore::WaitForChange(int64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t notes = notifications_;
  changed_.wait_until(lock, deadline,
                      [&] { return rv_ > seen || notifications_ != notes || compacted_ > seen; });
  return rv_;
}

void FakeKubeStore::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  ++notifications_;
  changed_.notify_all();
}

}  // namespace herd::testing
