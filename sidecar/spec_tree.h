// SpecTree: YAML or JSON input read into plain nodes, within limits, before the Workload schema
// is applied (spec_parser.h walks it).
//
// Why not YAML::Node: yaml-cpp builds its nodes before anyone can count them, so a request of a
// few megabytes could cost gigabytes, and it cannot decode JSON's surrogate-pair escapes. Here
// yaml-cpp's event parser (and nlohmann's SAX parser for JSON) feed a builder that enforces the
// nesting depth and the node count (aliases counted as expanded) as it goes, and stops at once.
// An alias is shared, not copied, so memory stays linear in the input.
//
// Scalars keep their text and whether they were written as strings (quoted, block scalars,
// !!str, JSON strings): a plain `yes` or `3` is still text here; the schema decides what it
// needs. Trees are values owned by their SpecTree; any thread, one at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace herd::sidecar {

struct SpecNode {
  enum class Kind : uint8_t { kNull, kScalar, kSequence, kMap };

  Kind kind = Kind::kNull;
  // Scalar written as a string (quoted, block, !!str, JSON string): never a number or a bool.
  bool quoted = false;
  std::string value;                      // scalar text
  std::vector<const SpecNode*> children;  // sequence: items; map: key, value, key, value, ...

  // Builder bookkeeping: nodes below and including this one with aliases expanded, the
  // levels of maps and sequences in the subtree (0 for a scalar), and whether the node is
  // still being built.
  size_t expanded_size = 1;
  int height = 0;
  bool open = false;
};

// Human name of a node's type for "Invalid type" messages: "null", "map", "list", or for a
// scalar as the YAML 1.2 core schema reads it: "boolean true", "number 3.5", "string \"x\"".
std::string DescribeNode(const SpecNode& node);

struct SpecTreeLimits {
  size_t max_nodes = 100000;  // nodes in the whole input, aliases expanded
  int max_depth = 32;         // nested maps and sequences
};

class SpecTree {
 public:
  SpecTree() = default;
  SpecTree(const SpecTree&) = delete;
  SpecTree& operator=(const SpecTree&) = delete;

  // The documents in input order. An empty YAML document ("---" alone) is a kNull node; JSON
  // input is one document.
  const std::vector<const SpecNode*>& documents() const { return documents_; }

  // For the builder.
  SpecNode* NewNode() { return arena_.emplace_back(std::make_unique<SpecNode>()).get(); }
  void AddDocument(const SpecNode* root) { documents_.push_back(root); }

 private:
  std::vector<std::unique_ptr<SpecNode>> arena_;
  std::vector<const SpecNode*> documents_;
};

// Reads `text` as JSON when it starts with '{' or '[' and parses as JSON, otherwise as a YAML
// stream (documents separated by ---; YAML also reads JSON, and flow YAML such as {a: b}).
// Errors: kInvalidArgument for bad syntax ("invalid YAML at line 3, column 5: ...", including
// input on which yaml-cpp stops making progress, or "invalid JSON: ..." when JSON-looking
// input is neither JSON nor YAML), nesting deeper than max_depth, a map key that is not a
// scalar, an alias inside its own anchor; kResourceExhausted for more than max_nodes nodes.
Result<std::unique_ptr<SpecTree>> ParseSpecTree(std::string_view text,
                                                const SpecTreeLimits& limits);

// Converts a JSON value already in memory (a Workload custom resource from the API server).
// Same limits and errors.
Result<std::unique_ptr<SpecTree>> JsonValueTree(const nlohmann::json& value,
                                                const SpecTreeLimits& limits);

}  // namespace herd::sidecar
