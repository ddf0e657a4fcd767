// Per-thread scratch buffers that short calls reuse instead of allocating.
#pragma once

#include <cstddef>

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

}  // namespace codebpe
