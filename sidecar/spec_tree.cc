#include "sidecar/spec_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <streambuf>

#include "sidecar/field_error.h"

namespace herd::sidecar {
namespace {

using Kind = SpecNode::Kind;

// Builds a SpecTree from parser events, checking the limits at every event. A false return
// means stop: error() says why.
class TreeBuilder {
 public:
  TreeBuilder(SpecTree* tree, const SpecTreeLimits& limits) : tree_(tree), limits_(limits) {}

  const Status& error() const { return error_; }
  void set_where(std::string where) { where_ = std::move(where); }

  void BeginDocument() {
    stack_.clear();
    anchors_.clear();
    root_ = nullptr;
  }

  bool EndDocument() {
    if (root_ == nullptr) {  // an empty document
      if (!Count(1)) return false;
      root_ = tree_->NewNode();
    }
    tree_->AddDocument(root_);
    return true;
  }

  bool Null(size_t anchor) { return Leaf(Kind::kNull, {}, false, anchor); }

  bool Scalar(std::string value, bool quoted, size_t anchor) {
    return Leaf(Kind::kScalar, std::move(value), quoted, anchor);
  }

  bool Begin(Kind kind, size_t anchor) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) {
      return Fail(InvalidArgument(Where() + "nesting deeper than " +
                                  std::to_string(limits_.max_depth) + " levels"));
    }
    if (!Count(1)) return false;
    SpecNode* node = tree_->NewNode();
    node->kind = kind;
    node->height = 1;
    node->open = true;
    if (!Attach(node, anchor)) return false;
    stack_.push_back(node);
    return true;
  }

  bool End() {
    if (stack_.empty()) return Fail(Internal("spec tree: unbalanced end event"));
    SpecNode* node = stack_.back();
    stack_.pop_back();
    node->open = false;
    if (!stack_.empty()) Grow(stack_.back(), *node);
    return true;
  }

  bool Alias(size_t anchor) {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) return Fail(InvalidArgument(Where() + "alias to an unknown anchor"));
    SpecNode* target = it->second;
    if (target->open) {
      return Fail(InvalidArgument(Where() + "alias refers to a node that contains it"));
    }
    if (static_cast<int>(stack_.size()) + target->height > limits_.max_depth) {
      return Fail(InvalidArgument(Where() + "nesting deeper than " +
                                  std::to_string(limits_.max_depth) + " levels"));
    }
    if (!Count(target->expanded_size)) return false;
    return Attach(target, 0, /*counted=*/true);
  }

 private:
  bool Fail(Status s) {
    error_ = std::move(s);
    return false;
  }

  std::string Where() const { return where_.empty() ? "" : where_ + ": "; }

  bool Count(size_t n) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes) {
      return Fail(Status(StatusCode::kResourceExhausted, "input has more than " +
                                                             std::to_string(limits_.max_nodes) +
                                                             " nodes (aliases expanded)"));
    }
    return true;
  }

  bool Leaf(Kind kind, std::string value, bool quoted, size_t anchor) {
    if (!Count(1)) return false;
    SpecNode* node = tree_->NewNode();
    node->kind = kind;
    node->value = std::move(value);
    node->quoted = quoted;
    return Attach(node, anchor);
  }

  // Links `node` under the open container (or as the root). Containers grow their parent's
  // counts when they end; leaves and aliases at once.
  bool Attach(SpecNode* node, size_t anchor, bool counted = false) {
    if (anchor != 0) anchors_[anchor] = node;
    if (stack_.empty()) {
      if (root_ != nullptr) return Fail(Internal("spec tree: two roots in one document"));
      root_ = node;
      return true;
    }
    SpecNode* parent = stack_.back();
    if (parent->kind == Kind::kMap && parent->children.size() % 2 == 0 &&
        node->kind != Kind::kScalar) {
      return Fail(
          InvalidArgument(Where() + "map keys must be strings, got " + DescribeNode(*node)));
    }
    parent->children.push_back(node);
    if (counted || !node->open) Grow(parent, *node);
    return true;
  }

  static void Grow(SpecNode* parent, const SpecNode& child) {
    parent->expanded_size += child.expanded_size;
    parent->height = std::max(parent->height, child.height + 1);
  }

  SpecTree* tree_;
  SpecTreeLimits limits_;
  Status error_;
  std::string where_;
  std::vector<SpecNode*> stack_;
  std::map<size_t, SpecNode*> anchors_;
  SpecNode* root_ = nullptr;
  size_t nodes_ = 0;
};

