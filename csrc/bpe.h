// Byte-level BPE of one piece: token lookup tables and the merge loop.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "huge_alloc.h"
#include "table_key.h"

namespace codebpe {

constexpr uint32_t kNoId = 0xFFFFFFFFu;
// TokenMap::find_piece: not looked up yet (never an id: ids are below kNoId - 1).
constexpr uint32_t kDeferred = 0xFFFFFFFEu;

inline uint64_t load64(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline uint32_t load32(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

inline uint64_t hash_bytes_seeded(const char* p, size_t n, uint64_t seed) {
  // Multiply-xorshift over 8-byte words; the last word is an overlapping load of the final 8
  // bytes (short inputs: two overlapping 4-byte loads, or the bytes), so no variable-length copy
  // (a libc call) is made. Good enough dispersion for token bytes, and ~3x faster than
  // std::hash<string_view> on short pieces.
  const uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h = seed ^ (n * k);
  uint64_t last;
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      h = (h ^ load64(p + i)) * k;
      h ^= h >> 29;
    }
    last = load64(p + n - 8);
  } else if (n >= 4) {
    last = load32(p) | uint64_t{load32(p + n - 4)} << 32;
  } else {
    const unsigned char* u = reinterpret_cast<const unsigned char*>(p);
    last = n ? u[0] | uint64_t{u[n >> 1]} << 8 | uint64_t{u[n - 1]} << 16 : 0;
  }
  h = (h ^ last) * k;
  h ^= h >> 32;
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

// The unkeyed hash (the piece cache's, whose probes are bounded instead; tests reproduce it).
inline uint64_t hash_bytes(const char* p, size_t n) { return hash_bytes_seeded(p, n, 0x243F6A8885A308D3ull); }

// a[0, n) == b[0, n) without a libc call for the usual short lengths (overlapping word loads).
inline bool bytes_equal(const char* a, const char* b, size_t n) {
  if (n >= 8 && n <= 16) return load64(a) == load64(b) && load64(a + n - 8) == load64(b + n - 8);
  if (n >= 4 && n < 8) return load32(a) == load32(b) && load32(a + n - 4) == load32(b + n - 4);
  return std::memcmp(a, b, n) == 0;
}

// Tokens of up to 8 bytes are keyed by their bytes as a little-endian 64-bit word padded with
// zeros (with the length beside it, as "a" and "a\0" share a word). short_key builds it from
// (possibly overlapping) loads inside the piece; padded_key gets the same word from one 8-byte load
// when 8 bytes may be read from p (a piece inside a longer text).
inline uint64_t short_key(const char* p, size_t n) {
  if (n >= 4) return load32(p) | uint64_t{load32(p + n - 4)} << (8 * (n - 4));  // same bytes overlap
  const unsigned char* u = reinterpret_cast<const unsigned char*>(p);
  uint64_t k = u[0];
  if (n > 1) k |= uint64_t{u[1]} << 8;
  if (n > 2) k |= uint64_t{u[2]} << 16;
  return k;
}
inline uint64_t padded_key(const char* p, size_t n) {  // 1 <= n <= 8, p[0, 8) readable
  return load64(p) & (~uint64_t{0} >> (64 - 8 * n));
}

// Open-addressing map from token bytes to id: tokens of <= 8 bytes inline in their slot (one
// cache line per lookup, no key comparison in memory elsewhere), longer ones in an arena.
// Invariant: capacities are powers of two with load factor <= 1/2.
class TokenMap {
 public:
  void build(const std::vector<std::string>& tokens);  // tokens[id]; empty strings skipped
  uint32_t find(const char* p, size_t n) const {
    if (n == 0) return kNoId;
    if (n == 2) {
      // subtle: the most frequent lookup in BPE (every initial pair) is a direct index.
      return two_[static_cast<unsigned char>(p[0]) << 8 | static_cast<unsigned char>(p[1])];
    }
    if (n - 1 < 8) return find_short(short_key(p, n), n);
    return find_long(p, n);
  }
  // find() for a whole piece, when 8 bytes may be read from p whatever n is: one probe and no
  // branch on the length up to 8 bytes (the 1- and 2-byte tokens are in the short table too).
  // Piece lengths vary from one piece to the next, and the branches of find() on them were
  // mispredicted often.
  // A piece of more than 8 bytes with a non-ASCII byte at an end is not looked up: kDeferred
  // (see Encoder::merge_piece, which looks it up only when it has no safe cut).
  uint32_t find_piece(const char* p, size_t n) const {
    if (n - 1 < 8) return find_short(padded_key(p, n), n);
    if ((p[0] | p[n - 1]) & 0x80) return kDeferred;
    return find_long(p, n, false);
  }
  // longest_taken_run of the short- and long-token tables.
  size_t short_run() const { return longest_taken_run(short_, [](const ShortSlot& x) { return x.id != kNoId; }); }
  size_t long_run() const { return longest_taken_run(slots_, [](const Slot& x) { return x.id != kNoId; }); }
  // Same result as find(); for 3-8 byte spans a 128 KiB bitmap rejects most non-tokens before
  // the slot (a cache miss in the 4 MiB table) is read. For BPE pair lookups, which are mostly
  // misses; whole-piece lookups (mostly hits) use find().
  uint32_t find_pair(const char* p, size_t n) const {
    if (n - 3 < 6) {
      const uint64_t key = short_key(p, n);
      const size_t f = short_filter_index(key, n);
      if (!(short_filter_[f >> 6] >> (f & 63) & 1)) return kNoId;
      return find_short(key, n);
    }
    return find(p, n);
  }

 private:
  struct ShortSlot {
    uint64_t key = 0;
    uint32_t id = kNoId;
    uint32_t len = 0;
  };
  // A token of more than 8 bytes: its first and last 8 bytes inline (the whole token up to 16
  // bytes), so most hits compare without reading the arena.
  struct Slot {
    uint64_t head;
    uint64_t tail;
    uint32_t id = kNoId;
    uint32_t len;
    uint32_t off;
    uint32_t pad_;
  };
  // A long token's first and last 8 bytes and length, mixed: the pre-filter's input (a bitmap:
  // collisions there only cost a probe, so it needs no key).
  static uint64_t long_mix(uint64_t head, uint64_t tail, size_t n) {
    return (head ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ n) * 0x9E3779B97F4A7C15ull;
  }
  // Home slot of a long token, keyed (table_key.h): up to 16 bytes head and tail are the whole
  // token, mixed under the process's keys; longer tokens hash every byte from a keyed seed
  // (tokens that share both ends must not share a probe chain).
  size_t long_index(const char* p, size_t n, uint64_t head, uint64_t tail) const {
    if (n > 16) return static_cast<size_t>(hash_bytes_seeded(p, n, long_seed_) >> long_shift_);
    return keyed_home(head ^ (tail * long_key2_) ^ n, long_key_, long_shift_);
  }
  uint32_t find_short(uint64_t key, size_t n) const {
    for (size_t i = short_index(key, n);; i = (i + 1) & short_mask_) {
      const ShortSlot& s = short_[i];
      if (s.key == key && s.len == n) return s.id;
      if (s.id == kNoId) return kNoId;
    }
  }
  size_t short_index(uint64_t key, size_t n) const { return keyed_home(key ^ (uint64_t{n} << 59), short_key_, short_shift_); }
  // filter: test long_filter_ first (BPE's spans, mostly not tokens). A whole piece with ASCII at
  // both ends skips it: 61-79% of the pieces of more than 8 bytes of code and English are tokens
  // (cl100k, o200k), so the bitmap load was a cache miss spent on a hit (perf: a quarter of
  // find_long's samples); of Chinese ones only 29-33% are, and the bitmap rejects the rest.
  uint32_t find_long(const char* p, size_t n, bool filter = true) const;
  static size_t short_filter_index(uint64_t key, size_t n) {
    uint64_t h = (key + n) * 0xC2B2AE3D27D4EB4Full;
    return (h ^ (h >> 29)) * 0x9E3779B97F4A7C15ull >> (64 - 20);
  }
  // Cheap pre-filter for tokens longer than 8 bytes: one bit per (length, first and last 8 bytes)
  // hash. Most spans that BPE asks about are not tokens; this rejects them from a 128 KiB bitmap.
  static size_t long_filter_index(uint64_t head, uint64_t tail, size_t n) {
    return long_mix(head, tail, n) >> (64 - kLongFilterBits);
  }
  std::vector<uint32_t> two_;  // 65536 entries: id of each 2-byte token, kNoId if none
  static constexpr unsigned kLongFilterBits = 20;  // 128 KiB: o200k's 52 k long tokens set 5%
  std::vector<uint64_t> long_filter_;
  std::vector<uint64_t> short_filter_;  // 2^20 bits: one per (key, length) of 3-8 byte tokens
  HugeVector<ShortSlot> short_;
  size_t short_mask_ = 0;
  unsigned short_shift_ = 63;
  uint64_t short_key_ = process_key(KeyUse::kShortTokens);
  HugeVector<Slot> slots_;
  std::string arena_;
  size_t mask_ = 0;
  unsigned long_shift_ = 63;
  uint64_t long_key_ = process_key(KeyUse::kLongTokens), long_key2_ = process_key(KeyUse::kLongTokensTail);
  uint64_t long_seed_ = process_key(KeyUse::kLongTokensSeed);
};

// Open-addressing map from an adjacent pair (left id, right id) to (priority, merged id).
class PairMap {
 public:
  void reserve(size_t n);
  // Keeps the first insertion for a pair (lower priority must be inserted first when it matters).
  void insert(uint32_t a, uint32_t b, uint32_t prio, uint32_t merged);
  // Priority of the pair, kNoId if the pair does not merge; `merged` is set when found.
  uint32_t find(uint32_t a, uint32_t b, uint32_t& merged) const {
    uint64_t key = (uint64_t{a} << 32) | b;
    size_t i = index(key);
    while (true) {
      const Slot& s = slots_[i];
      if (s.key == key) {
        merged = s.merged;
        return s.prio;
      }
      if (s.key == kEmpty) return kNoId;
      i = (i + 1) & mask_;
    }
  }
  size_t size() const { return size_; }
  size_t longest_run() const { return longest_taken_run(slots_, [](const Slot& x) { return x.key != kEmpty; }); }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    uint32_t prio;
    uint32_t merged;
  };
  size_t index(uint64_t key) const { return keyed_home(key, key_, shift_); }  // (merges come from files)
  void grow();
  HugeVector<Slot> slots_;
  size_t mask_ = 0;
  unsigned shift_ = 63;
  uint64_t key_ = process_key(KeyUse::kPairs);
  size_t size_ = 0;
};

// A BPE model: ordinary tokens, the byte -> id table and (merge mode) the pair table.
//
// Rank mode (merges empty, tiktoken semantics): a pair (a, b) merges when bytes(a)+bytes(b) is a
// token; its priority is that token's id (= rank), found by looking the concatenated bytes up. Merge mode (Hugging Face): merges[i] = (a, b)
// merges into the token bytes(a)+bytes(b) with priority i. Either way the merge loop repeatedly
// merges the adjacent pair with the lowest priority, leftmost on ties.
class BpeModel {
 public:
  void build(const std::vector<std::string>& tokens, const std::vector<std::pair<uint32_t, uint32_t>>& merges);

