// Fuzz target for the workload spec reader: arbitrary bytes as a YAML/JSON request body.
// Whatever the input, ParseWorkloadDocuments returns (no crash, no exception, no hang) an
// error of a documented code, or workloads that are valid and survive every writer: the YAML
// of `herd get -o yaml`, the JSON of the API, and the binary codec all read back equal.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sidecar/spec_codec.h"
#include "sidecar/spec_parser.h"

namespace {

using herd::StatusCode;
using namespace herd::sidecar;

void Check(bool ok, const char* what, const std::string& context = "") {
  if (!ok) {
    std::fprintf(stderr, "spec_parser invariant broken: %s\n%s\n", what, context.c_str());
    std::abort();
  }
}

void CheckRoundTrips(const WorkloadSpec& spec) {
  Check(Validate(spec).ok(), "a parsed spec fails Validate", spec.name);
  const nlohmann::json json = WorkloadToJson(spec);
  const std::string yaml = JsonToYaml(json);
  auto from_yaml = ParseWorkloadDocuments(yaml);
  Check(from_yaml.ok(), "JsonToYaml output does not parse", yaml);
  Check(from_yaml->size() == 1 && from_yaml->front().spec == spec, "YAML round trip differs", yaml);
  const std::string dumped = json.dump();
  auto from_json = ParseWorkloadDocuments(dumped);
  Check(from_json.ok(), "WorkloadToJson output does not parse", dumped);
  Check(from_json->size() == 1 && from_json->front().spec == spec, "JSON round trip differs",
        dumped);
  auto decoded = DecodeSpec(EncodeSpec(spec));
  Check(decoded.ok() && *decoded == spec, "codec round trip differs", spec.name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = ParseWorkloadDocuments(text);
  if (!docs.ok()) {
    const StatusCode code = docs.status().code();
    Check(code == StatusCode::kInvalidArgument || code == StatusCode::kResourceExhausted,
          "unexpected error code", docs.status().message());
    Check(!docs.status().message().empty(), "empty error message");
    return 0;
  }
  Check(!docs->empty() && docs->size() <= kMaxDocuments, "document count out of bounds");
  for (const WorkloadDocument& doc : *docs) CheckRoundTrips(doc.spec);
  return 0;
}
