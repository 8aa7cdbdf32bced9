// Integration tests: the Watcher and the real CppRestKubeClient against the fake API server on
// loopback. Conditions are awaited with a deadline; nothing asserts a duration.
#include "k8s/watcher.h"

#include <gtest/gtest.h>

#include <mutex>

#include "tests/k8s/k8s_test_util.h"

namespace herd::k8s {
namespace {

using nlohmann::json;
using testing::FakeKubeServer;

// Records every batch the watcher delivers.
struct Recorder {
  std::mutex mu;
  std::vector<StoreBatch> batches;
  void operator()(const StoreBatch& b) {
    std::lock_guard<std::mutex> lock(mu);
    batches.push_back(b);
  }
  std::vector<StoreBatch> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return batches;
  }
  // Events of `kind` for `key` across every batch.
  int Count(StoreEvent::Kind kind, const std::string& key) {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (auto& b : batches) {
      for (auto& e : b.events) n += e.kind == kind && e.key == key;
    }
    return n;
  }
};

class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<FakeKubeServer>(server_options_);
    ASSERT_TRUE(server_->Start().ok());
    client_ = ClientFor(*server_);
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    if (watcher_) watcher_->Stop();
    server_->Stop();
  }
  void Apply(const std::string& name, std::vector<std::tuple<std::string, std::string, bool>> eps,
             const std::string& service = "herd") {
    ASSERT_TRUE(
        server_->store()
            .Apply(std::string(kSlices) + "/" + name, SliceObject(name, std::move(eps), service))
            .ok());
  }
  WatcherOptions Options() {
    WatcherOptions o;
    o.path = kSlices;
    o.label_selector = "kubernetes.io/service-name=herd";
    o.name = "endpointslices";
    o.backoff_initial = std::chrono::milliseconds(1);
    o.backoff_max = std::chrono::milliseconds(8);
    o.watch_timeout_seconds = 30;
    o.idle_timeout = std::chrono::seconds(60);
    return o;
  }
  void StartWatcher(WatcherOptions o, WatcherHooks hooks = {}) {
    watcher_ = std::make_unique<Watcher>(
        *client_, std::move(o), [this](const StoreBatch& b) { recorder_(b); }, std::move(hooks));
    ASSERT_TRUE(watcher_->Start().ok());
  }
  bool StoreMatchesServer() {
    auto objects = watcher_->Objects();
    testing::KubeRef coll = testing::ParseKubePath(kSlices).value();
    auto sel = testing::LabelSelector::Parse("kubernetes.io/service-name=herd").value();
    auto page = server_->store().List(coll, sel, 0, "");
    if (!page.ok() || page->items.size() != objects.size()) return false;
    for (auto& item : page->items) {
      auto it = objects.find(ObjectKey(item));
      if (it == objects.end() || it->second != item) return false;
    }
    return true;
  }

  testing::FakeKubeServerOptions server_options_;
  std::unique_ptr<FakeKubeServer> server_;
  std::unique_ptr<CppRestKubeClient> client_;
  std::unique_ptr<Watcher> watcher_;
  Recorder recorder_;
};

TEST_F(WatcherTest, ListsThenWatchesAddsUpdatesAndDeletes) {
  Apply("a", {{"herd-0", "10.0.0.1", true}});
  Apply("b", {{"herd-1", "10.0.0.2", true}});
  Apply("other", {{"x", "10.0.0.9", true}}, "other-service");
  StartWatcher(Options());
  ASSERT_TRUE(WaitFor([&] { return watcher_->Stats().synced; }));
  auto first = recorder_.Get();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].from_list);
  EXPECT_EQ(first[0].events.size(), 2u);  // the selector filtered "other"

  ASSERT_TRUE(WaitFor([&] { return server_->Stats().open_streams == 1; }));
  Apply("c", {{"herd-2", "10.0.0.3", true}});
  Apply("a", {{"herd-0", "10.0.0.1", false}});
  ASSERT_TRUE(server_->store().Remove(std::string(kSlices) + "/b").ok());
  ASSERT_TRUE(WaitFor([&] { return recorder_.Count(StoreEvent::Kind::kDeleted, "herd/b") == 1; }));
  EXPECT_EQ(recorder_.Count(StoreEvent::Kind::kAdded, "herd/c"), 1);
  EXPECT_EQ(recorder_.Count(StoreEvent::Kind::kUpdated, "herd/a"), 1);
  EXPECT_TRUE(StoreMatchesServer());
  WatcherStats s = watcher_->Stats();
  EXPECT_EQ(s.lists, 1u);
  EXPECT_EQ(s.relists, 0u);
  EXPECT_EQ(s.added, 1u);
  EXPECT_EQ(s.modified, 1u);
  EXPECT_EQ(s.deleted, 1u);
  EXPECT_EQ(s.errors, 0u);
}

