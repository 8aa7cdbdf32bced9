// Unit tests of EndpointSlice decoding and of EndpointMembership (no sockets).
#include "k8s/endpoint_slice.h"

#include <gtest/gtest.h>

#include "k8s/endpoint_membership.h"

namespace herd::k8s {
namespace {

using nlohmann::json;

json Endpoint(const std::string& name, const std::string& ip, json ready = true) {
  json e = {{"addresses", {ip}}, {"targetRef", {{"kind", "Pod"}, {"name", name}}}};
  if (!ready.is_null()) e["conditions"] = {{"ready", ready}};
  return e;
}

json Slice(const std::string& name, std::vector<json> endpoints, json ports = nullptr) {
  if (ports.is_null()) ports = json::array({{{"name", "peer"}, {"port", 7946}}});
  return {{"kind", "EndpointSlice"},
          {"apiVersion", "discovery.k8s.io/v1"},
          {"metadata",
           {{"name", name},
            {"namespace", "herd"},
            {"labels", {{"kubernetes.io/service-name", "herd"}}}}},
          {"addressType", "IPv4"},
          {"ports", ports},
          {"endpoints", endpoints}};
}

TEST(DecodeEndpointSlice, ReadyEndpointsWithNamesAndPeerPort) {
  json s =
      Slice("herd-abc",
            {Endpoint("herd-0", "10.0.0.1"), Endpoint("herd-1", "10.0.0.2", false),
             Endpoint("herd-2", "10.0.0.3", nullptr)},
            json::array({{{"name", "api"}, {"port", 7070}}, {{"name", "peer"}, {"port", 7946}}}));
  Result<EndpointSliceInfo> info = DecodeEndpointSlice(s);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->name, "herd-abc");
  EXPECT_EQ(info->namespace_, "herd");
  ASSERT_EQ(info->endpoints.size(), 3u);
  EXPECT_EQ(info->endpoints[0], (SliceEndpoint{"herd-0", "10.0.0.1:7946", true}));
  EXPECT_EQ(info->endpoints[1], (SliceEndpoint{"herd-1", "10.0.0.2:7946", false}));
  EXPECT_EQ(info->endpoints[2], (SliceEndpoint{"herd-2", "10.0.0.3:7946", true}));  // absent
}

TEST(DecodeEndpointSlice, FirstPortWhenNoneIsNamedPeerHostnameFallbackAndIpv6) {
  json e = {{"addresses", {"fd00::7"}}, {"hostname", "herd-7"}};
  json s = Slice("v6", {e}, json::array({{{"name", "api"}, {"port", 7070}}}));
  s["addressType"] = "IPv6";
  Result<EndpointSliceInfo> info = DecodeEndpointSlice(s);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->endpoints[0], (SliceEndpoint{"herd-7", "[fd00::7]:7070", true}));
}

TEST(DecodeEndpointSlice, EmptyOrNullEndpointsAreNoMembers) {
  json s = Slice("empty", {});
  s["endpoints"] = nullptr;
  s.erase("ports");
  Result<EndpointSliceInfo> info = DecodeEndpointSlice(s);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->endpoints.empty());
}

