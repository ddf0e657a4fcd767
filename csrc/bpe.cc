// BPE merge loop and token tables. Design notes:
//
// * Rank mode (tiktoken, codebpe) looks up the concatenated bytes of each candidate pair in the
//   token map, as tiktoken does, but the map is built for it: 2-byte tokens (every initial pair)
//   in a direct 64 Ki table, 3-8 byte tokens inline in 16-byte slots (one cache line, no key
//   compare elsewhere), longer ones behind a 128 KiB bitmap pre-filter that rejects most non-tokens
//   without hashing the span. First version: a pair table (left id, right id) -> (rank, merged)
//   built by enumerating every token's split points: ~0.9 M pairs, 32 MB, 0.5 s to build, and a
//   cache miss per lookup; the byte-span lookup into the hot token map was faster (Chinese 17 ->
//   21 MB/s end to end after the 2-byte table and the pre-filter). The pair table stays for merge
//   mode (Hugging Face), where the priority is the merge index, not a rank.
// * Two loops. Pieces of up to kSmall bytes use small arrays indexed by a part's first byte
//   (ids, next, prev, pair priorities); each step takes the minimum priority (vectorised min,
//   then its first position), merges, and unlinks the right part: O(n^2) compares but no data
//   moves. The first version kept the parts packed and memmoved four arrays per merge: the A/B
//   against it gave code 47 -> 55-59, English 51 -> 53-60, Chinese 23.5 -> 25.6 MB/s end to end.
//   kSmall 24 / 48 / 96 / 192 measured: 192 best on Chinese (27 -> 28.5 MB/s over 96, code and
//   English unchanged); a heap above 32 on reused thread-local
//   buffers was ~3% slower everywhere. A two-pass argmin beat a branchy single pass by ~5% on
//   code/English. A per-thread 8 Ki-slot cache of 3-8 byte span lookups gave nothing.
//   Longer pieces use a doubly linked list plus a binary min-heap of (priority, position) with
//   lazy deletion: O(n log n), so 1 MB of one character finishes in ~0.3 s.
// * Short-token pre-filter for pair lookups (rank mode): perf on Chinese (cl100k, cold cache) put
//   ~55% of the time in merge_small and most of that on one load, the id of a 3-8 byte slot:
//   a cache miss into the 2-4 MiB short table, for spans that are mostly not tokens (two CJK
//   characters). A 2^20-bit (128 KiB) bitmap keyed like the slots rejects most of them first
//   (TokenMap::find_pair); whole-piece lookups, mostly hits, skip it. Together with a 4-wide
//   SSE2 search for the first minimum (the scalar search was ~13% of merge_small's samples),
//   A/B alternating old/new, process CPU time, best of 3 alternations, 1 MB per domain:
//   cl100k code 37.0 -> 38.4, Chinese 16.7 -> 19.0, English 36.1 -> 37.1 MB/s; o200k code
//   50.7 -> 50.8, Chinese 19.6 -> 22.9, English 48.5 -> 48.6 (machine shared, ±15% per run).
//   The SSE2 search alone was within noise (cl100k Chinese 15.1-15.7 vs 14.7-16.3).
//   Rejected: priorities stored biased as signed ints so the SSE2 min is a signed compare
//   (two fewer ops per 4 entries): A/B within noise (cl100k Chinese 25.8-26.4 vs 23.5-29.0).
// * Safe cuts (what replaced "start CJK BPE from whole characters", which is not exact in
//   general). A merge joins two adjacent parts into a token of the vocabulary, so if no token can
//   occur in the piece across position k, no merge ever crosses k and
//   BPE(piece) == BPE(piece[0, k)) + BPE(piece[k, n)) -- in rank mode and in merge mode alike.
//   The test is a superset check from a bitmap built once per vocabulary: for every token and
//   every inner position j that is a cut candidate (a character start with a non-ASCII byte on a
//   side), the fragment (up to 3 bytes before j, up to 3 after, cut at the token's ends) sets one
//   bit; a cut at k is safe when none of the 9 fragment shapes around k has its bit. ASCII text is
//   never cut (nearly every ASCII pair occurs inside some token). Measured on 300 KB of the
//   Chinese corpus: cl100k has 3.9 k fragments and 82% of the cut candidates inside non-token
//   pieces are safe, leaving chunks of 3.5 bytes on average with 1.9 k distinct chunks (so the
//   piece cache, which now holds chunks, nearly always hits); o200k has 58 k fragments, 69% safe,
//   4.0 bytes, 2.7 k distinct. End to end (cl100k, one thread, CPU time, A/B alternating on the
//   shared machine, best of 3): Chinese 27.1 -> 43.0 MB/s, code and English unchanged within
//   noise. The bitmap alone was a filter with false alarms: 9 probes at ~3% density lost ~24% of
//   the safe cuts (13 k cold chunk merges per MB of Chinese instead of 4.5 k); a positive bit is
//   now confirmed in an exact open-addressing set of the distinct fragments (cl100k 3.9 k, o200k
//   58 k), and the encoder memoises the answer per 6-byte window (encode.cc). Chunks of 1-3 bytes skip the cache: merge_tiny writes their
//   one or two merges out. Tests: tests/test_encoding.py::test_safe_cuts_* (cut vs uncut BPE on
//   arbitrary bytes, parity with tiktoken on non-ASCII-dense text).
//   Between two whole 3-byte characters c1 | c2 (2026-11-29, eighth session) the nine probes
//   are mostly skipped (may_cross_3x3): eight of the shapes see only one of the characters plus
//   continuation or lead bytes, so they reduce to a flag per code point (set at build time:
//   "a token has a fragment of such a shape next to this character"), and the ninth, 3+3, is
//   a lookup of (c1, c2) in a filter of the pairs of whole 3-byte characters that occur inside
//   tokens (o200k: 11.9 k pairs, cl100k: 407). Cuts of 1 MB of pure Chinese decided without
//   may_cross: o200k 88% (25% of them unsafe), cl100k 74% of the candidates of mixed Chinese
//   text. C++ driver, cold cache, 5 alternating rounds (median paired ratio): pure Chinese
//   cl100k 1.15x, o200k 1.12x; mixed Chinese 1.06x / 1.05x, with a one-bit-per-pair bitmap and
//   an exact set behind it. The set's probes were then ~15% of merge_piece's samples, and a
//   false alarm only leaves a safe cut uncut (still exact), so the set went: a blocked Bloom
//   filter (two bits in one 64-bit word per pair, 32 bits per pair: o200k 64 KiB) alone loses
//   0.27% (o200k) / 0.35% (cl100k) of the safe cuts and is faster again: 7 alternating rounds,
//   pure Chinese cl100k 1.11x, o200k 1.19x; mixed 1.04x / 1.06x. Through Python
//   (encode_ordinary on the benchmark's Chinese documents, cold, two alternating runs, the
//   exact-set version): o200k 5.6 -> 5.9x tiktoken, cl100k 7.1 -> 7.4x. Tests check its cuts
//   against the full test on every token's windows and on random 3-byte strings (every cut
//   allowed, >= 99% of the allowed ones made: test_cut_shortcut_*).
// * Short pieces (<= 32 bytes) find the minimum with a scalar, branch-free (cmov) walk over the
//   live parts instead of the 4-wide vector scan: each merge writes prio[] with scalar stores and
//   a 16-byte load right after cannot be store-forwarded from them (a stall per merge), and a
//   branchy scalar walk mispredicts on every new minimum. Measured with a C++ harness over the
//   5963 distinct non-token pieces of 1 MB of code (cl100k, warm tables, best of 4 interleaved):
//   vector 621 ns/piece, branchy walk 612, cmov walk 392; o200k 368 -> 288. In situ (cold cache
//   benchmark) that is ~3% of encode time, within the machine's noise.
//   Rejected: a 512 KiB "hot" table of the 3-8 byte tokens with ids < 16384 probed before the
//   main one (85% of whole-piece hits fall in it): the second probe for the other tokens cost
//   more than it saved (harness 398 -> 472 ns/piece cl100k, 299 -> 388 o200k); used for
//   whole-piece lookups only (12 k hot tokens, table 3/4 full), those went 12.2 -> 17.5 ns each
//   over the 239 k pieces of 1 MB of code. Also rejected:
//   3-4 byte tokens in their own table of 8-byte slots (bytes as key, id and length packed), to
//   halve the lines the most frequent hits touch: whole-piece lookups of the 239 k pieces of 1 MB
//   of code 12.6 -> 14.2 ns each, BPE 392 -> 406 ns per piece (best of 4 interleaved).
// * Long tokens (> 8 bytes): the pre-filter grew from 2^18 to 2^20 bits (o200k's 52 k long
//   tokens had set 20% of the old one), hash_bytes ends with an overlapping 8-byte load instead of
//   a variable-length memcpy (a libc call), and keys compare with overlapping word loads
//   (bytes_equal) instead of memcmp. C++ harness, best of 4 interleaved: o200k English 95.9 ->
//   101.7 MB/s, code 99.7 -> 102.0; cl100k code 97.4 -> 100.7, Chinese 72.6 -> 74.1.
//   Later the slot (now 32 bytes) holds the token's first and last 8 bytes, which for the usual
//   9-16 byte tokens are the whole token: a hit no longer reads the arena (a second cache miss;
//   perf had put 41% of find_long's samples on the slot load and most of the rest on the arena
//   compare). perf, o200k English, warm cache: find_long 11.9% -> 8.5% of the samples; C++ A/B,
//   5 rounds, median paired ratio: cold 1.01-1.05 (code, English), 1.02-1.06 (Chinese).
//   Rejected with it: prefetching the slot of the piece 4 or 8 ahead in the whole-piece loop
//   (0.95-1.01: the out-of-order core already overlaps those loads).
// * Whole-piece lookups of pieces inside a longer text (all but the text's last 7 bytes) read the
//   piece as one 8-byte load, masked to its length (TokenMap::find_piece): tokens of 1-8 bytes
//   are keyed by their zero-padded bytes, and the 1- and 2-byte tokens are in the short table
//   too, so there is no branch on the length up to 8. Piece lengths follow no pattern, and
//   cachegrind's branch simulation (1 MB of code, cl100k) put ~1 mispredict per piece in
//   encode_piece before (239 k over 239 k pieces) against 96 k after, for 2.3 M more
//   instructions (~10 per piece). A standalone lookup loop over the same pieces: 16.4-17.0 ->
//   12.4-13.1 ns per lookup. End to end it is within this machine's noise (+-15% per run).
// * Rejected (2026-12, o200k English, cold cache; through Python, encode_ordinary on 1 MB,
//   alternating processes, median paired ratio of 6-8 pairs). Profile first: of the cold run's
//   extra time over the warm one (150 vs ~245 MB/s), nearly all is the BPE of the ~4.6 k distinct
//   non-token pieces (avg 9.5 bytes, 33.5 k merges, ~260 instructions and ~50 ns per merge:
//   latency of the walk and of the two pair lookups, perf puts ~35% of merge_small's samples on
//   the filter-bitmap and short-slot loads). (1) find_pair prefetching the short slot before
//   testing the bitmap: en 0.989, zh 1.002 (the CPU already speculates past the bitmap branch).
//   (2) Two merges per walk on short pieces: the walk also tracks the first minimum of the other
//   parts, and when that pair is neither neighbour of the merged one and still below both pairs
//   the merge rewrote, it is merged next without a walk (exact: ties by position): en 0.980,
//   code 1.014, zh 0.948; callgrind 8.8 M -> 10.6 M instructions in merge_small per MB (the
//   two-minimum walk costs more than the walks it saves, and the lookups stay serial).
//   (3) Weighed, not built (twenty-first session): the BPE of several such pieces in lockstep,
//   one merge step of each in turn, so that one piece's dependent pair lookups overlap the
//   others'. Its ceiling is the gap between warm and cold tables: ~290 ns per piece in the
//   harness above (o200k, warm, pieces of code) against ~490 in a cold pass over 1 MB of English
//   (perf: merge_small 26% of ~8.7 ms, 4.6 k pieces), so at most ~0.9 ms per MB (~10%), of which
//   lockstep hides a part, for deferring those pieces and splicing their ids in afterwards.
//   (4) The same overlap inside one piece (twenty-second session): every 3- and 4-byte span of
//   a piece looked up before the merge loop, all independent (find_pair), and the loop's queries
//   of those lengths read from the array. Of 1 MB of English (o200k) the 4.8 k distinct ASCII
//   pieces that are no token ask 33.7 k merges' worth of queries, 20.2 k of 3 bytes and 12.3 k of
//   4, so ~60% of the serial loads go; but up front there are ~2n lookups per piece against ~6.6
//   asked. Through Python, cold, 8 alternating pairs, median paired ratio: code 1.036, Chinese
//   1.049, English 0.957; the 3-byte spans alone: 0.918 / 0.933 / 1.009. Noise either way.
// * Ties: both loops merge the leftmost of the lowest-priority pairs, exactly as tiktoken's
//   byte_pair_merge (first minimum) and Hugging Face's Word::merge_all ((rank, pos) heap order).
#include "bpe.h"

