// Per-thread scratch buffers that short calls reuse instead of allocating.
#pragma once

#include <cstddef>
#include <memory>
#include <utility>

namespace codebpe {

// A buffer taken from this thread's spare one (`Tag` names which spare) for the lifetime of the
// object, cleared, and handed back afterwards unless it grew past `kKeep` elements (a huge
// input must not pin its buffer for the thread's lifetime). Taken rather than borrowed: a nested
// use on the same thread (a finalizer or a codec error handler run in the middle of a call)
// finds the spare empty and gets a buffer of its own instead of the one in use.
template <class Buf, class Tag, size_t kKeep>
struct Scratch {
  Buf v;
  Scratch() {
    v.swap(spare());
    v.clear();
  }
  ~Scratch() {
    if (v.capacity() <= kKeep) v.swap(spare());
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

 private:
  static Buf& spare() {
    thread_local Buf buf;
    return buf;
  }
};

// A byte buffer that grows without zero-filling (the bytes are written before they are read).
struct RawBuf {
  std::unique_ptr<char[]> p;
  size_t cap = 0;

  // At least n bytes, their contents undefined.
  char* reserve(size_t n) {
    if (n > cap) {
      p.reset(new char[n]);
      cap = n;
    }
    return p.get();
  }
  size_t capacity() const { return cap; }
  void clear() {}
  void swap(RawBuf& o) noexcept {
    std::swap(p, o.p);
    std::swap(cap, o.cap);
  }
};

}  // namespace codebpe
