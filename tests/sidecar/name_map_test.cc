// NameMap and NameSet checked against std::map and std::set under random inserts and erases:
// membership, values, size and iteration, through growing (step by step or reserved ahead),
// shrinking and backward-shift deletion.
#include "sidecar/name_map.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/random.h"

namespace herd::sidecar {
namespace {

TEST(NameSetTest, AgreesWithASetUnderRandomInsertsAndErases) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Random rng(seed);
    NameSet names;
    std::set<std::string> model;
    // Few distinct names, so inserts and erases meet; alike prefixes, as workload names have,
    // and some too long to sit inline in a string.
    auto name = [&rng] {
      const std::string n = "w-" + std::to_string(rng.Uniform(3000));
      return rng.Uniform(8) == 0 ? n + "-with-a-name-longer-than-inline" : n;
    };
    for (int step = 0; step < 30000; ++step) {
      const std::string n = name();
      ASSERT_EQ(names.contains(n), model.count(n) > 0) << "seed=" << seed << " step=" << step;
      if (rng.Uniform(2) == 0) {
        ASSERT_EQ(names.insert(n), model.insert(n).second) << "seed=" << seed;
      } else {
        ASSERT_EQ(names.erase(n), model.erase(n) > 0) << "seed=" << seed;
      }
      ASSERT_EQ(names.size(), model.size()) << "seed=" << seed;
    }
    const std::set<std::string> listed(names.begin(), names.end());
    EXPECT_EQ(listed, model) << "seed=" << seed;
    // Drain (the table shrinks on the way); what is left stays listed and findable.
    while (!model.empty()) {
      auto it = std::next(model.begin(), static_cast<long>(rng.Uniform(model.size())));
      ASSERT_TRUE(names.erase(*it));
      model.erase(it);
      if (model.size() % 97 == 0) {
        ASSERT_EQ(std::set<std::string>(names.begin(), names.end()), model) << "seed=" << seed;
      }
    }
    EXPECT_TRUE(names.empty());
    EXPECT_EQ(names.begin(), names.end());
    EXPECT_FALSE(names.erase("w-1"));
  }
}

// Values move with their entries (here, owning pointers, as the supervisor's children are);
// what they point at stays put.
TEST(NameMapTest, AgreesWithAMapUnderRandomInsertsAndErases) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Random rng(seed);
    NameMap<std::unique_ptr<int>> names;
    std::map<std::string, int> model;
    std::map<std::string, const int*> where;  // each value's address, which must not change
    for (int step = 0; step < 30000; ++step) {
      const std::string n = "w-" + std::to_string(rng.Uniform(3000));
      auto it = names.find(n);
      const bool present = it != names.end();  // `it` is stale after an insert or erase
      ASSERT_EQ(present, model.count(n) > 0) << "seed=" << seed << " step=" << step;
      if (present) {
        ASSERT_EQ(*it->second, model[n]) << "seed=" << seed;
        ASSERT_EQ(it->second.get(), where[n]) << "seed=" << seed;
      }
      switch (rng.Uniform(4)) {
        case 0: {
          auto [entry, added] = names.try_emplace(n);
          ASSERT_EQ(added, !present);
          if (added) {
            entry->second = std::make_unique<int>(step);
            model[n] = step;
            where[n] = entry->second.get();
          }
          break;
        }
        case 1:
          if (!names[n]) {
            names[n] = std::make_unique<int>(-step);
            model[n] = -step;
            where[n] = names[n].get();
          }
          break;
        case 2:
          if (present) {
            names.erase(it);
            model.erase(n);
            where.erase(n);
          }
          break;
        default:
          ASSERT_EQ(names.erase(n), model.erase(n)) << "seed=" << seed;
          where.erase(n);
      }
      // Room made ahead now and then (as a join does for the names it brings) keeps every entry.
      if (step % 1000 == 0) names.reserve(rng.Uniform(4000));
      ASSERT_EQ(names.size(), model.size()) << "seed=" << seed;
    }
    std::map<std::string, int> listed;
    for (const auto& [name, value] : names) listed[name] = *value;
    EXPECT_EQ(listed, model) << "seed=" << seed;
    names.clear();
    EXPECT_TRUE(names.empty());
    EXPECT_EQ(names.begin(), names.end());
    EXPECT_FALSE(names.contains("w-1"));
    names["w-1"] = std::make_unique<int>(1);  // usable again after a clear
    EXPECT_EQ(*names.find("w-1")->second, 1);
  }
}

}  // namespace
}  // namespace herd::sidecar
