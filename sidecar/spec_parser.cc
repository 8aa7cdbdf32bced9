#include "sidecar/spec_parser.h"

#include <array>
#include <limits>
#include <map>
#include <set>

#include "sidecar/field_error.h"
#include "sidecar/quantity.h"
#include "sidecar/spec_tree.h"

namespace herd::sidecar {
namespace {

using Kind = SpecNode::Kind;

// Metadata fields that `kubectl get -o yaml` and `herd get -o yaml` print: accepted, ignored.
constexpr std::array<std::string_view, 11> kIgnoredMetadata = {
    "namespace",         "uid",
    "resourceVersion",   "creationTimestamp",
    "annotations",       "managedFields",
    "finalizers",        "ownerReferences",
    "deletionTimestamp", "deletionGracePeriodSeconds",
    "selfLink"};

bool IsIgnoredMetadata(std::string_view key) {
  for (std::string_view k : kIgnoredMetadata) {
    if (k == key) return true;
  }
  return false;
}

// Parses [-+]?[0-9]+ into an int64. False when the text is not that, or overflows (*overflow).
bool ParseInteger(std::string_view s, int64_t* out, bool* overflow) {
  *overflow = false;
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  // Accumulate negatively so that INT64_MIN parses.
  int64_t v = 0;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    int digit = s[i] - '0';
    if (v < (kMin + digit) / 10) *overflow = true;
    if (!*overflow) v = v * 10 - digit;
  }
  if (*overflow) return false;
  if (!negative) {
    if (v == kMin) {
      *overflow = true;
      return false;
    }
    v = -v;
  }
  *out = v;
  return true;
}

// Reads one Workload object from the tree, collecting every error it finds.
class WorkloadReader {
 public:
  explicit WorkloadReader(std::vector<Status>* errors) : errors_(errors) {}

  // False when `node` is not a map at all (and so holds no fields to validate).
  bool Read(const SpecNode& node, WorkloadDocument* doc) {
    if (node.kind != Kind::kMap) {
      Error(InvalidArgument("expected a Workload object (a map), got " + DescribeNode(node)));
      return false;
    }
    bool has_metadata = false;
    bool has_spec = false;
    ForFields(node, "", [&](std::string_view key, const SpecNode& value) {
      if (key == "apiVersion") {
        Constant(value, "apiVersion", kApiVersion);
      } else if (key == "kind") {
        Constant(value, "kind", kWorkloadKind);
      } else if (key == "metadata") {
        has_metadata = value.kind != Kind::kNull;
        ReadMetadata(value, doc);
      } else if (key == "spec") {
        has_spec = value.kind != Kind::kNull;
        ReadSpec(value, &doc->spec);
      } else if (key != "status") {  // status is the server's; ignored on input
        return false;
      }
      return true;
    });
    if (!has_metadata) Error(FieldRequired("metadata.name"));
    if (!has_spec) Error(FieldRequired("spec"));
    return true;
  }

 private:
  void Error(Status s) { errors_->push_back(std::move(s)); }

  // Calls on_field(key, value) for each entry of a map at `path`; on_field returns false for a
  // key it does not know. Reports unknown and repeated keys. A null node is an empty map.
  template <typename F>
  void ForFields(const SpecNode& node, std::string_view path, F&& on_field) {
    if (node.kind == Kind::kNull) return;
    if (node.kind != Kind::kMap) {
      Error(FieldWrongType(std::string(path), "map", DescribeNode(node)));
      return;
    }
    std::set<std::string_view> seen;
    for (size_t i = 0; i + 1 < node.children.size(); i += 2) {
      std::string_view key = node.children[i]->value;
      if (!seen.insert(key).second) {
        Error(FieldDuplicateKey(path, key));
      } else if (!on_field(key, *node.children[i + 1])) {
        Error(FieldUnknown(path, key));
      }
    }
  }

  // A string field. Any scalar is taken as its text (a plain `yes` stays "yes"); null leaves
  // the default. False on a map or list.
  bool String(const SpecNode& node, std::string_view path, std::string* out) {
    if (node.kind == Kind::kNull) return true;
    if (node.kind != Kind::kScalar) {
      Error(FieldWrongType(std::string(path), "string", DescribeNode(node)));
      return false;
    }
    *out = node.value;
    return true;
  }