#include <algorithm>
#include <queue>
#include <stdexcept>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace codebpe {

namespace {
constexpr size_t kSmall = 192;

// Index of the first entry equal to v; one must exist, and a[i..i+3] must be readable for every
// i up to it rounded down to a multiple of 4.
inline uint32_t first_equal(const uint32_t* a, uint32_t v) {
#if defined(__SSE2__)
  const __m128i key = _mm_set1_epi32(static_cast<int>(v));
  for (uint32_t i = 0;; i += 4) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i));
    const int m = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(x, key)));
    if (m) return i + static_cast<uint32_t>(__builtin_ctz(static_cast<unsigned>(m)));
  }
#else
  uint32_t i = 0;
  while (a[i] != v) ++i;
  return i;
#endif
}

size_t pow2_at_least(size_t n) {  // at least 16 (home_shift needs 2)
  size_t c = 16;
  while (c < n) c <<= 1;
  return c;
}
}  // namespace

void TokenMap::build(const std::vector<std::string>& tokens) {
  size_t n_short = 0, n_long = 0, total = 0;
  for (const auto& t : tokens) {
    if (t.empty()) continue;
    if (t.size() <= 8) ++n_short; else ++n_long, total += t.size();
  }
  short_.assign(pow2_at_least(n_short + n_short / 2 + 1), ShortSlot{});
  short_mask_ = short_.size() - 1;
  short_shift_ = home_shift(short_.size());
  slots_.assign(pow2_at_least(n_long * 2 + 1), Slot{});
  mask_ = slots_.size() - 1;
  long_shift_ = home_shift(slots_.size());
  arena_.clear();
  arena_.reserve(total);
  two_.assign(65536, kNoId);
  long_filter_.assign((size_t{1} << kLongFilterBits) / 64, 0);
  short_filter_.assign((size_t{1} << 20) / 64, 0);
  for (size_t id = 0; id < tokens.size(); ++id) {
    const std::string& t = tokens[id];
    if (t.empty()) continue;
    if (find(t.data(), t.size()) != kNoId) continue;  // duplicate bytes: the lower id wins
    if (t.size() == 2) {
      two_[static_cast<unsigned char>(t[0]) << 8 | static_cast<unsigned char>(t[1])] = static_cast<uint32_t>(id);
    }
    if (t.size() <= 8) {  // 1- and 2-byte tokens too, for find_piece
      uint64_t key = short_key(t.data(), t.size());
      size_t i = short_index(key, t.size());
      while (short_[i].id != kNoId) i = (i + 1) & short_mask_;
      short_[i] = ShortSlot{key, static_cast<uint32_t>(id), static_cast<uint32_t>(t.size())};
      const size_t f = short_filter_index(key, t.size());
      short_filter_[f >> 6] |= uint64_t{1} << (f & 63);
      continue;
    }
    const uint64_t head = load64(t.data()), tail = load64(t.data() + t.size() - 8);
    size_t f = long_filter_index(head, tail, t.size());
    long_filter_[f >> 6] |= uint64_t{1} << (f & 63);
    size_t i = long_index(t.data(), t.size(), head, tail);
    while (slots_[i].id != kNoId) i = (i + 1) & mask_;
    slots_[i] = Slot{head, tail, static_cast<uint32_t>(id), static_cast<uint32_t>(t.size()),
                     static_cast<uint32_t>(arena_.size()), 0};
    arena_ += t;
  }
}

