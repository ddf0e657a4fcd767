// Counting: pre-tokenize documents and count unique pieces, in parallel, with bounded memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pretokenize.h"
#include "table_key.h"

namespace codebpe {

// 64-bit hash of a byte string (fast for the short pieces BPE counts). Its values are part of the
// count file's checksum. Not bpe.h's hash_bytes: until the nineteenth session both were named
// codebpe::hash_bytes, an ODR violation: a call to bpe.h's inline one that the compiler did not
// inline (the piece cache's, in some builds) went to this one, and which one a call got depended
// on the compiler's inlining.
uint64_t count_hash(const char* data, size_t len);

// One hash shard: an open-addressing (linear probing) table of piece -> count, piece bytes in an
// arena of fixed-size blocks (never reallocated, so a slot's pointer stays valid).
// Invariants: a slot is empty iff count == 0; load factor <= 0.7; capacity is a power of two;
// every stored piece is unique within the shard; a piece lies at or after its home(), with no
// empty slot between.
// The home slot mixes the piece's 32-bit hash with a key drawn at random once per process
// (table_key.h), so pieces crafted to share the low bits of count_hash (which is public and must
// stay fixed: count files and pruning use it) no longer share a probe cluster: only a full 32-bit
// collision does. Which slot a piece occupies is therefore different from one run to the next;
// nothing reads the slot order (saved files are sorted, and pruning and training use counts,
// hashes and bytes).
class PieceShard {
 public:
  struct Slot {
    const char* data = nullptr;
    uint64_t count = 0;
    uint32_t len = 0;
    uint32_t hash32 = 0;
  };

  PieceShard();
  // Adds `count` to the piece's entry (inserting it). count must be > 0.
  void add(const char* data, uint32_t len, uint64_t hash, uint64_t count);
  size_t size() const { return size_; }
  // The most slots in a row that are all taken (a probe walks at most that far; diagnostics).
  size_t longest_run() const;
  // Bytes held: slot table plus arena blocks.
  size_t memory() const { return slots_.size() * sizeof(Slot) + arena_bytes_; }
  // Asks the CPU for the slot where a piece of this hash would go (a hint: changes nothing).
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[home(static_cast<uint32_t>(hash))]); }
  // Sizes the slot table for `n` pieces in all (never shrinks it).
  void reserve(size_t n);
  // Drops every piece with count <= threshold, and those with count == threshold + 1 whose
  // hash bucket (hash32 >> 16) is above `bucket` (kAllBuckets: none of them); returns (pieces
  // dropped, count mass dropped).
  static constexpr int64_t kAllBuckets = 0xFFFF;
  std::pair<uint64_t, uint64_t> prune(uint64_t threshold, int64_t bucket = kAllBuckets);
  // Frees everything.
  void clear();
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_)
      if (s.count) f(std::string_view(s.data, s.len), s.count);
  }
  template <class F>
  void for_each_slot(F&& f) const {
    for (const Slot& s : slots_)
      if (s.count) f(s);
  }

 private:
  const char* store(const char* data, uint32_t len);
  // Home slot of a piece with this 32-bit hash (see the class comment).
  size_t home(uint32_t h32) const { return keyed_home(h32, key_, home_shift(slots_.size())); }
  void grow();
  void rehash(size_t capacity);

  std::vector<Slot> slots_;
  uint64_t key_;  // process_key(KeyUse::kPieceCounts), read once
  size_t size_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_, big_;
  size_t block_used_ = 0, block_cap_ = 0, arena_bytes_ = 0;
};