  // An integer field: a plain [-+]?[0-9]+ scalar; null leaves the default. Values beyond
  // [lo, hi] that do not fit `T` are reported here; the rest by Validate. True when *out was
  // set.
  template <typename T>
  bool Integer(const SpecNode& node, std::string_view path, int64_t lo, int64_t hi, T* out) {
    if (node.kind == Kind::kNull) return false;
    int64_t v = 0;
    bool overflow = false;
    if (node.kind != Kind::kScalar || node.quoted || !ParseInteger(node.value, &v, &overflow)) {
      if (overflow) {
        OutOfRange(node, path, lo, hi);
      } else {
        Error(FieldWrongType(std::string(path), "integer", DescribeNode(node)));
      }
      return false;
    }
    if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
      OutOfRange(node, path, lo, hi);
      return false;
    }
    *out = static_cast<T>(v);
    return true;
  }

  void OutOfRange(const SpecNode& node, std::string_view path, int64_t lo, int64_t hi) {
    std::string detail = hi == std::numeric_limits<int64_t>::max()
                             ? "must be greater than or equal to " + std::to_string(lo)
                             : "must be between " + std::to_string(lo) + " and " +
                                   std::to_string(hi) + ", inclusive";
    Error(FieldInvalid(std::string(path), node.value.substr(0, 64), detail));
  }

  // apiVersion and kind: optional, but when given exactly `expected`.
  void Constant(const SpecNode& node, std::string_view path, std::string_view expected) {
    std::string v;
    if (String(node, path, &v) && !v.empty() && v != expected) {
      Error(FieldUnsupported(std::string(path), v, {expected}));
    }
  }

  void ReadMetadata(const SpecNode& node, WorkloadDocument* doc) {
    ForFields(node, "metadata", [&](std::string_view key, const SpecNode& value) {
      if (key == "name") {
        String(value, "metadata.name", &doc->spec.name);
      } else if (key == "labels") {
        ReadLabels(value, &doc->spec.labels);
      } else if (key == "generation") {
        int64_t generation = 0;
        if (Integer(value, "metadata.generation", 0, std::numeric_limits<int64_t>::max(),
                    &generation)) {
          if (generation < 0) {
            Error(FieldInvalid("metadata.generation", generation,
                               "must be greater than or equal to 0"));
          } else {
            doc->generation = generation;
          }
        }
      } else if (!IsIgnoredMetadata(key)) {
        return false;
      }
      return true;
    });
  }

  void ReadLabels(const SpecNode& node, std::map<std::string, std::string>* labels) {
    if (node.kind == Kind::kNull) return;
    if (node.kind != Kind::kMap) {
      Error(FieldWrongType("metadata.labels", "map", DescribeNode(node)));
      return;
    }
    for (size_t i = 0; i + 1 < node.children.size(); i += 2) {
      const std::string& key = node.children[i]->value;
      std::string value;
      if (!String(*node.children[i + 1], FieldPath("metadata.labels", key.substr(0, 64)), &value)) {
        continue;
      }
      if (!labels->emplace(key, std::move(value)).second) {
        Error(FieldDuplicate("metadata.labels", key));
      }
    }
  }

  void ReadSpec(const SpecNode& node, WorkloadSpec* spec) {
    ForFields(node, "spec", [&](std::string_view key, const SpecNode& value) {
      if (key == "runtime") {
        std::string v;
        if (!String(value, "spec.runtime", &v) || value.kind == Kind::kNull) return true;
        if (v == "process") {
          spec->runtime = Runtime::kProcess;
        } else if (v == "container") {
          spec->runtime = Runtime::kContainer;
        } else {
          Error(FieldUnsupported("spec.runtime", v, {"process", "container"}));
        }
      } else if (key == "command") {
        ReadStrings(value, "spec.command", &spec->command);
      } else if (key == "env") {
        ReadEnv(value, &spec->env);
      } else if (key == "workingDir") {
        String(value, "spec.workingDir", &spec->working_dir);
      } else if (key == "image") {
        String(value, "spec.image", &spec->image);
      } else if (key == "restart") {
        ReadRestart(value, &spec->restart);
      } else if (key == "shutdownTimeoutSeconds") {
        Integer(value, "spec.shutdownTimeoutSeconds", 0, WorkloadSpec::kMaxShutdownTimeoutSeconds,
                &spec->shutdown_timeout_seconds);
      } else if (key == "maxRestarts") {
        Integer(value, "spec.maxRestarts", 0, WorkloadSpec::kMaxMaxRestarts, &spec->max_restarts);
      } else if (key == "maxSeconds") {
        Integer(value, "spec.maxSeconds", WorkloadSpec::kMinMaxSeconds,
                WorkloadSpec::kMaxMaxSeconds, &spec->max_seconds);
      } else if (key == "resources") {
        ReadResources(value, &spec->resources);
      } else {
        return false;
      }
      return true;
    });
  }

