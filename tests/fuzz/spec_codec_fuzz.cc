// Fuzz target for the workload spec codec: arbitrary bytes as a CRDT map value. DecodeSpec
// must never crash or over-allocate; what it accepts must be valid and canonical (it encodes
// back to the very same bytes) and must survive the JSON/YAML writers.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sidecar/spec_codec.h"
#include "sidecar/spec_parser.h"

namespace {

using namespace herd::sidecar;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "spec_codec invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto spec = DecodeSpec(bytes);
  if (!spec.ok()) {
    Check(spec.status().code() == herd::StatusCode::kInvalidArgument, "unexpected error code");
    return 0;
  }
  Check(Validate(*spec).ok(), "decoded spec fails Validate");
  Check(EncodeSpec(*spec) == bytes, "decoded spec does not re-encode to its bytes");
  Check(RuntimeFingerprint(*spec) == RuntimeFingerprint(*DecodeSpec(EncodeSpec(*spec))),
        "fingerprint is not a function of the spec");
  auto docs = ParseWorkloadDocuments(JsonToYaml(WorkloadToJson(*spec)));
  Check(docs.ok() && docs->size() == 1 && docs->front().spec == *spec, "YAML round trip differs");
  return 0;
}
