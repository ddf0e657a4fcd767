// Releasing the GIL around C++ work and taking it back, in a way that survives a daemon thread
// at interpreter exit.
//
// subtle: when the interpreter finalizes, a daemon thread that tries to take the GIL back is
// ended by CPython 3.9-3.13 with pthread_exit, which unwinds the thread's stack with
// abi::__forced_unwind. pybind11's gil_scoped_release takes the GIL back in a noexcept destructor
// (the unwind ended in std::terminate, "terminate called without an active exception"), and the
// batch's catch (...) swallowed it ("FATAL: exception not rethrown"): a process whose daemon
// thread was inside encode/count/decode/encode_batch when the main thread returned aborted with
// exit code 134. Letting the unwind go on is no better: the frames it leaves hold Python objects
// (a batch's result list), whose destructors would run without the GIL (that segfaulted). So the
// forced unwind is caught where it starts and the thread sleeps until the process exits, as
// CPython 3.14 itself does with such threads (it hangs them instead of exiting them); the
// process then exits with the main thread's status.
#pragma once

#include <Python.h>

#include <chrono>
#include <thread>
#include <utility>

#include "unwind.h"

namespace codebpe {

// The GIL released for the object's scope (it must be held when the object is made).
class GilRelease {
 public:
  GilRelease() : state_(PyEval_SaveThread()) {}
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;
  ~GilRelease() { restore(); }

  // Take the GIL back now (nothing if it is held).
  void restore() {
    if (PyThreadState* s = std::exchange(state_, nullptr)) take_back(s);
  }
  // Release it again after restore().
  void release() {
    if (state_ == nullptr) state_ = PyEval_SaveThread();
  }

 private:
  static void take_back(PyThreadState* s) {
#if defined(__GLIBCXX__)
    try {
      PyEval_RestoreThread(s);
    } catch (abi::__forced_unwind&) {  // the interpreter is gone: never return (see above)
      for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    }
#else
    PyEval_RestoreThread(s);
#endif
  }

  PyThreadState* state_;
};

// Inside a GilRelease's scope: the GIL held for this object's scope (a callback that builds
// Python objects while C++ threads work).
class GilHold {
 public:
  explicit GilHold(GilRelease& released) : released_(released) { released_.restore(); }
  GilHold(const GilHold&) = delete;
  GilHold& operator=(const GilHold&) = delete;
  ~GilHold() { released_.release(); }  // (never blocks)

 private:
  GilRelease& released_;
};

}  // namespace codebpe