TEST_F(WatcherTest, PagesThroughALargeListWithContinue) {
  for (int i = 0; i < 7; ++i)
    Apply("s" + std::to_string(i), {{"m" + std::to_string(i), "10.0.0.1", true}});
  WatcherOptions o = Options();
  o.page_size = 2;
  StartWatcher(o);
  ASSERT_TRUE(WaitFor([&] { return watcher_->Stats().synced; }));
  EXPECT_EQ(watcher_->Objects().size(), 7u);
  EXPECT_EQ(server_->Stats().lists, 4u);  // 2 + 2 + 2 + 1
  EXPECT_EQ(watcher_->Stats().lists, 1u);
}

TEST_F(WatcherTest, BookmarksMoveTheResourceVersion) {
  StartWatcher(Options());
  ASSERT_TRUE(WaitFor([&] { return server_->Stats().open_streams == 1; }));
  std::string before = watcher_->Stats().resource_version;
  // Writes to another resource move the global version without events for this watch.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        server_->store()
            .Apply("/apis/herd.dev/v1alpha1/namespaces/herd/workloads/w" + std::to_string(i),
                   {{"spec", json::object()}})
            .ok());
  }
  server_->SendBookmarks();
  ASSERT_TRUE(WaitFor([&] { return watcher_->Stats().bookmarks >= 1; }));
  EXPECT_EQ(watcher_->Stats().resource_version,
            std::to_string(server_->store().resource_version()));
  EXPECT_NE(watcher_->Stats().resource_version, before);
  EXPECT_EQ(recorder_.Get().size(), 1u);  // bookmarks deliver nothing to the handler
}

TEST_F(WatcherTest, GoneRelistsAndSynthesizesDeletes) {
  Apply("a", {{"herd-0", "10.0.0.1", true}});
  Apply("b", {{"herd-1", "10.0.0.2", true}});
  int relists = 0;
  WatcherHooks hooks;
  hooks.on_relist = [&] { ++relists; };
  StartWatcher(Options(), hooks);
  ASSERT_TRUE(WaitFor([&] { return server_->Stats().open_streams == 1; }));
  // The watcher misses these (its stream is silent), then its version leaves the history.
  server_->SetStallStreams(true);
  ASSERT_TRUE(server_->store().Remove(std::string(kSlices) + "/a").ok());
  Apply("b", {{"herd-1", "10.0.0.2", false}});
  Apply("c", {{"herd-2", "10.0.0.3", true}});
  server_->Compact();
  server_->SetStallStreams(false);
  server_->DropStreams();
  ASSERT_TRUE(WaitFor([&] { return watcher_->Stats().lists == 2; }));
  auto batches = recorder_.Get();
  ASSERT_EQ(batches.size(), 2u);
  const StoreBatch& relist = batches[1];
  EXPECT_TRUE(relist.from_list);
  std::map<std::string, StoreEvent::Kind> kinds;
  for (auto& e : relist.events) kinds[e.key] = e.kind;
  EXPECT_EQ(kinds, (std::map<std::string, StoreEvent::Kind>{{"herd/a", StoreEvent::Kind::kDeleted},
                                                            {"herd/b", StoreEvent::Kind::kUpdated},
                                                            {"herd/c", StoreEvent::Kind::kAdded}}));
  EXPECT_TRUE(StoreMatchesServer());
  WatcherStats s = watcher_->Stats();
  EXPECT_EQ(s.relists, 1u);
  EXPECT_EQ(relists, 1);
  EXPECT_GE(s.gone, 1u);
}