uint32_t TokenMap::find_long(const char* p, size_t n, bool filter) const {
  const uint64_t head = load64(p), tail = load64(p + n - 8);
  if (filter) {
    const size_t f = long_filter_index(head, tail, n);
    if (!(long_filter_[f >> 6] >> (f & 63) & 1)) return kNoId;
  }
  for (size_t i = long_index(p, n, head, tail);; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.head == head && s.tail == tail && s.len == n &&
        (n <= 16 || bytes_equal(arena_.data() + s.off + 8, p + 8, n - 16))) {
      return s.id;
    }
    if (s.id == kNoId) return kNoId;
  }
}

void PairMap::reserve(size_t n) {
  slots_.assign(pow2_at_least(n * 2 + 1), Slot{});
  mask_ = slots_.size() - 1;
  shift_ = home_shift(slots_.size());
  size_ = 0;
}

void PairMap::grow() {
  HugeVector<Slot> old;
  old.swap(slots_);
  reserve(old.size());
  for (const Slot& s : old) {
    if (s.key != kEmpty) insert(static_cast<uint32_t>(s.key >> 32), static_cast<uint32_t>(s.key), s.prio, s.merged);
  }
}

void PairMap::insert(uint32_t a, uint32_t b, uint32_t prio, uint32_t merged) {
  if (slots_.empty() || (size_ + 1) * 2 > slots_.size()) grow();
  uint64_t key = (uint64_t{a} << 32) | b;
  size_t i = index(key);
  while (slots_[i].key != kEmpty) {
    if (slots_[i].key == key) return;
    i = (i + 1) & mask_;
  }
  slots_[i] = Slot{key, prio, merged};
  ++size_;
}

