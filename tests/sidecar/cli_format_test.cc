// Unit tests of the CLI's pure parts: flags, ages, timestamps, tables, output formats and the
// splitting of large workload files.
#include "sidecar/cli_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "sidecar/cli_flags.h"
#include "sidecar/cli_sources.h"

namespace herd::sidecar {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<FlagSpec> Specs() {
  return {{"filename", 'f', true}, {"recursive", 'R', false}, {"output", 'o', true}};
}

TEST(CliFlagsTest, LongShortInlineAndPositionals) {
  auto p = ParseFlags({"x", "-f", "a", "--filename=b", "-fc", "-R", "-oyaml", "--", "-f"}, Specs());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->All("filename"), ElementsAre("a", "b", "c"));
  EXPECT_TRUE(p->Bool("recursive"));
  EXPECT_EQ(p->Last("output"), "yaml");
  EXPECT_THAT(p->positionals, ElementsAre("x", "-f"));
  auto dash = ParseFlags({"-f", "-"}, Specs());
  ASSERT_TRUE(dash.ok());
  EXPECT_THAT(dash->All("filename"), ElementsAre("-"));
}

TEST(CliFlagsTest, Errors) {
  auto unknown = ParseFlags({"--nope"}, Specs());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().message(), "unknown flag: --nope");
  EXPECT_EQ(ParseFlags({"-x"}, Specs()).status().message(), "unknown flag: -x");
  EXPECT_EQ(ParseFlags({"-Rx"}, Specs()).status().message(), "unknown flag: -Rx");
  EXPECT_EQ(ParseFlags({"-f"}, Specs()).status().message(), "flag needs an argument: -f");
  EXPECT_EQ(ParseFlags({"--recursive=maybe"}, Specs()).status().field(), "--recursive");
  auto off = ParseFlags({"--recursive=false"}, Specs());
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->Bool("recursive"));
}

TEST(CliFormatTest, AgeLikeKubectl) {
  EXPECT_EQ(FormatAge(-5000), "<invalid>");
  EXPECT_EQ(FormatAge(-1500), "0s");
  EXPECT_EQ(FormatAge(45'000), "45s");
  EXPECT_EQ(FormatAge(119'000), "119s");
  EXPECT_EQ(FormatAge(120'000), "2m");
  EXPECT_EQ(FormatAge(192'000), "3m12s");
  EXPECT_EQ(FormatAge(12 * 60'000 + 5000), "12m");
  EXPECT_EQ(FormatAge(5 * 3'600'000), "5h");
  EXPECT_EQ(FormatAge(5 * 3'600'000 + 30 * 60'000), "5h30m");
  EXPECT_EQ(FormatAge(30 * 3'600'000), "30h");
  EXPECT_EQ(FormatAge(3 * 86'400'000LL), "3d");
  EXPECT_EQ(FormatAge(3 * 86'400'000LL + 4 * 3'600'000), "3d4h");
  EXPECT_EQ(FormatAge(400 * 86'400'000LL), "400d");
  EXPECT_EQ(FormatAge((2 * 365 + 30) * 86'400'000LL), "2y30d");
  EXPECT_EQ(FormatAge(9 * 365 * 86'400'000LL), "9y");
}

TEST(CliFormatTest, Rfc3339) {
  EXPECT_EQ(*ParseRfc3339Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339Millis("2026-01-01T00:00:00Z"), 1'767'225'600'000);
  EXPECT_EQ(*ParseRfc3339Millis("2026-01-01T01:00:00.250+01:00"), 1'767'225'600'250);
  EXPECT_EQ(*ParseRfc3339Millis("2024-02-29T12:00:00Z"), 1'709'208'000'000);
  for (const char* bad : {"", "2026-01-01", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00",
                          "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00."}) {
    EXPECT_EQ(ParseRfc3339Millis(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(CliFormatTest, TablePadsAllButTheLastColumn) {
  CliTable t({"NAME", "X"});
  t.AddRow({"a-long-name", ""});
  t.AddRow({"b", "2"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(), "NAME          X\na-long-name   <none>\nb             2\n");
  EXPECT_EQ(t.rows(), 2u);
}

TEST(CliFormatTest, OutputFormats) {
  EXPECT_EQ(*ParseOutputFormat("wide", {OutputFormat::kTable, OutputFormat::kWide}),
            OutputFormat::kWide);
  auto bad = ParseOutputFormat("xml", {OutputFormat::kTable, OutputFormat::kJson});
  EXPECT_EQ(bad.status().message(),
            "unsupported output format \"xml\": supported formats are table, json");
  std::ostringstream out;
  PrintStructured(out, nlohmann::json{{"a", 1}}, OutputFormat::kJson);
  EXPECT_EQ(out.str(), "{\n  \"a\": 1\n}\n");
}

std::string Doc(int i) {
  return "---\nmetadata: {name: w-" + std::to_string(i) +
         "}\nspec:\n  command: [/bin/x]\n  env: [{name: V, value: 1.10}, {name: N, value: 7}]\n";
}

TEST(CliSourcesTest, SmallFileIsSentAsWritten) {
  auto p = PrepareSpecText("f", Doc(1) + Doc(2));
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->bodies.size(), 1u);
  EXPECT_EQ(p->bodies[0].text, Doc(1) + Doc(2));
  EXPECT_EQ(p->bodies[0].content_type, "application/yaml");
  EXPECT_EQ(p->documents.size(), 2u);
}

TEST(CliSourcesTest, ChunksKeepValuesExactly) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += Doc(i);
  auto p = PrepareSpecText("f", text, /*chunk=*/2);
  ASSERT_TRUE(p.ok()) << p.status();
  ASSERT_EQ(p->bodies.size(), 3u);
  EXPECT_EQ(p->bodies[2].documents, 1u);
  auto reparsed = ParseWorkloadDocuments(p->bodies[0].text);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_EQ(reparsed->at(1).spec.env[0].value, "1.10");  // not rewritten as 1.1
  EXPECT_EQ(reparsed->at(1).spec.env[1].value, "7");
  EXPECT_EQ((*reparsed)[0], p->documents[0]);
}

TEST(CliSourcesTest, SplitReadsListsAndSkipsEmptyDocuments) {
  auto items = SplitWorkloadItems(
      "---\n---\nkind: WorkloadList\nitems: [{metadata: {name: a}}, {metadata: {name: b}}]\n"
      "---\n- {metadata: {name: c}}\n");
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[2]["metadata"]["name"], "c");
  auto dup = SplitWorkloadItems("metadata: {name: a}\nmetadata: {name: b}\n");
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(dup.status().message(), HasSubstr("document 1: "));
}

TEST(CliSourcesTest, ChunkErrorsAreNumberedAcrossTheFile) {
  std::string text = Doc(1) + Doc(2) + Doc(3) + "---\nmetadata: {name: w-4}\nspec: {}\n" + Doc(5);
  auto p = PrepareSpecText("f", text, /*chunk=*/2);
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), ::testing::StartsWith("document 4 (w-4): spec.command"));
}

}  // namespace
}  // namespace herd::sidecar