  uint32_t lookup(std::string_view bytes) const { return tokens_.find(bytes.data(), bytes.size()); }
  // lookup() for bytes followed by at least 8 - size() more readable bytes (TokenMap::find_piece),
  // except that a piece of more than 8 bytes with a non-ASCII end gives kDeferred (not looked up).
  uint32_t lookup_piece(std::string_view bytes) const { return tokens_.find_piece(bytes.data(), bytes.size()); }
  uint32_t byte_id(unsigned char c) const { return byte_ids_[c]; }
  // longest_taken_run of each hash table.
  struct TableRuns {
    size_t short_tokens, long_tokens, pairs, fragments;
  };
  TableRuns table_runs() const {
    return {tokens_.short_run(), tokens_.long_run(), pairs_.longest_run(),
            longest_taken_run(cross_set_, [](uint64_t x) { return x != 0; })};
  }
  bool rank_mode() const { return rank_mode_; }

  // Append the BPE of `piece` (no whole-piece shortcut, no cache). std::invalid_argument if a
  // byte of the piece has no token.
  void merge(std::string_view piece, std::vector<uint32_t>& out) const;

  // Positions where a piece may be cut before BPE (see "Safe cuts" in bpe.cc). A candidate is a
  // character start with a non-ASCII byte on at least one side: bytes a | b around the cut.
  static bool cut_candidate(unsigned char a, unsigned char b) {
    return (b & 0xC0) != 0x80 && ((a | b) & 0x80);
  }
  // False only when no token of the vocabulary can span the cut at p + k inside p[0, n) (0 < k < n,
  // a candidate): then BPE(p) == BPE(p[0, k)) + BPE(p[k, n)).
  bool may_cross(const char* p, size_t k, size_t n) const {
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    const size_t amax = k < 3 ? k : 3, bmax = n - k < 3 ? n - k : 3;
    uint32_t before = 0, after = 0;  // p[k-3..k) with p[k-1] in byte 2; p[k..k+3) from byte 0
    for (size_t i = 0; i < amax; ++i) before |= uint32_t{u[k - 1 - i]} << (8 * (2 - i));
    for (size_t i = 0; i < bmax; ++i) after |= uint32_t{u[k + i]} << (8 * i);
    for (size_t a = amax; a >= 1; --a) {
      const uint32_t x = before >> (8 * (3 - a));
      for (size_t b = bmax; b >= 1; --b) {
        const uint64_t key = cross_key(a, b, x, after & ((uint32_t{1} << (8 * b)) - 1));
        const uint64_t h = cross_hash(key);
        const size_t f = h >> cross_shift_;
        if ((cross_[f >> 6] >> (f & 63) & 1) && cross_has(key)) return true;
      }
    }
    return false;
  }

