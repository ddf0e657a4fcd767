// Large read-mostly tables (the token maps, the fragment set, the id entries) on huge pages.
//
// Why: the lookups into these tables are random over several MiB (o200k's short-token table is
// 4 MiB, its long-token table 2 MiB), so with 4 KiB pages most of them also miss the TLB, and a
// page walk under a hypervisor (nested paging) costs several more memory accesses. With 2 MiB
// pages the whole set of tables is covered by a few TLB entries. Measured with the C++ driver
// (Encoder::encode over 1 MB per domain, cold piece cache, 7 alternating rounds of best-of-5,
// median of the paired ratios, two runs): o200k code 1.04-1.07x, English 1.04x, Chinese
// 1.01-1.06x; cl100k (half the table size) 0.99-1.09x. Through Python (encode, lists) the gain was
// within the noise of the run (0.89-1.06x). Putting the small tables (the 2-byte
// table, the filters: 128-256 KiB each) on huge pages too, each rounded up to 2 MiB, gave
// nothing more (0.98-1.05x) for 8 MiB more memory, so blocks under 1 MiB stay ordinary.
//
// How: blocks of 1 MiB or more are 2 MiB-aligned, rounded up to whole 2 MiB pages and advised
// MADV_HUGEPAGE before anything touches them (the table is filled after allocation), so the
// kernel backs them with transparent huge pages in both of its usual modes ("always" and
// "madvise"). The advice is only advice: without it (other systems, THP off) the tables work the
// same on small pages.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace codebpe {

template <class T>
struct HugeAllocator {
  using value_type = T;
  HugeAllocator() = default;
  template <class U>
  HugeAllocator(const HugeAllocator<U>&) {}  // NOLINT: rebinding, as std::allocator does

  T* allocate(size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (huge(n)) {
      if (n > (~size_t{0} - kPage) / sizeof(T)) throw std::bad_alloc();
      const size_t bytes = (n * sizeof(T) + kPage - 1) / kPage * kPage;
      void* p = std::aligned_alloc(kPage, bytes);
      if (p == nullptr) throw std::bad_alloc();
      madvise(p, bytes, MADV_HUGEPAGE);  // advice: a failure leaves ordinary pages
      return static_cast<T*>(p);
    }
#endif
    return std::allocator<T>().allocate(n);
  }
  void deallocate(T* p, size_t n) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (huge(n)) return std::free(p);
#endif
    std::allocator<T>().deallocate(p, n);
  }

  template <class U>
  bool operator==(const HugeAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const HugeAllocator<U>&) const { return false; }

 private:
  static constexpr size_t kPage = size_t{2} << 20;
  // The same n decides in allocate and deallocate (a vector frees with its capacity).
  static bool huge(size_t n) { return n >= (size_t{1} << 20) / sizeof(T); }
};

template <class T>
using HugeVector = std::vector<T, HugeAllocator<T>>;

}  // namespace codebpe