// --- YAML ---

struct StopParsing {};  // thrown out of yaml-cpp's callbacks; caught in ParseYaml

// A read-only streambuf over the caller's text, so yaml-cpp reads it without a copy.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view s) {
    char* p = const_cast<char*>(s.data());  // never written: get area only
    setg(p, p, p + s.size());
  }
};

class YamlEvents : public YAML::EventHandler {
 public:
  explicit YamlEvents(TreeBuilder* b) : b_(b) {}

  // Set when the event stream itself is broken (otherwise the builder's error() says why).
  const Status& error() const { return error_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    At(mark);
    // yaml-cpp 0.7 can loop forever on some malformed input, emitting empty documents without
    // consuming a byte. A document starts past the previous one, or the parser is stuck.
    if (mark.pos <= last_document_pos_) {
      error_ =
          InvalidArgument("invalid YAML at line " + std::to_string(mark.line + 1) + ", column " +
                          std::to_string(mark.column + 1) + ": cannot parse past this point");
      throw StopParsing{};
    }
    last_document_pos_ = mark.pos;
    b_->BeginDocument();
  }
  void OnDocumentEnd() override { Check(b_->EndDocument()); }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    At(mark);
    Check(b_->Null(anchor));
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    At(mark);
    Check(b_->Alias(anchor));
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    At(mark);
    // "?" is a plain scalar; "!" a quoted or block one; an explicit !!str is a string too.
    bool quoted = tag == "!" || tag == "tag:yaml.org,2002:str";
    Check(b_->Scalar(value, quoted, anchor));
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    At(mark);
    Check(b_->Begin(Kind::kSequence, anchor));
  }
  void OnSequenceEnd() override { Check(b_->End()); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    At(mark);
    Check(b_->Begin(Kind::kMap, anchor));
  }
  void OnMapEnd() override { Check(b_->End()); }

 private:
  void At(const YAML::Mark& mark) {
    b_->set_where("at line " + std::to_string(mark.line + 1) + ", column " +
                  std::to_string(mark.column + 1));
  }
  static void Check(bool ok) {
    if (!ok) throw StopParsing{};
  }

  TreeBuilder* b_;
  int last_document_pos_ = -1;
  Status error_;
};

Result<std::unique_ptr<SpecTree>> ParseYaml(std::string_view text, const SpecTreeLimits& limits) {
  auto tree = std::make_unique<SpecTree>();
  TreeBuilder builder(tree.get(), limits);
  YamlEvents events(&builder);
  ViewBuf buf(text);
  std::istream in(&buf);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(events)) {
    }
  } catch (const StopParsing&) {
    return events.error().ok() ? builder.error() : events.error();
  } catch (const YAML::Exception& e) {
    return InvalidArgument("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("invalid YAML: ") + e.what());
  }
  return tree;
}

// --- JSON ---

class JsonEvents {
 public:
  explicit JsonEvents(TreeBuilder* b) : b_(b) {}

  bool null() { return b_->Null(0); }
  bool boolean(bool v) { return b_->Scalar(v ? "true" : "false", false, 0); }
  bool number_integer(int64_t v) { return b_->Scalar(std::to_string(v), false, 0); }
  bool number_unsigned(uint64_t v) { return b_->Scalar(std::to_string(v), false, 0); }
  bool number_float(double, const std::string& text) { return b_->Scalar(text, false, 0); }
  bool string(std::string& s) { return b_->Scalar(std::move(s), true, 0); }
  bool binary(nlohmann::json::binary_t&) { return false; }  // never produced by JSON text
  bool start_object(size_t) { return b_->Begin(Kind::kMap, 0); }
  bool key(std::string& s) { return b_->Scalar(std::move(s), true, 0); }
  bool end_object() { return b_->End(); }
  bool start_array(size_t) { return b_->Begin(Kind::kSequence, 0); }
  bool end_array() { return b_->End(); }
  bool parse_error(size_t, const std::string&, const nlohmann::json::exception& e) {
    std::string what = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] " tag.
    if (size_t close = what.find("] "); what.starts_with("[json.") && close != what.npos) {
      what = what.substr(close + 2);
    }
    syntax_error_ = InvalidArgument("invalid JSON: " + what);
    return false;
  }

  const Status& syntax_error() const { return syntax_error_; }

 private:
  TreeBuilder* b_;
  Status syntax_error_;
};

