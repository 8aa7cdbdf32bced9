// The map's internal containers: KeyIndex (every key, by hash) and Heads (a key's live entries,
// the first inline), each checked against a plain model under random operations.
#include "crdt/key_index.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/random.h"
#include "crdt/heads.h"

namespace herd::crdt {
namespace {

struct Node {
  std::string key;
};
using Keys = std::map<std::string, std::unique_ptr<Node>, std::less<>>;

TEST(KeyIndexTest, FindsEveryKeyOfItsMapUnderRandomInsertsAndErases) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Random rng(seed);
    Keys keys;
    KeyIndex<Node> index;
    for (int step = 0; step < 20000; ++step) {
      // Few distinct keys, so inserts and erases meet; prefixes alike, as in the map.
      const std::string key = "workload/w-" + std::to_string(rng.Uniform(2000));
      const uint64_t hash = KeyIndex<Node>::Hash(key);
      const Node* found = index.Find(key, hash);
      auto it = keys.find(key);
      ASSERT_EQ(found != nullptr, it != keys.end()) << "seed=" << seed << " step=" << step;
      if (found != nullptr) {
        ASSERT_EQ(found, it->second.get()) << "seed=" << seed;
      }
      if (rng.Uniform(2) == 0) {
        if (it == keys.end()) {
          auto node = std::make_unique<Node>(Node{key});
          index.Insert(hash, node.get());
          keys.emplace(key, std::move(node));
        }
      } else if (it != keys.end()) {
        index.Erase(it->second.get());
        keys.erase(it);
      }
      ASSERT_EQ(index.size(), keys.size()) << "seed=" << seed;
    }
    // Drain (the table shrinks on the way); what is left stays findable.
    while (!keys.empty()) {
      auto it = std::next(keys.begin(), static_cast<long>(rng.Uniform(keys.size())));
      index.Erase(it->second.get());
      keys.erase(it);
      for (auto k = keys.begin(); k != keys.end();
           k = std::next(k, std::min<long>(97, std::distance(k, keys.end())))) {
        const Node* found = index.Find(k->first, KeyIndex<Node>::Hash(k->first));
        ASSERT_EQ(found, k->second.get()) << "seed=" << seed << " key=" << k->first;
      }
    }
    EXPECT_EQ(index.size(), 0u);
  }
}

Entry At(uint64_t replica, uint64_t counter) {
  Entry e;
  e.dot = Dot{replica, counter};
  e.value = "v" + std::to_string(counter);
  return e;
}

TEST(HeadsTest, KeepsDotOrderUnderRandomInsertsAndErases) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Random rng(seed);
    Heads heads;
    std::vector<Entry> want;  // sorted by dot
    for (int step = 0; step < 3000; ++step) {
      if (want.size() < 4 && rng.Uniform(2) == 0) {
        Entry e = At(rng.Uniform(3), 1 + rng.Uniform(50));
        auto pos = std::lower_bound(want.begin(), want.end(), e.dot,
                                    [](const Entry& x, const Dot& d) { return x.dot < d; });
        if (pos != want.end() && pos->dot == e.dot) continue;
        want.insert(pos, e);
        heads.Insert(std::move(e));
      } else if (!want.empty()) {
        const size_t i = rng.Uniform(want.size());
        want.erase(want.begin() + static_cast<long>(i));
        heads.Erase(i);
      }
      ASSERT_EQ(heads.size(), want.size()) << "seed=" << seed << " step=" << step;
      ASSERT_EQ(heads.empty(), want.empty());
      size_t i = 0;
      for (const Entry& e : heads) ASSERT_EQ(e, want[i++]) << "seed=" << seed << " step=" << step;
    }
  }
}

TEST(HeadsTest, AMovedFromHeadsIsEmpty) {
  Heads a;
  a.Insert(At(1, 2));
  a.Insert(At(1, 1));
  Heads b = std::move(a);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the state is specified
  EXPECT_EQ(a.size(), 0u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].dot, (Dot{1, 1}));
  EXPECT_EQ(b[1].dot, (Dot{1, 2}));
  a = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.size(), 2u);
}

}  // namespace
}  // namespace herd::crdt
