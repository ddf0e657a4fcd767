// Encoding: text -> token ids with a byte-level BPE vocabulary (rank-based or merge-list based).
//
// Pipeline per call: special-token scan -> pre-tokenizer (native matcher, or pieces given by the
// caller) -> whole-piece lookup -> per-thread piece cache -> BPE merge (bpe.h).
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bpe.h"
#include "pretokenize.h"

namespace codebpe {

// How an added token behaves when it appears in text.
enum class SpecialKind : uint8_t {
  special = 0,  // tiktoken semantics: allowed -> its id, disallowed -> error, else plain text
  always = 1,   // Hugging Face non-special added token: always split out (even in encode_ordinary)
};

struct SpecialToken {
  std::string bytes;
  uint32_t id;
  SpecialKind kind;
  // Looked for only in the text between the matches of the others (Hugging Face added tokens with
  // normalized: true: AddedVocabulary splits on the normalized: false ones first, then matches
  // these in what lies between).
  bool in_gaps = false;
};

// Which special tokens an encode call honours (indexes into Encoder::specials()).
struct SpecialPolicy {
  std::vector<uint8_t> allowed;     // 1: emit the special's id where it appears
  std::vector<uint8_t> disallowed;  // 1: its appearance is an error (std::invalid_argument)
};

// A special-token occurrence in text.
struct SpecialMatch {
  size_t pos;
  size_t len;
  size_t index;  // into specials()
};

struct PieceCache;  // per-thread piece -> ids cache (encode.cc)

// An encoder for one vocabulary.
//
// Invariants: immutable after construction, so every const method is safe to call from many
// threads at once (each thread keeps its own piece cache). `has_pattern()` is false for an encoder
// whose pre-tokenization happens outside (the caller passes the pieces).
class Encoder {
 public:
  // tokens[id]: the bytes of every id (empty for ids that are not ordinary tokens, e.g. specials);
  // merges: empty for rank-based BPE, else the merge list (see BpeModel); pattern < 0: no native
  // pre-tokenizer.
  Encoder(const std::vector<std::string>& tokens, const std::vector<std::pair<uint32_t, uint32_t>>& merges,
          std::vector<SpecialToken> specials, int pattern, bool whole_piece_lookup);

  bool has_pattern() const { return has_pattern_; }
  const std::vector<SpecialToken>& specials() const { return specials_; }
  const BpeModel& model() const { return model_; }
  size_t n_ids() const { return id_entry_.size(); }

  // Encode text (UTF-8 or arbitrary bytes) with the native pre-tokenizer, honouring `policy`.
  // std::invalid_argument names a disallowed special token found in the text.
  void encode(std::string_view text, const SpecialPolicy& policy, std::vector<uint32_t>& out) const;

  // Encode pre-split pieces (the external-split path), no special-token handling.
  void encode_pieces(const std::vector<std::string_view>& pieces, std::vector<uint32_t>& out) const;

  // Positions 0 < k < piece.size() where encode_piece cuts a piece that is not a token before
  // BPE (no token of the vocabulary can span them); for tests and inspection.
  std::vector<uint32_t> safe_cuts(std::string_view piece) const;

  // Encode one piece (BPE with whole-piece lookup and the per-thread cache).
  void encode_piece(std::string_view piece, std::vector<uint32_t>& out) const;

  // Leftmost (then longest) special-token occurrence wholly in [from, end) among those with
  // enabled[index] == want; false if none.
  bool find_special(std::string_view text, size_t from, size_t end, const uint8_t* enabled, uint8_t want,
                    SpecialMatch& match) const;

  // Bytes of ids (appended to out); std::out_of_range for an id that is not in the vocabulary
  // (out then holds the bytes of the ids before it).
  void decode(const uint32_t* ids, size_t n, std::string& out) const;
  std::string_view token_bytes(uint32_t id) const {
    const uint64_t e = id < id_entry_.size() ? id_entry_[id] : 0;
    if (e == 0) unknown_id(id);
    return std::string_view(id_arena_.data() + (e >> 24), e & 0xFFFFFF);
  }

  // Distinct id per encoder (keys the per-thread caches).
  uint64_t serial() const { return serial_; }

 private:
  void encode_piece(PieceCache& cache, std::string_view piece, std::vector<uint32_t>& out) const;
  // encode_piece after a failed whole-piece lookup (non-empty piece): safe cuts, cache, BPE.
  // Kept out of line (CODEBPE_NOINLINE in encode.cc) so the segment loop stays small.
  // looked_up: false when the whole piece was not looked up (kDeferred).
  void merge_piece(PieceCache& cache, std::string_view piece, std::vector<uint32_t>& out,
                   bool looked_up = true) const;
  // The first position >= k (k >= 1) where encode_piece cuts `piece` (a cut candidate no token
  // can span; memoised), or piece.size() if none. skip: where the next search may start,
  // relative to the cut returned: 3 when piece[cut, cut + 3) is known to be a whole 3-byte
  // character (its continuation bytes are no candidates), else 1.
  size_t next_cut(PieceCache& cache, std::string_view piece, size_t k, size_t& skip) const;
  // BPE of `piece` through the per-thread cache (no whole-piece shortcut).
  void merge_cached(PieceCache& cache, std::string_view piece, std::vector<uint32_t>& out) const;
  // merge_cached with its most frequent case inline: a 3-byte chunk found in the tiny memo.
  void merge_chunk(PieceCache& cache, std::string_view piece, std::vector<uint32_t>& out) const;
  // `text` lies in a buffer that ends at text_end (bytes after the segment may be read).
  void encode_ordinary_segment(std::string_view text, const char* text_end, std::vector<uint32_t>& out,
                               std::vector<uint32_t>& ends) const;

