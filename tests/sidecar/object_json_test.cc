#include "sidecar/object_json.h"

#include <gtest/gtest.h>

namespace herd::sidecar {
namespace {

using nlohmann::json;

TEST(FormatRfc3339Test, UtcSecondPrecision) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1795683600000), "2026-11-26T09:00:00Z");
  EXPECT_EQ(FormatRfc3339(1795683600999), "2026-11-26T09:00:00Z");  // cut, not rounded
  EXPECT_EQ(FormatRfc3339(951868799000), "2000-02-29T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-2203891200000), "1900-03-01T00:00:00Z");
}

WorkloadView View(std::optional<StatusRecord> status, uint64_t generation = 1) {
  WorkloadView v;
  v.name = "ingest-7";
  v.spec.name = "ingest-7";
  v.spec.command = {"/bin/ingest"};
  v.spec.labels = {{"team", "data"}};
  v.record.generation = generation;
  v.record.owner = "m1";
  v.record.epoch = 2;
  v.record.created_ms = 1795683600000;
  v.status = std::move(status);
  return v;
}

StatusRecord Running() {
  StatusRecord s;
  s.owner = "m1";
  s.epoch = 2;
  s.generation = 1;
  s.phase = Phase::kRunning;
  s.pid = 4242;
  s.restarts = 2;
  s.started_at_ms = 1795683601000;
  return s;
}

TEST(WorkloadObjectTest, RunningAtTheCurrentGenerationIsReady) {
  json obj = WorkloadObject(View(Running()));
  EXPECT_EQ(obj["apiVersion"], "herd.dev/v1alpha1");
  EXPECT_EQ(obj["kind"], "Workload");
  EXPECT_EQ(obj["metadata"]["name"], "ingest-7");
  EXPECT_EQ(obj["metadata"]["labels"]["team"], "data");
  EXPECT_EQ(obj["metadata"]["generation"], 1);
  EXPECT_EQ(obj["metadata"]["creationTimestamp"], "2026-11-26T09:00:00Z");
  EXPECT_EQ(obj["spec"]["command"][0], "/bin/ingest");
  json expected = {{"phase", "Running"},
                   {"owner", "m1"},
                   {"pid", 4242},
                   {"restarts", 2},
                   {"startedAt", "2026-11-26T09:00:01Z"},
                   {"observedGeneration", 1},
                   {"conditions",
                    {{{"type", "Ready"},
                      {"status", "True"},
                      {"reason", "Running"},
                      {"lastTransitionTime", "2026-11-26T09:00:01Z"}},
                     {{"type", "Degraded"}, {"status", "False"}, {"reason", "AsExpected"}}}}};
  EXPECT_EQ(obj["status"], expected) << obj["status"].dump(2);
}

TEST(WorkloadObjectTest, NoStatusYetIsPendingOnTheRecordsOwner) {
  json st = WorkloadStatusObject(View(std::nullopt));
  EXPECT_EQ(st["phase"], "Pending");
  EXPECT_EQ(st["owner"], "m1");
  EXPECT_EQ(st["restarts"], 0);
  EXPECT_EQ(st["observedGeneration"], 0);
  EXPECT_FALSE(st.contains("pid"));
  EXPECT_EQ(st["conditions"][0]["status"], "False");
  EXPECT_EQ(st["conditions"][0]["reason"], "Pending");
}

TEST(WorkloadObjectTest, OlderGenerationIsUpdating) {
  json st = WorkloadStatusObject(View(Running(), /*generation=*/2));
  EXPECT_EQ(st["phase"], "Running");
  EXPECT_EQ(st["observedGeneration"], 1);
  EXPECT_EQ(st["conditions"][0]["status"], "False");
  EXPECT_EQ(st["conditions"][0]["reason"], "Updating");
}

TEST(WorkloadObjectTest, StatusFromAFormerOwnerIsNotReady) {
  StatusRecord s = Running();
  s.owner = "m0";
  s.epoch = 1;
  json st = WorkloadStatusObject(View(s));
  EXPECT_EQ(st["owner"], "m1");
  EXPECT_EQ(st["conditions"][0]["status"], "False");
  EXPECT_EQ(st["conditions"][0]["reason"], "Moving");
}

TEST(WorkloadObjectTest, BackoffAndFailedAreDegradedWithTheirLastExit) {
  for (Phase phase : {Phase::kBackoff, Phase::kFailed}) {
    StatusRecord s = Running();
    s.phase = phase;
    s.pid = 0;
    s.exit_code = 3;
    s.exit_at_ms = 1795683602000;
    s.message = "exited with code 3";
    json st = WorkloadStatusObject(View(s));
    EXPECT_EQ(st["lastExit"], (json{{"code", 3}, {"at", "2026-11-26T09:00:02Z"}}));
    EXPECT_EQ(st["message"], "exited with code 3");
    EXPECT_FALSE(st.contains("pid"));
    EXPECT_EQ(st["conditions"][0]["status"], "False");
    EXPECT_EQ(st["conditions"][1]["status"], "True");
    EXPECT_EQ(st["conditions"][1]["reason"], PhaseName(phase));
    EXPECT_EQ(st["conditions"][1]["message"], "exited with code 3");
  }
  StatusRecord killed = Running();
  killed.phase = Phase::kSucceeded;
  killed.exit_code = -1;
  killed.signal = 9;
  killed.exit_at_ms = 1795683602000;
  json st = WorkloadStatusObject(View(killed));
  EXPECT_EQ(st["lastExit"], (json{{"signal", 9}, {"at", "2026-11-26T09:00:02Z"}}));
  EXPECT_EQ(st["conditions"][1]["status"], "False");
}

TEST(MemberObjectTest, Shape) {
  MemberInfo m{"m2", "10.0.0.2:7946", 77, MemberStatus::kShuttingDown, true};
  EXPECT_EQ(MemberObject(m), (json{{"name", "m2"},
                                   {"address", "10.0.0.2:7946"},
                                   {"status", "shutting_down"},
                                   {"incarnation", 77},
                                   {"declared", true}}));
}

TEST(ChildObjectTest, Shape) {
  StatusRecord s = Running();
  s.container_id = "herd-ingest-7";
  EXPECT_EQ(ChildObject(View(s)), (json{{"name", "ingest-7"},
                                        {"owner", "m1"},
                                        {"phase", "Running"},
                                        {"pid", 4242},
                                        {"containerId", "herd-ingest-7"},
                                        {"restarts", 2}}));
  EXPECT_EQ(ChildObject(View(std::nullopt)),
            (json{{"name", "ingest-7"}, {"owner", "m1"}, {"phase", "Pending"}, {"restarts", 0}}));
}

}  // namespace
}  // namespace herd::sidecar
