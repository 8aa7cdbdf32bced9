// NodePool: the memory of one map's key nodes, carved from 64 KiB slabs in 16-byte size
// classes and recycled through a free list per class. A node costs a pointer bump or a pop,
// where malloc spent about 150 instructions finding a chunk for each of the hundreds of
// thousands of keys a member's map holds, and 8 bytes of header. Nodes above 512 bytes (keys
// of some 380 bytes and more) come from operator new.
//
// A pooled node finds its pool through its slab's header (slabs are aligned to their size), so
// a node's deleter needs no pointer to the pool. The pool must outlive its nodes and stay put
// (its owner holds it by pointer). Freed memory is kept for the next node, not returned: a
// map's pool is as big as the most keys it held at once. Under AddressSanitizer, free memory
// is poisoned. Internal to herd::crdt; single-threaded.
#pragma once

#include <cstddef>
#include <vector>

namespace herd::crdt {

class NodePool {
 public:
  NodePool() = default;
  NodePool(const NodePool&) = delete;
  NodePool& operator=(const NodePool&) = delete;
  ~NodePool();

  // Memory for `bytes`, aligned to 16.
  void* Allocate(size_t bytes);
  // Returns memory that Allocate(bytes) of any pool gave.
  static void Free(void* p, size_t bytes);

  size_t slabs() const { return slabs_.size(); }

  static constexpr size_t kSlabBytes = 64 * 1024;
  static constexpr size_t kMaxPooled = 512;

 private:
  static constexpr size_t kGrain = 16;
  static constexpr size_t kClasses = kMaxPooled / kGrain + 1;
  struct FreeNode {
    FreeNode* next;
  };

  void NewSlab();

  FreeNode* free_[kClasses] = {};  // by size class: bytes rounded up to kGrain, / kGrain
  std::vector<void*> slabs_;
  char* next_ = nullptr;  // the current slab's unused part
  char* end_ = nullptr;
};

}  // namespace herd::crdt