TEST(DecodeEndpointSlice, RejectsBadInputNamingTheField) {
  struct Case {
    std::string what;
    json slice;
    std::string field;
  };
  json base = Slice("s", {Endpoint("herd-0", "10.0.0.1")});
  auto with = [&](auto edit) {
    json s = base;
    edit(s);
    return s;
  };
  std::vector<Case> cases = {
      {"not an object", json::array(), ""},
      {"wrong kind", with([](json& s) { s["kind"] = "Service"; }), "kind"},
      {"no metadata", with([](json& s) { s.erase("metadata"); }), "metadata"},
      {"no name", with([](json& s) { s["metadata"].erase("name"); }), "metadata.name"},
      {"name with space", with([](json& s) { s["metadata"]["name"] = "a b"; }), "metadata.name"},
      {"address type", with([](json& s) { s["addressType"] = "IPv5"; }), "addressType"},
      {"endpoints not array", with([](json& s) { s["endpoints"] = "x"; }), "endpoints"},
      {"no ports", with([](json& s) { s.erase("ports"); }), "ports"},
      {"empty ports", with([](json& s) { s["ports"] = json::array(); }), "ports"},
      {"port out of range", with([](json& s) { s["ports"][0]["port"] = 70000; }), "ports[0].port"},
      {"port not integer", with([](json& s) { s["ports"][0]["port"] = "80"; }), "ports[0].port"},
      {"port name type", with([](json& s) { s["ports"][0]["name"] = 3; }), "ports[0].name"},
      {"no addresses", with([](json& s) { s["endpoints"][0].erase("addresses"); }),
       "endpoints[0].addresses"},
      {"empty addresses", with([](json& s) { s["endpoints"][0]["addresses"] = json::array(); }),
       "endpoints[0].addresses"},
      {"address junk", with([](json& s) { s["endpoints"][0]["addresses"][0] = "1.2.3.4/8"; }),
       "endpoints[0].addresses[0]"},
      {"ready not bool", with([](json& s) { s["endpoints"][0]["conditions"]["ready"] = "yes"; }),
       "endpoints[0].conditions.ready"},
      {"conditions type", with([](json& s) { s["endpoints"][0]["conditions"] = 1; }),
       "endpoints[0].conditions"},
      {"no name at all", with([](json& s) { s["endpoints"][0].erase("targetRef"); }),
       "endpoints[0]"},
      {"target name type", with([](json& s) { s["endpoints"][0]["targetRef"]["name"] = 1; }),
       "endpoints[0].targetRef.name"},
      {"target name empty", with([](json& s) { s["endpoints"][0]["targetRef"]["name"] = ""; }),
       "endpoints[0].targetRef.name"},
      {"endpoint not object", with([](json& s) { s["endpoints"][0] = 5; }), "endpoints[0]"},
  };
  for (const Case& c : cases) {
    Result<EndpointSliceInfo> info = DecodeEndpointSlice(c.slice);
    ASSERT_FALSE(info.ok()) << c.what;
    EXPECT_EQ(info.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(info.status().field(), c.field) << c.what << ": " << info.status();
  }
}

TEST(DecodeEndpointSlice, BoundsEndpointsAndBytes) {
  json s = Slice("big", std::vector<json>(kMaxEndpoints + 1, Endpoint("a", "10.0.0.1")));
  Result<EndpointSliceInfo> info = DecodeEndpointSlice(s);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().field(), "endpoints");
  Result<EndpointSliceInfo> huge = DecodeEndpointSliceJson(std::string(kMaxSliceBytes + 1, ' '));
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  Result<EndpointSliceInfo> junk = DecodeEndpointSliceJson("{\"kind\":");
  EXPECT_EQ(junk.status().code(), StatusCode::kInvalidArgument);
  Result<EndpointSliceInfo> deep = DecodeEndpointSliceJson(std::string(100000, '['));
  EXPECT_EQ(deep.status().code(), StatusCode::kInvalidArgument);
}

// --- EndpointMembership ---

StoreEvent Put(const json& slice, StoreEvent::Kind kind = StoreEvent::Kind::kAdded) {
  return {kind, "herd/" + slice["metadata"]["name"].get<std::string>(), slice, nullptr};
}
StoreEvent Gone(const std::string& name) {
  return {StoreEvent::Kind::kDeleted, "herd/" + name, json::object(), nullptr};
}

TEST(EndpointMembership, FirstListAlwaysReportsEvenWhenEmpty) {
  std::vector<Members> calls;
  EndpointMembership m([&](const Members& x) { calls.push_back(x); });
  m.Apply({false, {Put(Slice("a", {Endpoint("herd-0", "10.0.0.1")}))}});  // before any list
  EXPECT_TRUE(calls.empty());
  m.Apply({true, {}});
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], (Members{{"herd-0", "10.0.0.1:7946"}}));
  m.Apply({true, {}});  // a relist that changes nothing: no call
  EXPECT_EQ(calls.size(), 1u);
}

