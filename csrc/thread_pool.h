// A persistent pool of worker threads for batch calls.
#pragma once

#include <cstddef>
#include <functional>

namespace codebpe {

// Run `fn` on `n` threads at once (the calling thread is one of them) and return when all have
// returned. `fn` must not throw (catch inside it).
//
// Invariants: the workers persist between calls, so their thread-local piece caches stay warm
// from one batch to the next; one call at a time uses the pool, a concurrent call (another
// Python thread) or a call in a forked child runs on fresh std::threads instead. The pool is
// never destroyed (its idle workers block on a condition variable until the process exits).
void run_on_threads(size_t n, const std::function<void()>& fn);

}  // namespace codebpe
