// Byte-level BPE of one piece: token lookup tables and the merge loop.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace codebpe {

constexpr uint32_t kNoId = 0xFFFFFFFFu;

inline uint64_t hash_bytes(const char* p, size_t n) {
  // Multiply-xorshift over 8-byte words; the tail is loaded as a partial word. Good enough
  // dispersion for token bytes, and ~3x faster than std::hash<string_view> on short pieces.
  const uint64_t k = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0x243F6A8885A308D3ull ^ (n * k);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * k;
    h ^= h >> 32;
  }
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 31);
}

// Open-addressing map from token bytes to id. Keys live in one arena.
// Invariant: capacity is a power of two and at least twice the number of keys.
class TokenMap {
 public:
  void build(const std::vector<std::string>& tokens);  // tokens[id]; empty strings skipped
  uint32_t find(const char* p, size_t n) const {
    uint64_t h = hash_bytes(p, n);
    size_t i = h & mask_;
    uint32_t tag = static_cast<uint32_t>(h >> 32);
    while (true) {
      const Slot& s = slots_[i];
      if (s.id == kNoId) return kNoId;
      if (s.tag == tag && s.len == n && std::memcmp(arena_.data() + s.off, p, n) == 0) return s.id;
      i = (i + 1) & mask_;
    }
  }

 private:
  struct Slot {
    uint32_t tag;
    uint32_t id = kNoId;
    uint32_t off;
    uint32_t len;
  };
  std::vector<Slot> slots_;
  std::string arena_;
  size_t mask_ = 0;
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
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (h ^ (h >> 29)) & mask_;
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

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    uint32_t prio;
    uint32_t merged;
  };
  void grow();
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// A BPE model: ordinary tokens, the byte -> id table and the pair table.
//
// Rank mode (merges empty, tiktoken semantics): a pair (a, b) merges when bytes(a)+bytes(b) is a
// token; its priority is that token's id (= rank). Merge mode (Hugging Face): merges[i] = (a, b)
// merges into the token bytes(a)+bytes(b) with priority i. Either way the merge loop repeatedly
// merges the adjacent pair with the lowest priority, leftmost on ties.
class BpeModel {
 public:
  void build(const std::vector<std::string>& tokens, const std::vector<std::pair<uint32_t, uint32_t>>& merges);

  uint32_t lookup(std::string_view bytes) const { return tokens_.find(bytes.data(), bytes.size()); }
  uint32_t byte_id(unsigned char c) const { return byte_ids_[c]; }
  bool rank_mode() const { return rank_mode_; }

  // Append the BPE of `piece` (no whole-piece shortcut, no cache). std::invalid_argument if a
  // byte of the piece has no token.
  void merge(std::string_view piece, std::vector<uint32_t>& out) const;

 private:
  void merge_small(std::string_view piece, std::vector<uint32_t>& out) const;
  void merge_heap(std::string_view piece, std::vector<uint32_t>& out) const;
  [[noreturn]] void missing_byte(unsigned char c) const;

  TokenMap tokens_;
  PairMap pairs_;
  uint32_t byte_ids_[256];
  bool rank_mode_ = true;
};

}  // namespace codebpe
