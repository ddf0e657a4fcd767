// Per-process random keys for the hash tables that untrusted input fills: the token maps, the
// merge-pair map and the fragment set (from vocabulary files), the tokenizer.json reader's
// vocabulary index, and the trainer's piece counts, pair index and learned tokens (from corpora).
//
// Why: those tables used fixed, public hash functions, and each hash is easy to invert, so a
// file can be made whose keys all share a home slot. 30,000 crafted 8-byte tokens in a .tiktoken
// file made loading 13x slower (0.06 -> 0.80 s) and encoding 1.2 MB of ordinary text 90x slower
// (0.024 -> 2.1 s: every lookup walked the cluster); 20,000 crafted words repeated in a corpus
// made counting 100x slower. With a random key the home slot of each key is unpredictable
// (multiply-shift by a random odd multiplier: two distinct keys share a home with probability at
// most 2 / slots). The keys change where entries lie, never what a lookup returns, so ids,
// count files and vocabularies are the same in every process.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <random>

namespace codebpe {

// Drawn once per process (the OS's entropy, mixed with the clock).
inline uint64_t process_seed() {
  static const uint64_t seed = [] {
    uint64_t s = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    try {
      std::random_device rd;
      s ^= uint64_t{rd()} << 32 ^ rd();
    } catch (const std::exception&) {  // no entropy source: the clock and an address
      s ^= reinterpret_cast<uintptr_t>(&s) * 0x9E3779B97F4A7C15ull;
    }
    return s;
  }();
  return seed;
}

// Which table a key is for (each gets its own).
enum class KeyUse : unsigned {
  kPieceCounts = 0,
  kShortTokens,
  kLongTokens,
  kLongTokensTail,
  kLongTokensSeed,
  kPairs,
  kFragments,
  kHfVocab,
  kTrainPairs,
  kTrainTokens,
};

// An odd 64-bit key for `use`: splitmix64 of the process seed.
inline uint64_t process_key(KeyUse use) {
  uint64_t z = process_seed() + (static_cast<uint64_t>(use) + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) | 1;
}

// The home slot of x in a table of 2^(64 - shift) slots, keyed: multiply-shift by an odd key
// (Dietzfelbinger et al.): two distinct x share a home with probability at most 2 / slots,
// whatever values an attacker picks.
inline size_t keyed_home(uint64_t x, uint64_t key, unsigned shift) { return static_cast<size_t>((x * key) >> shift); }
// keyed_home's shift for a table of `slots` slots (a power of two, at least 2).
inline unsigned home_shift(size_t slots) { return 64 - static_cast<unsigned>(__builtin_ctzll(slots)); }

// The most slots in a row of an open-addressing table that are taken, a run that wraps around
// included (how far a lookup may walk; for tests of the keyed homes above).
template <class Table, class Taken>
size_t longest_taken_run(const Table& slots, Taken taken) {
  const size_t n = slots.size();
  size_t start = 0;
  while (start < n && taken(slots[start])) ++start;
  if (start == n) return n;
  size_t best = 0, run = 0;
  for (size_t k = 1; k <= n; ++k) {
    run = taken(slots[(start + k) % n]) ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

}  // namespace codebpe