TEST_F(WatcherTest, StreamDropsResumeWithoutLossOrDuplicates) {
  Apply("a", {{"herd-0", "10.0.0.1", true}});
  StartWatcher(Options());
  ASSERT_TRUE(WaitFor([&] { return server_->Stats().open_streams == 1; }));
  constexpr int kUpdates = 30;
  for (int i = 1; i <= kUpdates; ++i) {
    Apply("a", {{"herd-0", "10.0.0." + std::to_string(i + 1), true}});
    if (i % 4 == 0) server_->DropStreams();
  }
  ASSERT_TRUE(
      WaitFor([&] { return recorder_.Count(StoreEvent::Kind::kUpdated, "herd/a") >= kUpdates; }));
  ASSERT_TRUE(WaitFor([&] { return server_->Stats().open_streams == 1; }));
  EXPECT_EQ(recorder_.Count(StoreEvent::Kind::kUpdated, "herd/a"), kUpdates);
  // Versions delivered for the key only grow.
  int64_t last = 0;
  for (auto& b : recorder_.Get()) {
    for (auto& e : b.events) {
      int64_t rv = std::stoll(ResourceVersionOf(e.object));
      EXPECT_GT(rv, last);
      last = rv;
    }
  }
  EXPECT_TRUE(StoreMatchesServer());
  WatcherStats s = watcher_->Stats();
  EXPECT_EQ(s.lists, 1u);
  EXPECT_GE(s.watch_restarts, 1u);
}

TEST_F(WatcherTest, ServerErrorsBackOffExponentiallyThenRecover) {
  Apply("a", {{"herd-0", "10.0.0.1", true}});
  server_->FailNextRequests(4);
  std::mutex mu;
  std::vector<int64_t> delays;
  std::vector<StatusCode> errors;
  WatcherHooks hooks;
  hooks.on_backoff = [&](std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu);
    delays.push_back(d.count());
  };
  hooks.on_error = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(s.code());
  };
  StartWatcher(Options(), hooks);
  ASSERT_TRUE(WaitFor([&] { return watcher_->Stats().synced; }));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(errors, std::vector<StatusCode>(4, StatusCode::kUnavailable));
  ASSERT_EQ(delays.size(), 4u);
  int64_t caps[] = {1, 2, 4, 8};  // backoff_initial 1 ms, doubling, backoff_max 8 ms
  for (size_t i = 0; i < delays.size(); ++i) {
    EXPECT_GE(delays[i], caps[i] / 2) << i;
    EXPECT_LE(delays[i], caps[i]) << i;
  }
  EXPECT_EQ(watcher_->Objects().size(), 1u);
  EXPECT_EQ(watcher_->Stats().errors, 4u);
}

TEST_F(WatcherTest, SilentStreamTripsTheIdleTimeoutAndResumes) {
  Apply("a", {{"herd-0", "10.0.0.1", true}});
  std::mutex mu;
  std::vector<StatusCode> errors;
  WatcherHooks hooks;
  hooks.on_error = [&](const Status& s) {
    std::lock_guard<std::mutex> lock(mu);
    errors.push_back(s.code());
  };
  WatcherOptions o = Options();
  o.watch_timeout_seconds = 1;
  o.idle_timeout = std::chrono::milliseconds(1200);
  server_->SetStallStreams(true);
  StartWatcher(o, hooks);
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !errors.empty();
  }));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(errors[0], StatusCode::kDeadlineExceeded);
  }
  server_->SetStallStreams(false);
  Apply("b", {{"herd-1", "10.0.0.2", true}});
  ASSERT_TRUE(WaitFor([&] { return watcher_->Objects().size() == 2; }));
  EXPECT_EQ(watcher_->Stats().lists, 1u);  // resumed, not relisted
}

TEST_F(WatcherTest, StopEndsAnOpenWatchPromptly) {
  StartWatcher(Options());
  ASSERT_TRUE(WaitFor([&] { return server_->Stats().open_streams == 1; }));
  watcher_->Stop();  // would hang the test (and time out) if the read were not cancelled
  EXPECT_TRUE(watcher_->Stats().synced);
}

TEST_F(WatcherTest, RejectsBadOptions) {
  WatcherOptions o = Options();
  o.idle_timeout = std::chrono::seconds(o.watch_timeout_seconds);
  Watcher w(*client_, o, nullptr);
  EXPECT_EQ(w.Start().field(), "idle_timeout");
  o = Options();
  o.path = "apis/x";
  Watcher w2(*client_, o, nullptr);
  EXPECT_EQ(w2.Start().field(), "path");
}

}  // namespace
}  // namespace herd::k8s