void BpeModel::build(const std::vector<std::string>& tokens,
                     const std::vector<std::pair<uint32_t, uint32_t>>& merges) {
  if (tokens.size() >= 0x80000000u) throw std::invalid_argument("too many tokens");  // (merge_heap)
  tokens_.build(tokens);
  token_len_.resize(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) token_len_[i] = static_cast<uint32_t>(tokens[i].size());
  for (int c = 0; c < 256; ++c) {
    char ch = static_cast<char>(c);
    byte_ids_[c] = tokens_.find(&ch, 1);
  }
  build_cross(tokens);
  rank_mode_ = merges.empty();
  if (!rank_mode_) {
    pairs_.reserve(merges.size() + 16);
    std::string buf;
    for (size_t i = 0; i < merges.size(); ++i) {
      auto [a, b] = merges[i];
      if (a >= tokens.size() || b >= tokens.size() || tokens[a].empty() || tokens[b].empty()) {
        throw std::invalid_argument("merge " + std::to_string(i) + " refers to an unknown id");
      }
      buf = tokens[a];
      buf += tokens[b];
      uint32_t merged = tokens_.find(buf.data(), buf.size());
      if (merged == kNoId) {
        throw std::invalid_argument("merge " + std::to_string(i) + " produces bytes that are not a token");
      }
      pairs_.insert(a, b, static_cast<uint32_t>(i), merged);
    }
  }
}

