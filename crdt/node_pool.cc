#include "crdt/node_pool.h"

#include <cstdint>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define HERD_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define HERD_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define HERD_POISON(p, n) ((void)(p), (void)(n))
#define HERD_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace herd::crdt {
namespace {

// A slab starts with a pointer to its pool; nodes follow, from one grain on.
constexpr size_t kHeaderBytes = 16;

}  // namespace

NodePool::~NodePool() {
  for (void* slab : slabs_) {
    HERD_UNPOISON(slab, kSlabBytes);
    ::operator delete (slab, std::align_val_t{kSlabBytes});
  }
}

void NodePool::NewSlab() {
  void* slab = ::operator new (kSlabBytes, std::align_val_t{kSlabBytes});
  slabs_.push_back(slab);
  *static_cast<NodePool**>(slab) = this;
  next_ = static_cast<char*>(slab) + kHeaderBytes;
  end_ = static_cast<char*>(slab) + kSlabBytes;
  HERD_POISON(next_, kSlabBytes - kHeaderBytes);
}

void* NodePool::Allocate(size_t bytes) {
  const size_t c = (bytes + kGrain - 1) / kGrain;
  if (c * kGrain > kMaxPooled) return ::operator new(bytes);
  const size_t size = c * kGrain;
  if (FreeNode* node = free_[c]) {
    HERD_UNPOISON(node, size);
    free_[c] = node->next;
    return node;
  }
  // The current slab's rest, when too small, is left unused (under a node's worth).
  if (static_cast<size_t>(end_ - next_) < size) NewSlab();
  void* p = next_;
  next_ += size;
  HERD_UNPOISON(p, size);
  return p;
}

void NodePool::Free(void* p, size_t bytes) {
  const size_t c = (bytes + kGrain - 1) / kGrain;
  if (c * kGrain > kMaxPooled) {
    ::operator delete(p);
    return;
  }
  const auto slab = reinterpret_cast<uintptr_t>(p) & ~(uintptr_t{kSlabBytes} - 1);
  NodePool* pool = *reinterpret_cast<NodePool**>(slab);
  auto* node = static_cast<FreeNode*>(p);
  node->next = pool->free_[c];
  pool->free_[c] = node;
  HERD_POISON(p, c * kGrain);
}

}  // namespace herd::crdt
