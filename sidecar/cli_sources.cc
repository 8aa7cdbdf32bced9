#include "sidecar/cli_sources.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>
#include <utility>

#include "sidecar/field_error.h"
#include "sidecar/posix/cli_system.h"
#include "sidecar/spec_tree.h"

namespace herd::sidecar {
namespace {

using Kind = SpecNode::Kind;

// A plain (unquoted) YAML scalar as the JSON value that reads back the same way: null and
// booleans as such, integers as numbers; everything else stays text, so that "1.10" in an
// env value is not rewritten as 1.1.
nlohmann::json PlainScalar(const std::string& v) {
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
  if (v == "true" || v == "True" || v == "TRUE") return true;
  if (v == "false" || v == "False" || v == "FALSE") return false;
  const size_t digits_from = v[0] == '-' ? 1 : 0;
  const size_t digits = v.size() - digits_from;
  const bool integer = digits > 0 && digits <= 18 && (v[digits_from] != '0' || digits == 1) &&
                       std::all_of(v.begin() + static_cast<std::ptrdiff_t>(digits_from), v.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
  if (integer) return std::stoll(v);
  return v;
}

Result<nlohmann::json> NodeToJson(const SpecNode& node) {
  switch (node.kind) {
    case Kind::kNull:
      return nlohmann::json(nullptr);
    case Kind::kScalar:
      return node.quoted ? nlohmann::json(node.value) : PlainScalar(node.value);
    case Kind::kSequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const SpecNode* child : node.children) {
        ASSIGN_OR_RETURN(nlohmann::json item, NodeToJson(*child));
        out.push_back(std::move(item));
      }
      return out;
    }
    case Kind::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (size_t i = 0; i + 1 < node.children.size(); i += 2) {
        const std::string& key = node.children[i]->value;
        if (out.contains(key)) return FieldDuplicateKey("", key);
        ASSIGN_OR_RETURN(out[key], NodeToJson(*node.children[i + 1]));
      }
      return out;
    }
  }
  return nlohmann::json(nullptr);
}

// Adds `offset` to every "document N" that starts a segment of a parser message.
std::string Renumber(std::string_view message, size_t offset) {
  static constexpr std::string_view kWord = "document ";
  std::string out;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t next = message.find("; ", pos);
    std::string_view segment =
        message.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    size_t digits = 0;
    if (segment.starts_with(kWord)) {
      while (kWord.size() + digits < segment.size() &&
             std::isdigit(static_cast<unsigned char>(segment[kWord.size() + digits]))) {
        ++digits;
      }
    }
    if (digits > 0 && digits < 19) {
      const size_t n = std::stoull(std::string(segment.substr(kWord.size(), digits)));
      out += std::string(kWord) + std::to_string(n + offset);
      out += segment.substr(kWord.size() + digits);
    } else {
      out += segment;
    }
    if (next == std::string_view::npos) break;
    out += "; ";
    pos = next + 2;
  }
  return out;
}

nlohmann::json ItemsBody(const std::vector<nlohmann::json>& items, size_t begin, size_t end) {
  nlohmann::json list = {{"apiVersion", kApiVersion}, {"kind", kWorkloadListKind}};
  list["items"] = nlohmann::json::array();
  for (size_t i = begin; i < end; ++i) list["items"].push_back(items[i]);
  return list;
}

// Validates items [begin, end) in one parse, halving the range when the parser finds it too
// big; appends the documents and one body per accepted range.
Status ValidateRange(const std::vector<nlohmann::json>& items, size_t begin, size_t end,
                     size_t chunk, PreparedSource* out, std::vector<std::string>* errors) {
  if (end - begin > chunk) {
    for (size_t b = begin; b < end; b += chunk) {
      RETURN_IF_ERROR(ValidateRange(items, b, std::min(end, b + chunk), chunk, out, errors));
    }
    return Status::Ok();
  }
  Result<std::vector<WorkloadDocument>> docs =
      ParseWorkloadDocuments(ItemsBody(items, begin, end).dump());
  if (!docs.ok() && docs.status().code() == StatusCode::kResourceExhausted && end - begin > 1) {
    const size_t mid = begin + (end - begin) / 2;
    RETURN_IF_ERROR(ValidateRange(items, begin, mid, chunk, out, errors));
    return ValidateRange(items, mid, end, chunk, out, errors);
  }
  if (!docs.ok() && docs.status().code() != StatusCode::kInvalidArgument) return docs.status();
  if (!docs.ok()) {
    errors->push_back(Renumber(docs.status().message(), begin));
    return Status::Ok();
  }
  nlohmann::json body = {{"apiVersion", kApiVersion}, {"kind", kWorkloadListKind}};
  body["items"] = nlohmann::json::array();
  for (WorkloadDocument& doc : *docs) {
    nlohmann::json object = WorkloadToJson(doc.spec);
    if (doc.generation) object["metadata"]["generation"] = *doc.generation;
    body["items"].push_back(std::move(object));
    out->documents.push_back(std::move(doc));
  }
  out->bodies.push_back(SpecBody{body.dump(), "application/json", end - begin});
  return Status::Ok();
}