void BpeModel::build_cross(const std::vector<std::string>& tokens) {
  // Every (fragment before, fragment after) of every inner cut candidate of every token.
  std::vector<uint64_t> keys;
  for (const std::string& t : tokens) {
    const size_t n = t.size();
    for (size_t j = 1; j < n; ++j) {
      if (!cut_candidate(static_cast<unsigned char>(t[j - 1]), static_cast<unsigned char>(t[j]))) continue;
      const size_t a = std::min<size_t>(j, 3), b = std::min<size_t>(n - j, 3);
      uint32_t x = 0, y = 0;
      for (size_t i = 0; i < a; ++i) x |= uint32_t{static_cast<unsigned char>(t[j - a + i])} << (8 * i);
      for (size_t i = 0; i < b; ++i) y |= uint32_t{static_cast<unsigned char>(t[j + i])} << (8 * i);
      keys.push_back(cross_key(a, b, x, y));
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  build_3x3(keys);
  unsigned bits = 12;
  // ~1/64 of the bits set, up to 128 KiB (o200k: ~1/18), and never denser than 1/16. Nine probes
  // per test: at 1/16 about 43% of the tests of a safe cut needed the exact set for a false
  // alarm. may_cross alone over the 187 k cut candidates of 1 MB of Chinese (C++ driver, best of
  // 6 interleaved): cl100k 37.5 -> 28.5 ns per test at 1/64.
  while ((size_t{1} << bits) < 64 * keys.size() && bits < 20) ++bits;
  while ((size_t{1} << bits) < 16 * keys.size()) ++bits;
  cross_shift_ = 64 - bits;
  cross_.assign((size_t{1} << bits) / 64, 0);
  cross_set_.assign(pow2_at_least(2 * keys.size() + 1), 0);
  cross_mask_ = cross_set_.size() - 1;
  cross_set_shift_ = home_shift(cross_set_.size());
  for (uint64_t key : keys) {
    const uint64_t h = cross_hash(key);
    const size_t f = h >> cross_shift_;
    cross_[f >> 6] |= uint64_t{1} << (f & 63);
    size_t i = cross_index(key);
    while (cross_set_[i] != 0) i = (i + 1) & cross_mask_;
    cross_set_[i] = key;
  }
}

namespace {
bool all_continuation(uint32_t v, size_t a) {
  for (size_t i = 0; i < a; ++i) {
    if ((v >> (8 * i) & 0xC0) != 0x80) return false;
  }
  return true;
}
}  // namespace

// BpeModel::cp_of_3 of a fragment's 3 bytes, or -1 when they are not a whole 3-byte character.
int32_t BpeModel::cp3(uint32_t v) {
  return (v & 0xC0C0F0) == 0x8080E0 ? static_cast<int32_t>(cp_of_3(v)) : -1;
}

void BpeModel::build_3x3(const std::vector<uint64_t>& keys) {
  // A cut between whole 3-byte characters c1 | c2 sees, of a fragment (a bytes before, b after),
  // x = the last a bytes of c1 and y = the first b bytes of c2. With a = b = 3 the fragment is
  // (c1, c2): the pair set. With a = 3, b < 3, it is c1 followed by a lead byte 0xE0-0xEF (and a
  // continuation byte): c1 is open after. With a < 3 (x all continuation bytes), b = 3: c2 is
  // open before. With a < 3 and b < 3 (a whole token of 2-4 bytes): every c1 that ends with x
  // is open after. An open character leaves the decision to the full test.
  cp_flags_.assign(65536, 0);
  std::vector<uint32_t> pairs;
  std::vector<uint32_t> tails;  // (a << 16 | x) of the a < 3, b < 3 fragments that can match
  for (uint64_t key : keys) {
    const size_t a = key >> 48 & 15, b = key >> 52 & 15;
    const uint32_t x = key & 0xFFFFFF, y = key >> 24 & 0xFFFFFF;
    const bool y_lead = (y & 0xF0) == 0xE0 && (b < 2 || (y >> 8 & 0xC0) == 0x80);
    if (a == 3 && b == 3) {
      const int32_t c1 = cp3(x), c2 = cp3(y);
      if (c1 >= 0 && c2 >= 0) pairs.push_back(static_cast<uint32_t>(c1) << 16 | static_cast<uint32_t>(c2));
    } else if (a == 3) {
      const int32_t c1 = cp3(x);
      if (c1 >= 0 && y_lead) cp_flags_[c1] |= kOpenAfter;
    } else if (b == 3) {
      const int32_t c2 = cp3(y);
      if (c2 >= 0 && all_continuation(x, a)) cp_flags_[c2] |= kOpenBefore;
    } else if (y_lead && all_continuation(x, a)) {
      tails.push_back(static_cast<uint32_t>(a) << 16 | x);
    }
  }
  if (!tails.empty()) {
    // Every value of cp3, overlong forms (c < 0x800, as in arbitrary bytes) included.
    for (uint32_t c = 0; c < 0x10000; ++c) {
      // c's bytes: lead, c1 = 0x80 | (c >> 6 & 0x3F), c2 = 0x80 | (c & 0x3F); x's first byte low.
      const uint32_t last = 0x80 | (c & 0x3F), mid = 0x80 | (c >> 6 & 0x3F);
      for (uint32_t t : tails) {
        const uint32_t a = t >> 16, x = t & 0xFFFF;
        if ((a == 1 && x == last) || (a == 2 && x == (mid | last << 8))) cp_flags_[c] |= kOpenAfter;
      }
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  // 32 bits per pair, two set per pair in one word: ~0.2% false alarms (o200k: 11.9 k pairs,
  // 64 KiB; cl100k: 407 pairs, 2 KiB). One bit per pair and an exact set behind it was slower:
  // the set's probes were ~15% of merge_piece's samples on Chinese.
  unsigned words_log2 = 1;  // (a shift by 64 would be undefined)
  while ((size_t{64} << words_log2) < 32 * pairs.size()) ++words_log2;
  pair3_shift_ = 64 - words_log2;
  pair3_filter_.assign(size_t{1} << words_log2, 0);
  for (uint32_t key : pairs) {
    const uint64_t h = pair3_hash(key >> 16, key & 0xFFFF);
    pair3_filter_[h >> pair3_shift_] |= pair3_bits(h);
  }
}

void BpeModel::missing_byte(unsigned char c) const {
  static const char* hex = "0123456789abcdef";
  std::string msg = "byte 0x";
  msg += hex[c >> 4];
  msg += hex[c & 15];
  msg += " has no token in this vocabulary";
  throw std::invalid_argument(msg);
}

void BpeModel::merge(std::string_view piece, std::vector<uint32_t>& out) const {
  if (piece.empty()) return;
  if (piece.size() <= 3) return rank_mode_ ? merge_tiny<true>(piece, out) : merge_tiny<false>(piece, out);
  if (piece.size() <= kSmall) {
    rank_mode_ ? merge_small<true>(piece, out) : merge_small<false>(piece, out);
  } else {
    rank_mode_ ? merge_heap<true>(piece, out) : merge_heap<false>(piece, out);
  }
}

template <bool kRank>
void BpeModel::merge_tiny(std::string_view piece, std::vector<uint32_t>& out) const {
  // One or two merges, written out: the chunks of cut CJK text are mostly one 3-byte character.
  const char* p = piece.data();
  const size_t n = piece.size();
  uint32_t id[3];
  for (size_t i = 0; i < n; ++i) {
    id[i] = byte_ids_[static_cast<unsigned char>(p[i])];
    if (id[i] == kNoId) missing_byte(static_cast<unsigned char>(p[i]));
  }
  if (n == 1) return out.push_back(id[0]);
  uint32_t m01, m12 = kNoId, m;
  const uint32_t q01 = pair<kRank>(p, 0, 2, id[0], id[1], m01);
  if (n == 2) {
    if (q01 == kNoId) return out.insert(out.end(), id, id + 2), void();
    return out.push_back(m01);
  }
  const uint32_t q12 = pair<kRank>(p, 1, 3, id[1], id[2], m12);
  if (q01 == kNoId && q12 == kNoId) return out.insert(out.end(), id, id + 3), void();
  if (q01 <= q12) {  // leftmost on ties
    const uint32_t q = pair<kRank>(p, 0, 3, m01, id[2], m);
    if (q != kNoId) return out.push_back(m);
    out.push_back(m01);
    return out.push_back(id[2]);
  }
  const uint32_t q = pair<kRank>(p, 0, 3, id[0], m12, m);
  if (q != kNoId) return out.push_back(m);
  out.push_back(id[0]);
  out.push_back(m12);
}

template <bool kRank>
void BpeModel::merge_small(std::string_view piece, std::vector<uint32_t>& out) const {
  // Parts are named by their first byte: part i spans [i, next[i]); prio[i] is the priority of
  // joining part i with the part after it (kNoId: none, or part i is gone). Nothing moves: a
  // merge unlinks the right part, so the loop does no memmove.
  // prio has 4 spare entries (kNoId) so the 4-wide search below never reads past them.
  uint32_t ids[kSmall], prio[kSmall + 4], merged[kSmall], next[kSmall], prev[kSmall];
  const char* p = piece.data();
  const uint32_t n = static_cast<uint32_t>(piece.size());
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t id = byte_ids_[static_cast<unsigned char>(p[i])];
    if (id == kNoId) missing_byte(static_cast<unsigned char>(p[i]));
    ids[i] = id;
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  auto end_of = [&](uint32_t i) { return next[i] < n ? next[next[i]] : n; };
  for (uint32_t i = 0; i + 1 < n; ++i) prio[i] = pair<kRank>(p, i, i + 2, ids[i], ids[i + 1], merged[i]);
  for (uint32_t i = n - 1; i < n + 4; ++i) prio[i] = kNoId;
  while (true) {
    // The first position of the minimum priority.
    uint32_t best_prio = kNoId, best = 0;
    if (n <= 32) {
      // subtle: scalar on short pieces. The vector loads below would read entries just written by
      // scalar stores, and a wide load cannot be forwarded from a narrow store (a stall per merge).
      for (uint32_t i = 0; i < n; i = next[i]) {  // live parts only, branch-free (cmov)
        const uint32_t v = prio[i];
        const bool lower = v < best_prio;
        best_prio = lower ? v : best_prio;
        best = lower ? i : best;
      }
      if (best_prio == kNoId) break;
    } else {
      for (uint32_t i = 0; i < n; ++i) best_prio = std::min(best_prio, prio[i]);
      if (best_prio == kNoId) break;
      best = first_equal(prio, best_prio);
    }
    uint32_t r = next[best];
    ids[best] = merged[best];
    prio[r] = kNoId;
    next[best] = next[r];
    if (next[r] < n) prev[next[r]] = best;
    prio[best] = next[best] < n ? pair<kRank>(p, best, end_of(best), ids[best], ids[next[best]], merged[best]) : kNoId;
    uint32_t l = prev[best];
    if (l != kNoId) prio[l] = pair<kRank>(p, l, next[best], ids[l], ids[best], merged[l]);
  }
  for (uint32_t i = 0; i < n; i = next[i]) out.push_back(ids[i]);
}

template <bool kRank>
void BpeModel::merge_heap(std::string_view piece, std::vector<uint32_t>& out) const {
  // The part at byte position i (alive while ids[i] is an id) spans [i, i + token length): the
  // bytes inside a part are not ids, so the part after it starts at its end; the last byte of a
  // part of two or more bytes holds kTail | its start, so the part before a part is found in
  // one step (pieces of 2 GiB or more: by a scan over the dead bytes). No next/prev links: a
  // piece of n bytes takes 4n bytes here and 8 per heap entry (before: 12n and the entries;
  // 50 MB of one letter peaked at 1087 MB of RSS, now 705 MB).
  const size_t n = piece.size();
  const char* p = piece.data();
  const uint32_t* len = token_len_.data();
  constexpr uint32_t kTail = 0x80000000u;  // ids are below it (build), and so is kTail | start
  const bool tails = n < kTail;
  std::vector<uint32_t> ids(n);
  for (size_t i = 0; i < n; ++i) {
    uint32_t id = byte_ids_[static_cast<unsigned char>(p[i])];
    if (id == kNoId) missing_byte(static_cast<unsigned char>(p[i]));
    ids[i] = id;
  }
  // (priority << 32 | position): the min-heap pops the lowest priority, leftmost on ties.
  std::vector<uint64_t> heap;
  heap.reserve(n);
  uint32_t m;
  for (size_t i = 0; i + 1 < n; ++i) {
    uint32_t q = pair<kRank>(p, static_cast<uint32_t>(i), static_cast<uint32_t>(i + 2), ids[i], ids[i + 1], m);
    if (q != kNoId) heap.push_back((uint64_t{q} << 32) | i);
  }
  auto cmp = std::greater<uint64_t>();
  std::make_heap(heap.begin(), heap.end(), cmp);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), cmp);
    uint64_t top = heap.back();
    heap.pop_back();
    uint32_t q = static_cast<uint32_t>(top >> 32), pos = static_cast<uint32_t>(top);
    if (ids[pos] >= kTail) continue;  // (kNoId, or a part's last byte)
    const uint32_t r = pos + len[ids[pos]];
    if (r >= n) continue;
    const uint32_t rr = r + len[ids[r]];
    uint32_t merged;
    // subtle: a stale entry is recognised by its priority: the pair now at `pos` must still
    // have exactly this priority (a priority determines the merged token, hence the span).
    if (pair<kRank>(p, pos, rr, ids[pos], ids[r], merged) != q) continue;
    ids[pos] = merged;
    ids[r] = kNoId;
    if (tails) ids[rr - 1] = kTail | pos;  // (ids[r] itself when r was one byte)
    if (rr < n) {
      uint32_t q2 = pair<kRank>(p, pos, rr + len[ids[rr]], merged, ids[rr], m);
      if (q2 != kNoId) {
        heap.push_back((uint64_t{q2} << 32) | pos);
        std::push_heap(heap.begin(), heap.end(), cmp);
      }
    }
    if (pos > 0) {
      uint32_t l = pos - 1;  // the last byte of the part before
      if (tails) {
        if (ids[l] >= kTail) l = ids[l] & ~kTail;
      } else {
        while (ids[l] >= kTail) --l;  // (position 0 is always live)
      }
      uint32_t q2 = pair<kRank>(p, l, rr, ids[l], merged, m);
      if (q2 != kNoId) {
        heap.push_back((uint64_t{q2} << 32) | l);
        std::push_heap(heap.begin(), heap.end(), cmp);
      }
    }
  }
  for (size_t i = 0; i < n; i += len[ids[i]]) out.push_back(ids[i]);
}

}  // namespace codebpe
