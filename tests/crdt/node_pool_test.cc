#include "crdt/node_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/random.h"

namespace herd::crdt {
namespace {

struct Block {
  void* p;
  size_t bytes;
  uint8_t fill;
};

// Blocks of every size from 1 byte to past the pooled limit, freed and taken again in random
// order: each is 16-aligned, keeps its bytes while held (no two overlap), and a freed block's
// memory serves the next block of its size class.
TEST(NodePoolTest, BlocksStayApartAndAreReused) {
  Random rng(3);
  NodePool pool;
  std::vector<Block> held;
  auto take = [&](size_t bytes) {
    void* p = pool.Allocate(bytes);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(p) % 16, 0u) << bytes;
    const auto fill = static_cast<uint8_t>(held.size());
    std::memset(p, fill, bytes);
    held.push_back({p, bytes, fill});
  };
  for (int step = 0; step < 20000; ++step) {
    if (held.empty() || rng.Uniform(3) != 0) {
      take(1 + rng.Uniform(NodePool::kMaxPooled + 200));
    } else {
      const size_t i = rng.Uniform(held.size());
      const Block b = held[i];
      const auto* bytes = static_cast<const uint8_t*>(b.p);
      for (size_t k = 0; k < b.bytes; ++k) ASSERT_EQ(bytes[k], b.fill) << "step " << step;
      NodePool::Free(b.p, b.bytes);
      held[i] = held.back();
      held.pop_back();
    }
  }
  const size_t slabs = pool.slabs();
  // Freeing everything and taking as much again needs no new slab.
  std::vector<size_t> sizes;
  for (const Block& b : held) {
    sizes.push_back(b.bytes);
    NodePool::Free(b.p, b.bytes);
  }
  held.clear();
  for (size_t bytes : sizes) take(bytes);
  EXPECT_EQ(pool.slabs(), slabs);
  for (const Block& b : held) NodePool::Free(b.p, b.bytes);
}

// A node is returned to the pool it came from, whichever pool is at hand, and a pool held by
// pointer may move between owners with its nodes out.
TEST(NodePoolTest, FreeFindsTheNodesPool) {
  auto a = std::make_unique<NodePool>();
  auto b = std::make_unique<NodePool>();
  void* from_a = a->Allocate(64);
  void* from_b = b->Allocate(64);
  std::unique_ptr<NodePool> moved = std::move(a);
  NodePool::Free(from_a, 64);
  NodePool::Free(from_b, 64);
  EXPECT_EQ(moved->Allocate(64), from_a);  // its free list, not b's
  EXPECT_EQ(b->Allocate(64), from_b);
  NodePool::Free(from_a, 64);
  NodePool::Free(from_b, 64);
  EXPECT_EQ(moved->slabs(), 1u);
}

}  // namespace
}  // namespace herd::crdt
