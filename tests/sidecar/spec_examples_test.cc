// Every file in examples/workloads/ (applied by `make run`) parses and validates.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "sidecar/spec_parser.h"

namespace herd::sidecar {
namespace {

TEST(SpecExamplesTest, EveryExampleWorkloadIsValid) {
  const std::filesystem::path dir = HERD_EXAMPLES_WORKLOADS_DIR;
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
  size_t files = 0;
  std::set<std::string> names;
  bool has_container = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Result<std::vector<WorkloadDocument>> docs = ParseWorkloadDocuments(text);
    ASSERT_TRUE(docs.ok()) << entry.path() << ": " << docs.status();
    for (const WorkloadDocument& doc : *docs) {
      EXPECT_TRUE(names.insert(doc.spec.name).second)
          << entry.path() << ": name " << doc.spec.name << " is used by another example";
      has_container = has_container || doc.spec.runtime == Runtime::kContainer;
    }
  }
  EXPECT_GE(files, 4u) << "examples/workloads/ should show several workloads";
  EXPECT_TRUE(has_container) << "examples/workloads/ should include a container workload";
}

}  // namespace
}  // namespace herd::sidecar
