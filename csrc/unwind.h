// A thread's forced unwind (pthread_exit, pthread_cancel) must pass through every catch (...)
// on its way: one that swallows it ends the process ("FATAL: exception not rethrown"). CPython
// 3.9-3.13 end a daemon thread that takes the GIL back at interpreter exit that way (gil.h).
#pragma once

#if defined(__GLIBCXX__)
#include <cxxabi.h>
// Before a catch (...) that would swallow it: `CODEBPE_RETHROW_FORCED_UNWIND(stop())` runs
// `stop()` and lets the unwind go on.
#define CODEBPE_RETHROW_FORCED_UNWIND(...) \
  catch (abi::__forced_unwind&) {          \
    __VA_ARGS__;                           \
    throw;                                 \
  }
#else
#define CODEBPE_RETHROW_FORCED_UNWIND(...)
#endif