  BpeModel model_;
  // Every id's bytes (ordinary and special) in one arena: id_entry_[id] = offset << 24 | length,
  // 0 for an id that is not in the vocabulary (no valid id is empty). Decoding looks one 8-byte
  // entry up per id (o200k: 1.6 MB of entries + 1.5 MB of bytes) where a std::string per id took
  // 32 bytes (6.4 MB), plus a heap block for the longer ones.
  HugeVector<uint64_t> id_entry_;
  std::string id_arena_;
  std::vector<SpecialToken> specials_;
  uint8_t special_first_[256] = {};  // bitmap of first bytes of special tokens
  int special_only_first_ = -1;       // their one first byte when they share it (memchr), else -1
  // Byte trie of the special tokens (find_special): node 0 is the root; a node's children are
  // special_edges_[first, first + count), sorted by byte; terminals: the specials (indexes into
  // specials_, ascending) whose bytes end at that node.
  struct SpecialNode {
    uint32_t first = 0, count = 0, term_first = 0, term_count = 0;
  };
  struct SpecialEdge {
    uint8_t byte;
    uint32_t child;
  };
  std::vector<SpecialNode> special_nodes_;
  std::vector<SpecialEdge> special_edges_;
  std::vector<uint32_t> special_terms_;
  void build_special_trie();
  [[noreturn]] void unknown_id(uint32_t id) const;
  bool has_always_ = false;  // some special is SpecialKind::always (scanned for in every call)
  bool has_pattern_ = false;
  bool whole_piece_ = true;
  PatternId pattern_ = PatternId::gpt2;
  uint64_t serial_ = 0;
};

// Forget the calling thread's piece cache (benchmarks use it to measure cold runs).
void clear_thread_cache();
// Forget every thread's piece caches (the batch pool's too), each at that thread's next call.
void clear_caches();
// The calling thread's most recently used piece cache: entries, slots, and the largest distance
// of an entry from its home slot (never more than PieceCache::kMaxProbe - 1). For tests.
struct PieceCacheStats {
  size_t entries = 0, slots = 0, max_probe = 0;
};
PieceCacheStats piece_cache_stats();

// The ids of a batch of texts, kept by chunk of consecutive texts (one buffer per chunk, so that
// short texts cost no allocation each): chunk c holds texts [bounds[c], bounds[c + 1]); the k-th
// of them has ids[c][start, ends[c][k]) with start = k ? ends[c][k - 1] : 0.
struct BatchIds {
  std::vector<size_t> bounds;
  std::vector<std::vector<uint32_t>> ids;
  std::vector<std::vector<size_t>> ends;

  size_t chunks() const { return ids.size(); }
  // Ids of the k-th text of chunk c.
  std::pair<const uint32_t*, size_t> text(size_t c, size_t k) const {
    const size_t start = k ? ends[c][k - 1] : 0;
    return {ids[c].data() + start, ends[c][k] - start};
  }
};

// A text of a batch: UTF-8 bytes (kind 0), or the code units of a Python str (kind 1, 2 or 4:
// bytes per code unit), which the thread that encodes it converts to UTF-8 first (ucs_utf8.h),
// so that a batch's conversions run in parallel and no UTF-8 copy stays inside the str.
struct BatchText {
  const void* data = nullptr;
  size_t size = 0;  // bytes (kind 0) or code units
  unsigned kind = 0;
};

// A code unit of a batch's str that UTF-8 cannot carry (a lone surrogate); encode_batch stops.
struct LoneSurrogate : std::exception {
  size_t text, index;  // which text, which code unit
  LoneSurrogate(size_t t, size_t i) : text(t), index(i) {}
  const char* what() const noexcept override { return "surrogates not allowed"; }
};

// The CPUs this process may run on: its affinity mask on Linux, else the hardware count.
size_t usable_cpus();

// Encode many texts on `num_threads` threads (0, or more than usable_cpus(): that many) of the
// worker pool, in chunks of consecutive texts of at least 16 KiB (a batch of less runs on the
// calling thread).
// `consume(c, d)`, if given, runs on the calling thread, in order, for each range [c, d) of
// finished chunks, while the other threads keep encoding (the calling thread encodes too when no
// chunk is waiting): the Python binding builds its lists of ints there, under the GIL, so that
// this serial step overlaps the encoding instead of following it. An exception from a text or
// from `consume` stops the batch and is rethrown (the first one) after all threads stop.
void encode_batch(const Encoder& enc, const std::vector<BatchText>& texts,
                  const SpecialPolicy& policy, size_t num_threads, BatchIds& out,
                  const std::function<void(size_t, size_t)>& consume = nullptr);

}  // namespace codebpe
