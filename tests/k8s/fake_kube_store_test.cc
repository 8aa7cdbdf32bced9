// Unit tests of the fake API server's store: the semantics tests rely on must be the real
// server's (conflicts, status subresource, paging snapshots, compaction).
#include "tests/testing/fake_kube_store.h"

#include <gtest/gtest.h>

namespace herd::testing {
namespace {

const char* kWorkloads = "/apis/herd.dev/v1alpha1/namespaces/ns/workloads";

KubeRef Ref(const std::string& path) {
  Result<KubeRef> r = ParseKubePath(path);
  EXPECT_TRUE(r.ok()) << path << " " << r.status();
  return r.ok() ? *r : KubeRef{};
}

TEST(ParseKubePath, CollectionsObjectsAndStatus) {
  KubeRef a = Ref("/apis/discovery.k8s.io/v1/namespaces/herd/endpointslices");
  EXPECT_EQ(a.resource, "discovery.k8s.io/v1/endpointslices");
  EXPECT_EQ(a.ns, "herd");
  EXPECT_EQ(a.name, "");
  KubeRef b = Ref("/apis/herd.dev/v1alpha1/namespaces/ns/workloads/web/status");
  EXPECT_EQ(b.name, "web");
  EXPECT_TRUE(b.status);
  KubeRef c = Ref("/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(c.resource, "v1/pods");
  KubeRef d = Ref("/apis/herd.dev/v1alpha1/workloads");
  EXPECT_EQ(d.ns, "");
  for (const char* bad :
       {"/", "/healthz", "/apis/x", "/api/v1/namespaces/ns/pods/p/log/x", "/apis/g/v/pods/p"}) {
    EXPECT_EQ(ParseKubePath(bad).status().code(), StatusCode::kNotFound) << bad;
  }
}

TEST(LabelSelector, EqualityTerms) {
  json o = {{"metadata", {{"labels", {{"app", "herd"}, {"tier", "x"}}}}}};
  auto sel = [](const char* s) { return LabelSelector::Parse(s).value(); };
  EXPECT_TRUE(sel("").Matches(o));
  EXPECT_TRUE(sel("app=herd").Matches(o));
  EXPECT_TRUE(sel("app==herd,tier=x").Matches(o));
  EXPECT_FALSE(sel("app=other").Matches(o));
  EXPECT_FALSE(sel("app!=herd").Matches(o));
  EXPECT_TRUE(sel("missing!=a").Matches(o));
  EXPECT_EQ(LabelSelector::Parse("app in (a)").status().field(), "labelSelector");
  EXPECT_EQ(LabelSelector::Parse("=a").status().code(), StatusCode::kInvalidArgument);
}

TEST(FakeKubeStore, CreateUpdateConflictAndNoOp) {
  FakeKubeStore store;
  KubeRef coll = Ref(kWorkloads);
  Result<json> a = store.Create(coll, {{"metadata", {{"name", "web"}}}, {"spec", {{"x", 1}}}});
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ((*a)["metadata"]["generation"], 1);
  std::string rv1 = (*a)["metadata"]["resourceVersion"];
  EXPECT_EQ(store.Create(coll, {{"metadata", {{"name", "web"}}}}).status().code(),
            StatusCode::kAlreadyExists);

  KubeRef web = Ref(std::string(kWorkloads) + "/web");
  json next = *a;
  next["spec"]["x"] = 2;
  Result<json> b = store.Update(web, next);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ((*b)["metadata"]["generation"], 2);
  // The same write again carries a stale version now.
  Result<json> stale = store.Update(web, next);
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  // A no-op does not move the version.
  int64_t before = store.resource_version();
  ASSERT_TRUE(store.Update(web, *b).ok());
  EXPECT_EQ(store.resource_version(), before);
}

TEST(FakeKubeStore, StatusSubresourceIsSeparate) {
  FakeKubeStore store;
  ASSERT_TRUE(store
                  .Create(Ref(kWorkloads), {{"metadata", {{"name", "web"}}},
                                            {"spec", {{"x", 1}}},
                                            {"status", {{"phase", "ignored"}}}})
                  .ok());
  KubeRef status = Ref(std::string(kWorkloads) + "/web/status");
  KubeRef web = Ref(std::string(kWorkloads) + "/web");
  EXPECT_FALSE(store.Get(web)->contains("status"));
  Result<json> s = store.Patch(status, {{"status", {{"phase", "Running"}}}, {"spec", {{"x", 9}}}});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)["status"]["phase"], "Running");
  EXPECT_EQ((*s)["spec"]["x"], 1);
  EXPECT_EQ((*s)["metadata"]["generation"], 1);
  Result<json> m = store.Patch(web, {{"status", nullptr}, {"spec", {{"x", 3}}}});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)["status"]["phase"], "Running");
  EXPECT_EQ((*m)["metadata"]["generation"], 2);
  Result<json> conflict = store.Patch(status, {{"metadata", {{"resourceVersion", "1"}}}});
  EXPECT_EQ(conflict.status().code(), StatusCode::kFailedPrecondition);
}

TEST(FakeKubeStore, FinalizersDelayDeletion) {
  FakeKubeStore store;
  ASSERT_TRUE(
      store.Create(Ref(kWorkloads), {{"metadata", {{"name", "w"}, {"finalizers", {"herd.dev/x"}}}}})
          .ok());
  KubeRef w = Ref(std::string(kWorkloads) + "/w");
  Result<json> d = store.Delete(w);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)["metadata"].contains("deletionTimestamp"));
  ASSERT_TRUE(store.Get(w).ok());
  ASSERT_TRUE(store.Patch(w, {{"metadata", {{"finalizers", nullptr}}}}).ok());
  EXPECT_EQ(store.Get(w).status().code(), StatusCode::kNotFound);
  Result<std::vector<KubeHistoryEvent>> events = store.EventsAfter(0);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().type, "DELETED");
}

TEST(FakeKubeStore, PagedListIsASnapshotAndExpiresOnCompaction) {
  FakeKubeStore store;
  KubeRef coll = Ref(kWorkloads);
  for (char c = 'a'; c <= 'e'; ++c) {
    ASSERT_TRUE(store.Create(coll, {{"metadata", {{"name", std::string(1, c)}}}}).ok());
  }
  LabelSelector all;
  Result<KubeListPage> p1 = store.List(coll, all, 2, "");
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(p1->items.size(), 2u);
  ASSERT_FALSE(p1->continue_token.empty());
  // Changes after the first page do not show in later pages.
  ASSERT_TRUE(store.Remove(std::string(kWorkloads) + "/d").ok());
  ASSERT_TRUE(store.Create(coll, {{"metadata", {{"name", "cc"}}}}).ok());
  std::vector<std::string> names;
  for (auto& i : p1->items) names.push_back(i["metadata"]["name"]);
  std::string token = p1->continue_token;
  while (!token.empty()) {
    Result<KubeListPage> p = store.List(coll, all, 2, token);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->rv, p1->rv);
    for (auto& i : p->items) names.push_back(i["metadata"]["name"]);
    token = p->continue_token;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  store.Compact();
  Result<KubeListPage> expired = store.List(coll, all, 2, p1->continue_token);
  EXPECT_EQ(expired.status().code(), StatusCode::kAborted);
  EXPECT_EQ(store.EventsAfter(p1->rv).status().code(), StatusCode::kAborted);
  EXPECT_TRUE(store.EventsAfter(store.resource_version()).ok());
  EXPECT_EQ(store.List(coll, all, 0, "zz").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace herd::testing