  // may_cross for the window w = p[k-3, k+3) (first byte in the low byte) when both sides are
  // whole 3-byte characters c1 | c2 (most Chinese and Japanese cuts): 0 when no token can cross
  // the cut, 1 when one may (always when may_cross is true, and for ~0.2% of the safe cuts: a
  // filter's false alarms, which only leave a piece uncut), 2 when this test cannot tell (w is
  // another shape, or a token can cross next to c1 or c2 with a fragment of another shape:
  // may_cross decides). Of the nine fragment shapes only 3+3 depends on both characters; the
  // others are flags of one character (see build_3x3).
  int may_cross_3x3(uint64_t w) const {
    if ((w & 0xC0C0F0C0C0F0ull) != 0x8080E08080E0ull) return 2;
    const uint32_t c1 = cp_of_3(w), c2 = cp_of_3(w >> 24);
    if ((cp_flags_[c1] & kOpenAfter) | (cp_flags_[c2] & kOpenBefore)) return 2;
    const uint64_t h = pair3_hash(c1, c2);
    const uint64_t m = pair3_bits(h);
    return (pair3_filter_[h >> pair3_shift_] & m) == m;
  }

 private:
  template <bool kRank>
  void merge_tiny(std::string_view piece, std::vector<uint32_t>& out) const;  // 1-3 bytes
  template <bool kRank>
  void merge_small(std::string_view piece, std::vector<uint32_t>& out) const;
  template <bool kRank>
  void merge_heap(std::string_view piece, std::vector<uint32_t>& out) const;
  // Priority and merged id of the adjacent parts [a, b) + [b, c) with ids ia, ib.
  template <bool kRank>
  uint32_t pair(const char* piece, uint32_t a, uint32_t c, uint32_t ia, uint32_t ib, uint32_t& merged) const {
    if constexpr (kRank) {
      merged = tokens_.find_pair(piece + a, c - a);
      return merged;
    } else {
      return pairs_.find(ia, ib, merged);
    }
  }
  [[noreturn]] void missing_byte(unsigned char c) const;
  // A fragment: x = the last a bytes before a cut (first of them in the low byte), y = the first
  // b bytes after it; a, b in 1..3. Never 0.
  static uint64_t cross_key(size_t a, size_t b, uint32_t x, uint32_t y) {
    return uint64_t{a} << 48 | uint64_t{b} << 52 | x | uint64_t{y} << 24;
  }
  static uint64_t cross_hash(uint64_t key) {
    const uint64_t w = key * 0x9E3779B97F4A7C15ull;
    return w ^ (w >> 31);
  }
  // Exact membership (the bitmap only rejects): open addressing over the distinct fragments,
  // homes keyed (table_key.h; the bitmap's hash needs no key: collisions there cost a probe).
  size_t cross_index(uint64_t key) const { return keyed_home(key, cross_key_, cross_set_shift_); }
  bool cross_has(uint64_t key) const {
    for (size_t i = cross_index(key);; i = (i + 1) & cross_mask_) {
      if (cross_set_[i] == key) return true;
      if (cross_set_[i] == 0) return false;
    }
  }
  void build_cross(const std::vector<std::string>& tokens);
  void build_3x3(const std::vector<uint64_t>& keys);
  static int32_t cp3(uint32_t v);