bool LooksLikeJson(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte order mark
  size_t first = text.find_first_not_of(" \t\r\n");
  return first != text.npos && (text[first] == '{' || text[first] == '[');
}

void ConvertJson(const nlohmann::json& v, TreeBuilder* b, bool* ok) {
  if (!*ok) return;
  switch (v.type()) {
    case nlohmann::json::value_t::object:
      *ok = b->Begin(Kind::kMap, 0);
      for (auto it = v.begin(); *ok && it != v.end(); ++it) {
        *ok = b->Scalar(it.key(), true, 0);
        ConvertJson(it.value(), b, ok);
      }
      *ok = *ok && b->End();
      return;
    case nlohmann::json::value_t::array:
      *ok = b->Begin(Kind::kSequence, 0);
      for (auto it = v.begin(); *ok && it != v.end(); ++it) ConvertJson(*it, b, ok);
      *ok = *ok && b->End();
      return;
    case nlohmann::json::value_t::string:
      *ok = b->Scalar(v.get<std::string>(), true, 0);
      return;
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::discarded:
      *ok = b->Null(0);
      return;
    default:  // numbers and booleans, as JSON writes them
      *ok = b->Scalar(v.dump(), false, 0);
      return;
  }
}

bool IsDigits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

std::string DescribeNode(const SpecNode& node) {
  switch (node.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kMap:
      return "map";
    case Kind::kSequence:
      return "list";
    case Kind::kScalar:
      break;
  }
  const std::string& v = node.value;
  if (!node.quoted) {
    if (v == "true" || v == "True" || v == "TRUE" || v == "false" || v == "False" || v == "FALSE") {
      return "boolean " + v;
    }
    // YAML 1.2 core schema numbers: ints (decimal, 0o, 0x), floats, .inf and .nan.
    static const std::regex kNumber(
        "[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|"
        "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|"
        "[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
    if (v.size() <= 64 && (IsDigits(v) || std::regex_match(v, kNumber))) return "number " + v;
  }
  return "string " + QuoteValue(v);
}

Result<std::unique_ptr<SpecTree>> ParseSpecTree(std::string_view text,
                                                const SpecTreeLimits& limits) {
  if (!LooksLikeJson(text)) return ParseYaml(text, limits);
  auto tree = std::make_unique<SpecTree>();
  TreeBuilder builder(tree.get(), limits);
  JsonEvents events(&builder);
  bool ok = false;
  try {
    builder.BeginDocument();
    ok = nlohmann::json::sax_parse(text.begin(), text.end(), &events) && builder.EndDocument();
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("invalid JSON: ") + e.what());
  }
  if (ok) return tree;
  if (events.syntax_error().ok()) return builder.error();  // a limit, not the syntax
  // Flow-style YAML ({name: x}) also starts with a brace: give YAML its chance, but report
  // the JSON error, which is the likelier intent.
  Result<std::unique_ptr<SpecTree>> yaml = ParseYaml(text, limits);
  if (yaml.ok() || yaml.status().code() != StatusCode::kInvalidArgument) return yaml;
  return events.syntax_error();
}

Result<std::unique_ptr<SpecTree>> JsonValueTree(const nlohmann::json& value,
                                                const SpecTreeLimits& limits) {
  auto tree = std::make_unique<SpecTree>();
  TreeBuilder builder(tree.get(), limits);
  builder.BeginDocument();
  bool ok = true;
  ConvertJson(value, &builder, &ok);
  if (!ok || !builder.EndDocument()) return builder.error();
  return tree;
}

}  // namespace herd::sidecar