  void ReadRestart(const SpecNode& node, RestartPolicy* out) {
    std::string v;
    if (!String(node, "spec.restart", &v) || node.kind == Kind::kNull) return;
    if (v == "permanent") {
      *out = RestartPolicy::kPermanent;
    } else if (v == "transient") {
      *out = RestartPolicy::kTransient;
    } else if (v == "temporary") {
      *out = RestartPolicy::kTemporary;
    } else {
      Error(FieldUnsupported("spec.restart", v, {"permanent", "transient", "temporary"}));
    }
  }

  void ReadStrings(const SpecNode& node, std::string_view path, std::vector<std::string>* out) {
    if (node.kind == Kind::kNull) return;
    if (node.kind != Kind::kSequence) {
      Error(FieldWrongType(std::string(path), "list", DescribeNode(node)));
      return;
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      const SpecNode& item = *node.children[i];
      std::string path_i = FieldIndex(path, i);
      // A bad item still takes its place, so later indexes stay right.
      std::string s;
      if (item.kind == Kind::kNull) {
        Error(FieldWrongType(path_i, "string", "null"));
      } else {
        String(item, path_i, &s);
      }
      out->push_back(std::move(s));
    }
  }

  void ReadEnv(const SpecNode& node, std::vector<EnvVar>* env) {
    if (node.kind == Kind::kNull) return;
    if (node.kind != Kind::kSequence) {
      Error(FieldWrongType("spec.env", "list", DescribeNode(node)));
      return;
    }
    for (size_t i = 0; i < node.children.size(); ++i) {
      const SpecNode& item = *node.children[i];
      std::string path = FieldIndex("spec.env", i);
      EnvVar var;
      if (item.kind != Kind::kMap) {
        Error(FieldWrongType(path, "map", DescribeNode(item)));
        env->push_back(std::move(var));  // keeps later indexes right
        continue;
      }
      ForFields(item, path, [&](std::string_view key, const SpecNode& value) {
        if (key == "name") {
          String(value, path + ".name", &var.name);
        } else if (key == "value") {
          String(value, path + ".value", &var.value);
        } else {
          return false;
        }
        return true;
      });
      env->push_back(std::move(var));
    }
  }

  void ReadResources(const SpecNode& node, Resources* out) {
    ForFields(node, "spec.resources", [&](std::string_view key, const SpecNode& value) {
      if (key == "memory") {
        std::string text;
        if (!String(value, "spec.resources.memory", &text) || value.kind == Kind::kNull) {
          return true;
        }
        Result<int64_t> bytes = ParseQuantity(text);
        if (bytes.ok()) {
          out->memory_bytes = *bytes;
        } else {
          Error(FieldInvalid("spec.resources.memory", QuoteValue(text), bytes.status().message()));
        }
      } else if (key == "pids") {
        Integer(value, "spec.resources.pids", 0, WorkloadSpec::kMaxPids, &out->pids);
      } else {
        return false;
      }
      return true;
    });
  }

  std::vector<Status>* errors_;
};

// The workload objects of one input, with the errors of each, in input order.
struct Collected {
  struct Item {
    WorkloadDocument doc;
    std::vector<Status> errors;
  };
  std::vector<Item> items;
  std::vector<Status> list_errors;  // about a list object itself, not one of its items
};

// True when `field` is `parent` or lies below it ("spec.env[0].name" within "spec.env[0]").
bool IsWithin(std::string_view field, std::string_view parent) {
  if (!field.starts_with(parent)) return false;
  return field.size() == parent.size() || field[parent.size()] == '.' ||
         field[parent.size()] == '[';
}

Status ReadItem(const SpecNode& node, Collected* out) {
  if (out->items.size() >= kMaxDocuments) {
    return Status(StatusCode::kResourceExhausted,
                  "more than " + std::to_string(kMaxDocuments) + " workloads in one request");
  }
  Collected::Item& item = out->items.emplace_back();
  if (!WorkloadReader(&item.errors).Read(node, &item.doc)) return Status::Ok();
  // Validation sees defaults where the reader found errors; drop what those explain (a
  // command of the wrong type is not also a missing command).
  const size_t read_errors = item.errors.size();
  for (Status& s : ValidateAll(item.doc.spec)) {
    bool explained = false;
    for (size_t i = 0; i < read_errors && !explained; ++i) {
      explained = IsWithin(s.field(), item.errors[i].field());
    }
    if (!explained) item.errors.push_back(std::move(s));
  }
  return Status::Ok();
}

