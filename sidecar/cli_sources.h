// The workload files behind `herd apply -f` and `herd delete -f`: read (stdin, files,
// directories), validated locally with ParseWorkloadDocuments before anything is sent, and cut
// into request bodies the server accepts.
//
// A file of at most kMaxDocuments workloads (and within the parser's size limits) is sent as it
// was written. A larger one is split: its workloads are read one by one (YAML stream, JSON
// array or WorkloadList, as the parser reads them), validated in groups of kMaxDocuments, and
// written back with WorkloadToJson (plus metadata.generation when given) as WorkloadList JSON
// bodies of at most kMaxDocuments items each. Error messages number the workloads across the
// whole file, as one parse would. Pure functions except LoadSpecSources; one thread.
#pragma once

#include <cstddef>
#include <istream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sidecar/spec_parser.h"

namespace herd::sidecar {

struct SpecBody {
  std::string text;
  std::string content_type;  // application/json or application/yaml
  size_t documents = 0;
};

struct PreparedSource {
  std::string name;  // the path, or "STDIN"
  std::vector<WorkloadDocument> documents;
  std::vector<SpecBody> bodies;  // POST each, in order
};

// Validates `text` and decides its bodies (see above); `chunk` is the most workloads per body.
// Errors: the parser's (kInvalidArgument listing every bad workload, kResourceExhausted), and
// kInvalidArgument for a workload name repeated across chunks.
Result<PreparedSource> PrepareSpecText(std::string name, std::string text,
                                       size_t chunk = kMaxDocuments);

// The workload items of `text` one by one as JSON values, without the parser's limits on
// documents and nodes (bounded by the input's size instead). Empty documents are skipped; a
// list document (a sequence, or a map with kind WorkloadList or List) gives its items.
// Errors: kInvalidArgument for bad syntax or a key repeated in a map.
Result<std::vector<nlohmann::json>> SplitWorkloadItems(std::string_view text);

struct LoadedSources {
  std::vector<PreparedSource> sources;  // every file, in command-line and name order
  std::vector<Status> errors;           // "FILE: message" for each file that failed
};

// Reads and prepares every -f argument ("-" is `in`, read once). Every file is read and
// validated even after an error, so that all errors are reported at once.
LoadedSources LoadSpecSources(const std::vector<std::string>& paths, bool recursive,
                              std::istream& in);

}  // namespace herd::sidecar
