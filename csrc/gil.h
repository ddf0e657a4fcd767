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

#if defined(__GLIBCXX__)
#include <cxxabi.h>  // abi::__forced_unwind
#endif

namespace codebpe {

// This thread never returns: the interpreter has ended it (see above); it sleeps until the
// process exits.
[[noreturn]] inline void park_forever() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

// The GIL released for the object's scope (it must be held when the object is made).
class GilRelease {
 public:
  GilRelease() : state_(PyEval_SaveThread()) {}
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;
  ~GilRelease() { restore(); }

  // Take the GIL back now (nothing if it is held).
  void restore() {
    PyThreadState* s = std::exchange(state_, nullptr);
    if (s == nullptr) return;
#if defined(__GLIBCXX__)
    try {
      PyEval_RestoreThread(s);
    } catch (abi::__forced_unwind&) {
      park_forever();
    }
#else
    PyEval_RestoreThread(s);
#endif
  }
  // Release it again after restore().
  void release() {
    if (state_ == nullptr) state_ = PyEval_SaveThread();
  }

 private:
  PyThreadState* state_;
};

// Inside a GilRelease's scope: run f with the GIL held (a callback that builds Python objects
// or calls Python while C++ threads work), then release it again.
// subtle: Python code run by f (a progress callback, a signal handler, a finalizer that
// allocation triggers) may give the GIL up and find the interpreter finalizing when it takes it
// back: CPython then ends this thread from inside f. That unwind is caught here and the thread
// parks, so it never reaches code that would release a GIL it does not hold (a scope guard's
// PyEval_SaveThread was "Fatal Python error: PyEval_SaveThread" on 3.12, a segfault on 3.13,
// and on 3.11 took the finalizing main thread's state). f itself must call Python through the C
// API, not through C++ objects whose destructors would run, without the GIL, on the way here.
template <class F>
void with_gil(GilRelease& released, F&& f) {
  released.restore();
  try {
    f();
  }
#if defined(__GLIBCXX__)
  catch (abi::__forced_unwind&) {
    park_forever();
  }
#endif
  catch (...) {
    released.release();
    throw;
  }
  released.release();
}

}  // namespace codebpe