// Special tokens cut out of documents before they are split (Hugging Face's trainer does the
// same with its added tokens): each occurrence is a boundary and its bytes are not counted.
// Matching is leftmost, then longest at that position (tokenizer._reference.cut_special).
// Candidate positions come from memchr when every special starts with the same byte (all the
// defaults start with '<'), else from a 256-entry first-byte filter; a candidate goes on only
// if its first two bytes begin some special (a bitmap), so '<' in code ("a < b", "<div>")
// costs one lookup. Thread-safe after construction.
class SpecialCutter {
 public:
  SpecialCutter() = default;
  explicit SpecialCutter(const std::vector<std::string>& specials);
  bool empty() const { return specials_.empty(); }
  // Calls f(segment) for each non-empty stretch of `doc` between special tokens, in order;
  // returns the number of special tokens found.
  template <class F>
  uint64_t for_each_segment(std::string_view doc, F&& f) const {
    if (specials_.empty()) {
      f(doc);
      return 0;
    }
    uint64_t found = 0;
    size_t start = 0, i = 0;
    size_t len = 0;
    while (next_match(doc, i, len)) {
      if (i > start) f(doc.substr(start, i - start));
      ++found;
      i += len;
      start = i;
    }
    if (start < doc.size()) f(doc.substr(start));
    return found;
  }

 private:
  // From position `i`: the leftmost match at or after it (its position in `i`, its length in
  // `len`); false if none.
  bool next_match(std::string_view doc, size_t& i, size_t& len) const;

  std::vector<std::string> specials_;                // sorted longest first
  std::vector<std::vector<uint32_t>> by_first_;      // per first byte: indices, longest first
  std::vector<uint64_t> pair_bits_;                  // 65536 bits: (b0, b1) begins a special
  int only_first_ = -1;                              // the common first byte, if there is one
  bool first_[256] = {};
};

// The piece-count table: disjoint PieceShards (a piece lives in shard hash % shards), so
// `threads` workers can insert without locks: `threads` shards without a cap, kCappedShards under
// one. Counting a batch is rounds of two phases: (1) each worker splits a contiguous, byte-balanced
// range of the round's documents (at most kRoundBytes a worker; a larger document is split whole
// by one thread and its pieces shared out) and buckets piece references by shard; (2) worker t
// inserts every reference bucketed for shards t, t + threads, ... The result is the same whatever
// the thread count or document order (counting is commutative).
// Memory cap: after each batch, if memory() > max_memory (when non-zero), the rarest pieces are
// pruned (count <= 1, then <= 2, 4, ... until under half the cap) and the dropped pieces and
// count mass are accumulated in pruned_unique / pruned_mass. Under a cap the shard count does not
// depend on `threads`, and each shard receives its pieces in document order whatever the thread
// count (worker ranges are contiguous and inserted in range order), so memory(), which decides the
// pruning, is the same for any `threads` given the same batches.
class PieceCounter {
 public:
  // Shards of a capped table, whatever the thread count (inserts use at most this many threads).
  static constexpr int kCappedShards = 16;

  PieceCounter(int threads, uint64_t max_memory);

  // Splits each document with the built-in matcher and counts its pieces. Thread-safe only with
  // respect to its own workers: one call at a time.
  // Special tokens in `cutter` are boundaries, not text (see SpecialCutter); their occurrences
  // are added to special_cuts.
  void count_documents(PatternId pattern, const std::vector<std::string_view>& docs,
                       const SpecialCutter& cutter = SpecialCutter());
  // Adds pre-split pieces (custom patterns split in Python) with their counts.
  void add_pieces(const std::vector<std::string_view>& pieces, const std::vector<uint64_t>& counts);
  // Adds every entry of another counter (reduce step); `other` is unchanged.
  void merge_from(const PieceCounter& other);