Status ReadDocument(const SpecNode& node, Collected* out) {
  if (node.kind == Kind::kNull) return Status::Ok();  // an empty document
  if (node.kind == Kind::kSequence) {
    for (const SpecNode* item : node.children) RETURN_IF_ERROR(ReadItem(*item, out));
    return Status::Ok();
  }
  if (!IsWorkloadListNode(node)) return ReadItem(node, out);
  std::set<std::string_view> seen;
  for (size_t i = 0; i + 1 < node.children.size(); i += 2) {
    std::string_view key = node.children[i]->value;
    const SpecNode& value = *node.children[i + 1];
    if (!seen.insert(key).second) {
      out->list_errors.push_back(FieldDuplicateKey("", key));
    } else if (key == "items") {
      if (value.kind == Kind::kSequence) {
        for (const SpecNode* item : value.children) RETURN_IF_ERROR(ReadItem(*item, out));
      } else if (value.kind != Kind::kNull) {
        out->list_errors.push_back(FieldWrongType("items", "list", DescribeNode(value)));
      }
    } else if (key != "apiVersion" && key != "kind" && key != "metadata") {
      out->list_errors.push_back(FieldUnknown("", key));
    }
  }
  return Status::Ok();
}

// Names must be unique within one request: the later duplicates are errors.
void CheckUniqueNames(Collected* c) {
  std::set<std::string_view> names;
  for (Collected::Item& item : c->items) {
    if (!item.errors.empty()) continue;
    if (!names.insert(item.doc.spec.name).second) {
      item.errors.push_back(FieldDuplicate("metadata.name", item.doc.spec.name));
    }
  }
}

std::string DocumentLabel(size_t index, const WorkloadSpec& spec) {
  std::string label = "document " + std::to_string(index + 1);
  if (IsDns1123Label(spec.name)) {
    label += " (" + spec.name + ")";
  } else if (!spec.name.empty()) {
    label += " (" + QuoteValue(spec.name) + ")";
  }
  return label;
}

// One kInvalidArgument listing every error, or OK. `numbered` prefixes each workload's errors
// with its document label.
Status Summarize(const Collected& c, bool numbered) {
  std::string message;
  std::string first_field;
  size_t total = 0;
  auto add = [&](const std::string& label, const Status& s) {
    if (total == 0) first_field = s.field();
    if (total++ >= kMaxListedErrors) return;
    if (!message.empty()) message += "; ";
    if (!label.empty()) message += label + ": ";
    message += s.message();
  };
  for (const Status& s : c.list_errors) add(numbered ? "list" : "", s);
  for (size_t i = 0; i < c.items.size(); ++i) {
    std::string label = numbered ? DocumentLabel(i, c.items[i].doc.spec) : "";
    for (const Status& s : c.items[i].errors) add(label, s);
  }
  if (total == 0) return Status::Ok();
  if (total > kMaxListedErrors) {
    message += "; and " + std::to_string(total - kMaxListedErrors) + " more errors";
  }
  return InvalidArgument(std::move(message), std::move(first_field));
}

SpecTreeLimits Limits() { return SpecTreeLimits{kMaxSpecNodes, kMaxSpecDepth}; }

}  // namespace

bool IsWorkloadListNode(const SpecNode& node) {
  if (node.kind != SpecNode::Kind::kMap) return false;
  for (size_t i = 0; i + 1 < node.children.size(); i += 2) {
    const SpecNode& value = *node.children[i + 1];
    if (node.children[i]->value == "kind" && value.kind == SpecNode::Kind::kScalar) {
      return value.value == kWorkloadListKind || value.value == "List";
    }
  }
  return false;
}

Result<std::vector<WorkloadDocument>> ParseWorkloadDocuments(std::string_view text) {
  if (text.size() > kMaxSpecInputBytes) {
    return Status(StatusCode::kResourceExhausted, "input of " + std::to_string(text.size()) +
                                                      " bytes is larger than " +
                                                      std::to_string(kMaxSpecInputBytes));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<SpecTree> tree, ParseSpecTree(text, Limits()));
  Collected collected;
  for (const SpecNode* doc : tree->documents()) RETURN_IF_ERROR(ReadDocument(*doc, &collected));
  if (collected.items.empty() && collected.list_errors.empty()) {
    return InvalidArgument("no workload documents in the input");
  }
  CheckUniqueNames(&collected);
  RETURN_IF_ERROR(Summarize(collected, /*numbered=*/true));
  std::vector<WorkloadDocument> out;
  out.reserve(collected.items.size());
  for (Collected::Item& item : collected.items) out.push_back(std::move(item.doc));
  return out;
}

Result<WorkloadDocument> ParseWorkloadObject(const nlohmann::json& object) {
  ASSIGN_OR_RETURN(std::unique_ptr<SpecTree> tree, JsonValueTree(object, Limits()));
  Collected collected;
  RETURN_IF_ERROR(ReadItem(*tree->documents().front(), &collected));
  RETURN_IF_ERROR(Summarize(collected, /*numbered=*/false));
  return std::move(collected.items.front().doc);
}

}  // namespace herd::sidecar