TEST(EndpointMembership, AddUnreadyRemoveAcrossSlices) {
  std::vector<Members> calls;
  EndpointMembership m([&](const Members& x) { calls.push_back(x); });
  m.Apply({true,
           {Put(Slice("a", {Endpoint("herd-0", "10.0.0.1"), Endpoint("herd-1", "10.0.0.2")})),
            Put(Slice("b", {Endpoint("herd-2", "10.0.0.3")}))}});
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls.back(), (Members{{"herd-0", "10.0.0.1:7946"},
                                   {"herd-1", "10.0.0.2:7946"},
                                   {"herd-2", "10.0.0.3:7946"}}));
  // herd-1 goes unready.
  m.Apply({false,
           {Put(Slice("a", {Endpoint("herd-0", "10.0.0.1"), Endpoint("herd-1", "10.0.0.2", false)}),
                StoreEvent::Kind::kUpdated)}});
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls.back(), (Members{{"herd-0", "10.0.0.1:7946"}, {"herd-2", "10.0.0.3:7946"}}));
  // An update that changes nothing visible: no call.
  m.Apply({false,
           {Put(Slice("a", {Endpoint("herd-0", "10.0.0.1"), Endpoint("herd-1", "10.0.0.2", false)}),
                StoreEvent::Kind::kUpdated)}});
  EXPECT_EQ(calls.size(), 2u);
  // Slice b disappears.
  m.Apply({false, {Gone("b")}});
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls.back(), (Members{{"herd-0", "10.0.0.1:7946"}}));
  EXPECT_EQ(m.members(), calls.back());
}

TEST(EndpointMembership, SameMemberInTwoSlicesFirstSliceWins) {
  std::vector<Members> calls;
  EndpointMembership m([&](const Members& x) { calls.push_back(x); });
  m.Apply({true,
           {Put(Slice("b", {Endpoint("herd-0", "10.0.0.9")})),
            Put(Slice("a", {Endpoint("herd-0", "10.0.0.1")}))}});
  EXPECT_EQ(calls.back(), (Members{{"herd-0", "10.0.0.1:7946"}}));
  m.Apply({false, {Gone("a")}});
  EXPECT_EQ(calls.back(), (Members{{"herd-0", "10.0.0.9:7946"}}));
}

TEST(EndpointMembership, InvalidSliceContributesNothingAndIsCounted) {
  std::vector<Members> calls;
  EndpointMembership m([&](const Members& x) { calls.push_back(x); });
  m.Apply({true, {Put(Slice("a", {Endpoint("herd-0", "10.0.0.1")}))}});
  json bad = Slice("a", {Endpoint("herd-0", "10.0.0.1")});
  bad["ports"] = "nope";
  m.Apply({false, {Put(bad, StoreEvent::Kind::kUpdated)}});
  EXPECT_EQ(m.decode_errors(), 1u);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(calls.back().empty());
}

TEST(EndpointMembershipSource, RejectsBadNamespaceAndService) {
  class NoClient : public KubeClient {
    Result<ListResult> List(const std::string&, const ListOptions&) override {
      return Unavailable("no");
    }
    Status Watch(const std::string&, const WatchOptions&, const EventFn&, Cancellation&) override {
      return Unavailable("no");
    }
    Result<json> Patch(const std::string&, const json&) override { return Unavailable("no"); }
  } client;
  EndpointMembershipOptions o;
  o.service = "herd";
  auto a = EndpointMembershipSource::Create(client, o, nullptr);
  EXPECT_EQ(a.status().field(), "namespace");
  o.namespace_ = "herd";
  o.service = "Bad_Name";
  auto b = EndpointMembershipSource::Create(client, o, nullptr);
  EXPECT_EQ(b.status().field(), "service");
  EXPECT_EQ(EndpointSlicesPath("ns"), "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices");
}

}  // namespace
}  // namespace herd::k8s