  uint64_t unique() const;
  // PieceShard::longest_run over the shards.
  uint64_t longest_run() const;
  uint64_t total() const { return total_; }
  uint64_t memory() const;
  uint64_t pruned_unique() const { return pruned_unique_; }
  uint64_t pruned_mass() const { return pruned_mass_; }
  // Special tokens cut out of counted documents (count_documents, or added by the caller).
  uint64_t special_cuts() const { return special_cuts_; }
  void add_special_cuts(uint64_t n) { special_cuts_ += n; }
  uint64_t max_memory() const { return max_memory_; }
  int threads() const { return threads_; }
  // Pieces with count <= this have been pruned at least once (0: none).
  uint64_t prune_threshold() const { return prune_threshold_; }
  // The unique pieces with count > threshold and their bytes (what a prune at it would keep).
  std::pair<uint64_t, uint64_t> content(uint64_t threshold) const;
  // Drops every piece with count <= threshold (> 0) and accumulates pruned_unique / pruned_mass
  // and prune_threshold, as pruning under the cap does. With `bucket` in [-1, 0xFFFF), the
  // pieces counted threshold + 1 times are dropped too where their hash bucket (the top 16 bits
  // of the 32-bit hash of their bytes: the same for any shard layout) is above it: a cut inside
  // one count (Trainer._fit_merge; see class_costs).
  void prune(uint64_t threshold, int64_t bucket = PieceShard::kAllBuckets);
  // Per hash bucket (65536, as prune's), the cost per_piece + per_byte * length summed over the
  // pieces counted exactly `count` times.
  std::vector<uint64_t> class_costs(uint64_t count, uint64_t per_piece, uint64_t per_byte) const;
  void clear();

  // Binary file (little-endian): "CBPECNT\0" magic, u32 version (2), u32 metadata length, the
  // metadata bytes (JSON written by Python: pattern, documents, bytes...), u64 total, u64 pruned
  // unique, u64 pruned mass, u64 piece count, then per piece: varint length, bytes, varint count;
  // then (version 2) a u64 checksum of all that (count.cc, entry_sum). Version 1 files, without
  // it, are still read.
  // The pieces are in one order for any shard layout (by the low 32 bits of their hash, then
  // their bytes), so a table gives the same file whatever the thread count, and loading it under
  // a cap (which prunes as the pieces come) drops the same ones.
  void save(const std::string& path, const std::string& metadata) const;
  // Adds the file's pieces to this counter; returns its metadata. std::invalid_argument on a
  // malformed or truncated file.
  std::string load(const std::string& path);

  template <class F>
  void for_each(F&& f) const {
    for (const PieceShard& s : shards_) s.for_each(f);
  }
  // for_each, each shard freed once its pieces were visited (then clear()): the same order, and
  // what the caller builds from the pieces grows while the table shrinks.
  template <class F>
  void drain(F&& f) {
    for (PieceShard& s : shards_) {
      s.for_each(f);
      s.clear();
    }
    clear();
  }

 private:
  // A piece of a document being counted, bucketed by shard between the split and insert phases.
  struct PieceRef {
    const char* data;
    uint32_t len;
    uint32_t hash32;
  };
  using Buckets = std::vector<std::vector<std::vector<PieceRef>>>;  // [worker][shard]
  // Text a worker splits in one round of count_documents, and pieces of a larger document it
  // hashes in one: the references held at a time (16 bytes a piece) stay below ~4 MiB a worker.
  static constexpr uint64_t kRoundBytes = uint64_t{1} << 20;
  static constexpr size_t kRoundPieces = size_t{1} << 18;

  void count_large(PatternId pattern, std::string_view doc, const SpecialCutter& cutter, int n,
                   Buckets& buckets);
  void insert_buckets(Buckets& buckets);
  // A piece's reference, hashed, into its shard's bucket (the split phase of both paths).
  void bucket_piece(std::vector<std::vector<PieceRef>>& by_shard, const char* data, uint32_t len) const {
    const uint64_t h = count_hash(data, len);
    by_shard[shard_of(h)].push_back({data, len, static_cast<uint32_t>(h)});
  }
  void enforce_cap();
  void reserve_for(uint64_t pieces);
  size_t shard_of(uint64_t h) const { return static_cast<size_t>((h >> 40) % shards_.size()); }

  int threads_;
  uint64_t max_memory_;
  std::vector<PieceShard> shards_;
  uint64_t total_ = 0, pruned_unique_ = 0, pruned_mass_ = 0, special_cuts_ = 0;
  uint64_t prune_threshold_ = 0;  // pieces with count <= this have been dropped at least once
};

}  // namespace codebpe