std::string ContentTypeOf(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  const bool json = first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
  return json ? "application/json" : "application/yaml";
}

}  // namespace

Result<std::vector<nlohmann::json>> SplitWorkloadItems(std::string_view text) {
  // The input's size bounds the work: aliases may expand, but not beyond a node per byte.
  const SpecTreeLimits limits{std::max(kMaxSpecNodes, text.size()), kMaxSpecDepth};
  ASSIGN_OR_RETURN(std::unique_ptr<SpecTree> tree, ParseSpecTree(text, limits));
  std::vector<nlohmann::json> items;
  auto add = [&items](const SpecNode& node) -> Status {
    Result<nlohmann::json> json = NodeToJson(node);
    if (!json.ok()) {
      return InvalidArgument(
          "document " + std::to_string(items.size() + 1) + ": " + json.status().message(),
          json.status().field());
    }
    items.push_back(std::move(json).value());
    return Status::Ok();
  };
  for (const SpecNode* doc : tree->documents()) {
    if (doc->kind == Kind::kNull) continue;
    if (doc->kind == Kind::kSequence) {
      for (const SpecNode* item : doc->children) RETURN_IF_ERROR(add(*item));
    } else if (IsWorkloadListNode(*doc)) {
      for (size_t i = 0; i + 1 < doc->children.size(); i += 2) {
        if (doc->children[i]->value != "items") continue;
        for (const SpecNode* item : doc->children[i + 1]->children) RETURN_IF_ERROR(add(*item));
      }
    } else {
      RETURN_IF_ERROR(add(*doc));
    }
  }
  return items;
}

Result<PreparedSource> PrepareSpecText(std::string name, std::string text, size_t chunk) {
  PreparedSource out;
  out.name = std::move(name);
  Result<std::vector<WorkloadDocument>> docs = ParseWorkloadDocuments(text);
  if (docs.ok() && docs->size() <= chunk) {
    out.documents = std::move(docs).value();
    out.bodies.push_back(SpecBody{std::move(text), "", out.documents.size()});
    out.bodies.back().content_type = ContentTypeOf(out.bodies.back().text);
    return out;
  }
  if (!docs.ok() && docs.status().code() != StatusCode::kResourceExhausted) return docs.status();

  ASSIGN_OR_RETURN(std::vector<nlohmann::json> items, SplitWorkloadItems(text));
  if (items.empty()) return InvalidArgument("no workload documents in the input");
  std::vector<std::string> errors;
  RETURN_IF_ERROR(ValidateRange(items, 0, items.size(), std::max<size_t>(chunk, 1), &out, &errors));
  if (errors.empty()) {
    // Each chunk checked its own names; a name may still repeat across chunks.
    std::set<std::string> names;
    for (size_t i = 0; i < out.documents.size(); ++i) {
      const std::string& n = out.documents[i].spec.name;
      if (!names.insert(n).second) {
        errors.push_back("document " + std::to_string(i + 1) + " (" + n +
                         "): " + FieldDuplicate("metadata.name", n).message());
      }
    }
  }
  if (!errors.empty()) {
    std::string message;
    for (const std::string& e : errors) message += (message.empty() ? "" : "; ") + e;
    return InvalidArgument(std::move(message));
  }
  return out;
}

LoadedSources LoadSpecSources(const std::vector<std::string>& paths, bool recursive,
                              std::istream& in) {
  LoadedSources out;
  bool stdin_read = false;
  for (const std::string& path : paths) {
    std::vector<SpecFile> files;
    if (path == "-") {
      if (stdin_read) continue;
      stdin_read = true;
      files.push_back(SpecFile{"STDIN", std::string(std::istreambuf_iterator<char>(in), {})});
    } else {
      Result<std::vector<SpecFile>> read = ReadSpecFiles(path, recursive);
      if (!read.ok()) {
        out.errors.push_back(read.status());
        continue;
      }
      files = std::move(read).value();
    }
    for (SpecFile& file : files) {
      Result<PreparedSource> prepared = PrepareSpecText(file.path, std::move(file.text));
      if (prepared.ok()) {
        out.sources.push_back(std::move(prepared).value());
      } else {
        out.errors.push_back(prepared.status().WithContext(file.path));
      }
    }
  }
  return out;
}

}  // namespace herd::sidecar