  TokenMap tokens_;
  std::vector<uint32_t> token_len_;  // bytes of each id's token (merge_heap's part lengths)
  // Bitmap over fragments that some token has around an inner cut candidate (a superset test).
  std::vector<uint64_t> cross_;
  unsigned cross_shift_ = 64;
  HugeVector<uint64_t> cross_set_;  // the fragments themselves (0: empty slot)
  size_t cross_mask_ = 0;
  unsigned cross_set_shift_ = 63;
  uint64_t cross_key_ = process_key(KeyUse::kFragments);
  // may_cross_3x3: per code point U+0000..U+FFFF (3-byte characters only), whether a token has a
  // fragment of a shape other than 3+3 at a cut after it (kOpenAfter) or before it (kOpenBefore)
  // where the other side is a whole 3-byte character; and the pairs (c1, c2) of whole 3-byte
  // characters that occur inside tokens, as a blocked Bloom filter: two bits of one 64-bit word
  // per pair (one load; false alarms cost a cut, never exactness).
  static constexpr uint8_t kOpenAfter = 1, kOpenBefore = 2;
  // The code point of the 3 bytes in v's low 24 bits (first byte lowest) when they have the shape
  // of a 3-byte character (lead 0xE0-0xEF, two continuation bytes): the lead's low nibble and two
  // 6-bit fields. One-to-one on that shape, overlong forms and surrogates included.
  static uint32_t cp_of_3(uint64_t v) {
    return static_cast<uint32_t>((v & 0x0F) << 12 | (v >> 2 & 0xFC0) | (v >> 16 & 0x3F));
  }
  static uint64_t pair3_hash(uint32_t c1, uint32_t c2) {
    return (uint64_t{c1} << 16 | c2) * 0x9E3779B97F4A7C15ull;
  }
  static uint64_t pair3_bits(uint64_t h) { return uint64_t{1} << (h >> 20 & 63) | uint64_t{1} << (h >> 26 & 63); }
  std::vector<uint8_t> cp_flags_;
  std::vector<uint64_t> pair3_filter_;
  unsigned pair3_shift_ = 63;
  PairMap pairs_;
  uint32_t byte_ids_[256];
  bool rank_mode_ = true;
};

}  // namespace codebpe
