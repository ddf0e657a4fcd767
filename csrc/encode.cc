// Encoder: special tokens, pre-tokenization, whole-piece lookup, piece cache, batches.
//
// Performance notes (cl100k, one thread, process CPU time on the shared 2-core machine, best of
// several runs; 2-3 MB of the shipped corpus per domain, cold piece cache; end to end through the
// binding incl. the native pre-tokenizer). The figures in the notes below are those of the day
// each change was measured, when the whole path ran at ~47 (code) / ~50 (English) / ~23
// (Chinese) MB/s; today's are in docs/encoding.md (2026-11-29: cl100k ~60-80 MB/s on all three,
// o200k ~50-75, tiktoken 5-15).
// * Whole-piece lookup first: in rank-based vocabularies a piece that is itself a token is
//   exactly that token, and ~92% of code/English pieces (78% of Chinese) are. For merge-list
//   (Hugging Face) vocabularies the shortcut is only used when the model says so
//   (ignore_merges); otherwise every piece goes through the cache and BPE.
// * Per-thread piece cache (open addressing + arena, pieces <= 256 bytes that are not a single
//   token, cleared when half full), keyed by the encoder's serial so a thread switching encoders
//   never reads stale entries. A first version was direct-mapped with 4096 slots and pieces <= 32
//   bytes: code has ~17k distinct multi-token pieces per 3 MB and thrashed it; Chinese has long
//   CJK runs. Chinese stays BPE-bound (~35k distinct multi-token pieces per 3 MB).
//   The slot hash tag and the arena offset share one 64-bit word (they were two arrays, i.e. two
//   cache misses per probe; perf showed the slot load at ~11% of encode_piece on code). A/B vs
//   the previous build, best of 3 alternations, 1 MB/domain, cl100k: code 44.1 -> 45.5,
//   Chinese 23.1 -> 24.3, English 44.3 -> 47.2 MB/s (within the machine's noise on code).
//   (2026-11-30) The slot table starts at 4 Ki slots (32 KiB) after each clear and doubles when
//   half full, up to the 64 Ki above (an entry's home slot is taken from hash bits its tag
//   holds, so growing reads no arena): clear_caches() zeroed 512 KiB at every clear (~47 us,
//   pushing the token tables out of L2), and 1 MB of English fills ~5 k entries, 1 MB of
//   Chinese ~12 k, so the probes now also land in 32-256 KiB instead of 512 KiB. Through Python,
//   encode_ordinary, cold cache, 1 MB, 14 alternating processes, median paired ratio: o200k
//   English 1.033, Chinese 1.047, code 1.034; cl100k Chinese 1.049, English 1.084. callgrind
//   (instructions inside the call, one pass): o200k English 45.8 M -> 44.2 M, Chinese 98.2 M ->
//   96.6 M (mostly the memset). Rejected with it: zeroing only the written 64ths of the tiny
//   memo and the cut memo at a clear (192 KiB more, which code and English barely write): 0.99
//   -1.02 on code and English, 0.97 on Chinese.
// * Measured here (perf, cl100k, 1 MB code): the native split is ~33% of encode's samples and
//   runs at ~120 MB/s both alone (split_offsets) and inside the encoder, so materialising the
//   piece offsets costs nothing visible; the rest is whole-piece lookups (short-table misses)
//   and merge_small.
// * The whole-piece lookup runs inline in the segment loop and only a miss calls out
//   (merge_piece). It was a call to encode_piece per piece: cachegrind (o200k, 1 MB of code) counted
//   ~25 instructions and 7 stores of prologue/epilogue per call plus substr's bounds test, 17% of
//   the encoder's instructions went away. C++ harness A/B, median of 5 alternating runs (the
//   machine at ~55-80 MB/s): code cl100k 1.11x, o200k 1.14x; English 1.13x / 1.12x; Chinese
//   0.99x / 1.03x.
// * ASCII pieces that miss the whole-piece lookup skip the cut scan (all_ascii): next_cut tested
//   every byte of them for a candidate that ASCII never has, ~5% of the encoder's instructions on
//   code (cachegrind, o200k, 1 MB: 36.9 -> 35.1 M per MB).
// * A whole piece of more than 8 bytes with ASCII at both ends skips the long-token filter bitmap
//   (TokenMap::find_long): 61-79% of them are tokens on code and English, and perf put a quarter
//   of find_long's samples on that load (o200k, code, through Python). C++ harness A/B: within
//   noise (0.99-1.13x). Chinese pieces keep the filter (29-33% are tokens): without it find_long
//   rose to 11% of the samples on cl100k Chinese.
// * Tried and rejected: the whole non-ASCII piece through the piece cache before the cut scan
//   (half of the non-token pieces of 1 MB of Chinese repeat an earlier one): 3.8% fewer
//   instructions on Chinese, but 2-7% slower in three alternating A/B runs (the extra entries and
//   probes cost more memory traffic than the repeats saved).
// * Tried and rejected (2026-12): 4-8 byte pieces whose BPE is 1-2 ids in a direct-mapped memo
//   of 4 Ki 16-byte entries (bytes, length, ids: one load, no hash_bytes, no arena read) in front
//   of the piece cache; perf had put ~35% of merge_cached's samples on the slot and arena loads
//   of a hit. callgrind, o200k English cold, one pass: 35.04 M -> 34.67 M instructions. Through
//   Python, cold, 8 alternating pairs, median paired ratio: o200k en 1.022 then 0.972 (a second
//   run), code 1.058, zh 1.022; cl100k en 1.053, code 1.014: ~1-2%, under the 3% bar on English.
// * Tried and rejected: a 4096-slot per-thread "hot piece" table in front of the token map (A/B:
//   code 47.8 -> 46.3, English 51.6 -> 48.1 MB/s, i.e. noise or worse); software prefetch of the
//   token-map slot six pieces ahead (47.9 -> 43.7 MB/s on code).
// * Non-ASCII pieces that are not a token are cut where no token can span (bpe.cc, "Safe cuts")
//   and each chunk goes through the cache. Two per-thread direct-mapped memos make that cheap on
//   Chinese, where most chunks are one 3-byte character: 3-byte chunk -> its 1-2 ids (8 Ki
//   entries), and 6-byte window around a cut -> may_cross's answer (4 Ki entries). C++ harness
//   (Encoder::encode over 1 MB of the Chinese corpus, cold cache, best of 4 interleaved rounds of
//   3): cl100k 66.3 -> 74.5 MB/s with both memos and the exact fragment set, o200k 56.5 -> 56.8;
//   code and English unchanged (92 / 94 MB/s, same harness).
//   The window memo is now 16 Ki entries (128 KiB): 1.44 MB of the Chinese corpus has 27 k
//   distinct windows over 177 k candidates, and 4 Ki entries hit 64% of them. Instructions per
//   pass over that text (cachegrind, o200k) 103.1 M -> 97.8 M; C++ harness, 7 alternating rounds
//   of best-of-5, median paired ratio: cl100k 1.036x, o200k 1.044x. 64 Ki entries: 0.99x more.
// * (2026-11-30) next_cut steps over the two continuation bytes of the character after a cut
//   that may_cross_3x3 decided (the window is two whole 3-byte characters, so they are no
//   candidates): after a kept cut it goes on at k + 3, and the caller resumes after a made cut at
//   k + 3 instead of k + 1 (next_cut's `skip`). callgrind, one pass over 1 MB through Python:
//   o200k Chinese 96.6 M -> 93.3 M instructions, cl100k 101.7 M -> 98.2 M; time within noise
//   (20 alternating processes, median paired ratio 1.005 / 1.016; 0.98-1.00 in two earlier
//   runs): the skipped iterations were cheap, predictable work beside the memo and table loads.
// * A non-ASCII piece of more than 8 bytes is cut before it is looked up (TokenMap::find_piece
//   returns kDeferred): a piece with a safe cut is not a token (each inner candidate of a token
//   has that token's own fragment), and ~90% of long Chinese pieces have one, so only pieces
//   without a cut pay the long-token lookup. find_long fell from 7.5% to 4.3% of the samples on
//   o200k Chinese (perf); instructions 104.7 M -> 103.1 M per pass; time within noise (median
//   paired 0.98-1.03x).
// * Special tokens: leftmost, then longest among the enabled ones; with none enabled the scan is
//   skipped. Candidate positions come from memchr when all specials share their first byte
//   (tiktoken's, DeepSeek's and ours start with '<'), else from a 256-entry first-byte filter;
//   at each, a walk down a byte trie of the specials (Encoder::build_special_trie), so the cost
//   per '<' is the length of the longest common prefix, not the number of specials. It replaced
//   a memcmp against every special at every first-byte hit: DeepSeek-V3's 818 specials all begin
//   with "<｜", and 1.2 MB of "<｜" took 1.39 s in encode() and 0.35 s in encode_ordinary (its
//   non-special added tokens are always scanned for) -> 0.03 / 0.02 s. encode() with the default
//   policy, A/B through Python (best of 3 alternating, 1 MB): cl100k code 65.1 -> 69.0 MB/s,
//   English 60.6 -> 70.0; DeepSeek-V3 code 29.4 -> 38.0, English 34.6 -> 41.9.
//   Hugging Face added tokens with normalized: true (SpecialToken::in_gaps) are looked for only in
//   the text between the matches of the others, as its AddedVocabulary does ("<|a|>x" with
//   "<|a|>" not normalized and "<|a|>x" normalized is "<|a|>" + "x"): each gap is scanned again
//   for them, which costs a second scan only when both kinds are enabled.
// * List batches (encode_batch_ordered): the calling thread builds each finished text's Python
//   list (under the GIL, in order) while the other threads encode, and encodes itself when no
//   result is waiting. Before, all lists were built after the batch: ~7 ns per id of serial
//   work, which capped scaling (bench_encode.py --scaling, 3 MB, 2 cores: lists 1 -> 2 threads
//   50.9 -> 83.3 MB/s before, 57 -> 94-110 MB/s after; NumPy output, which has no such step,
//   1.90x). A first version ran the lists on an extra thread beside num_threads encoders: faster
//   at num_threads=1 only because it then used two cores.
// * Batches: a persistent worker pool (thread_pool.h; warm piece caches across calls), chunks
//   of consecutive texts (>= 16 KiB each, or one long text) handed out by an atomic counter
//   (texts vary a lot in size, static chunking leaves a thread idle); the GIL is released by the
//   binding. Text by text, batches of short lines were slower on 2 threads than on 1 (one
//   cross-core cache-line transfer per text for the counter and the ready flag, and a vector
//   allocated per text and freed on another thread). A chunk's texts append to one buffer.
//   A/B (o200k, lines of code, 1 MB, alternating processes, two rounds, MB/s): lists 1 thread
//   48.6-52.6 -> 66.6-69.0, 2 threads 42.5-47.8 -> 84.1-91.0; NumPy 2 threads 70.4-73.5 ->
//   70.4-98.0; whole documents unchanged (1 MB of code: 2 threads 165-206 vs 182-187).
#include "encode.h"

#include "scratch.h"
#include "thread_pool.h"
#include "ucs_utf8.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "inline.h"

#if defined(__linux__)
#include <sched.h>
#endif

namespace codebpe {

namespace {

std::atomic<uint64_t> g_serial{1};

constexpr size_t kCacheMaxPiece = 256;    // longer pieces are not cached
constexpr size_t kCacheSlots = 1 << 16;     // open addressing, at most; cleared when half full
constexpr size_t kCacheSlotsMin = 1 << 12;  // after a clear (doubles when half full)
constexpr size_t kTinySlots = 1 << 13;      // PieceCache::tiny (64 KiB)
constexpr unsigned kCutMemoBits = 14;
constexpr size_t kCutMemo = size_t{1} << kCutMemoBits;  // PieceCache::cut_memo (128 KiB)
constexpr size_t kCacheArena = 1 << 21;     // uint32 words of keys and ids (8 MiB), then cleared

}  // namespace

// Per-thread cache of piece -> ids for pieces (and chunks of cut pieces) that are not a single
// token, keyed by the encoder's serial (a thread that switches encoders starts afresh).
// Invariant: slots[i] == 0 marks an empty slot; otherwise its high 32 bits are the piece's hash
// tag (low bit set, so never 0) and its low 32 bits the offset of the entry in the arena:
// length in bytes, number of ids, key bytes (padded to 4 bytes with zeros), ids. Tag and offset
// share one word so that a lookup touches one slot line, not two arrays. A piece's home slot is
// taken from bits 40-55 of its hash, which the tag holds, so the table doubles without reading
// the arena: it starts at kCacheSlotsMin slots after each clear and grows to kCacheSlots (see
// the note at the top: zeroing 512 KiB at every clear cost more than the growth).
struct PieceCache {
  uint64_t serial = 0;
  size_t used = 0;
  size_t mask = 0;  // slots.size() - 1
  std::vector<uint64_t> slots;
  std::vector<uint32_t> arena;

  // 3-byte chunks (one CJK character, mostly) -> their 1 or 2 ids, direct-mapped: bits 0-23 the
  // bytes, 24-25 the number of ids (0: empty), 26-44 and 45-63 the ids (vocabularies < 2^19).
  std::vector<uint64_t> tiny;
  static constexpr size_t kTinyMaxIds = size_t{1} << 19;  // ids that fit its 19-bit fields

  uint64_t& tiny_slot(uint64_t key) { return tiny[(key * 0x9E3779B97F4A7C15ull) >> (64 - 13)]; }
  // The ids of the 3-byte chunk `key` appended to out from its slot e; false if e holds another.
  static bool tiny_get(uint64_t e, uint64_t key, std::vector<uint32_t>& out) {
    const uint64_t m = e >> 24 & 3;
    if (!m || (e & 0xFFFFFF) != key) return false;
    out.push_back(static_cast<uint32_t>(e >> 26 & 0x7FFFF));
    if (m == 2) out.push_back(static_cast<uint32_t>(e >> 45));
    return true;
  }
  // Memo of BpeModel::may_cross for cuts with 3 bytes on each side (the answer depends on those
  // 6 bytes only): bits 16-63 the bytes, bit 1 valid, bit 0 the answer; direct-mapped.
  std::vector<uint64_t> cut_memo;

  void clear() {
    std::fill(tiny.begin(), tiny.end(), 0);
    std::fill(cut_memo.begin(), cut_memo.end(), 0);
    slots.assign(kCacheSlotsMin, 0);  // (keeps the capacity)
    mask = kCacheSlotsMin - 1;
    arena.clear();
    used = 0;
  }

  static uint64_t tag_of(uint64_t h) { return (h >> 32 | 1) << 32; }
  static size_t home(uint64_t tag_or_h) { return static_cast<size_t>(tag_or_h >> 40); }

  // An entry lies at most kMaxProbe slots after its home: put() does not cache a piece whose
  // home has no free slot that near, so get() stops there. Pieces are attacker-controlled text and
  // hash_bytes is not keyed: 30,000 distinct 9-byte words whose homes fell in the first 1,024 of
  // the 65,536 slots (found offline in seconds) made one long cluster, and 270 KB of them took
  // 0.69 s to encode against 23 ms for 30,000 other words (each lookup walked the cluster). With
  // the bound the cluster costs at most kMaxProbe probes a lookup. Ordinary text never reaches
  // it: the table is at most half full.
  static constexpr size_t kMaxProbe = 32;

  // Twice the slots, the entries re-placed from their tags (an entry that would lie further than
  // kMaxProbe from its home is dropped: it is a cache).
  void grow() {
    std::vector<uint64_t> old(slots.size() * 2, 0);
    old.swap(slots);
    mask = slots.size() - 1;
    for (uint64_t e : old) {
      if (e == 0) continue;
      const size_t i = free_slot(home(e));
      if (i != kFull) {
        slots[i] = e;
      } else {
        --used;
      }
    }
  }

  // The first free slot at most kMaxProbe - 1 after `first` (a home), or kFull.
  static constexpr size_t kFull = ~size_t{0};
  size_t free_slot(size_t first) const {
    for (size_t d = 0; d < kMaxProbe; ++d) {
      const size_t i = (first + d) & mask;
      if (slots[i] == 0) return i;
    }
    return kFull;
  }

  // Ids of `piece` appended to out; false if not cached.
  bool get(uint64_t h, std::string_view piece, std::vector<uint32_t>& out) const {
    const uint64_t tag = tag_of(h);
    const size_t first = home(h);
    for (size_t d = 0; d < kMaxProbe; ++d) {
      const size_t i = (first + d) & mask;
      if (slots[i] == 0) return false;
      if ((slots[i] & ~uint64_t{0xFFFFFFFF}) != tag) continue;
      const uint32_t* e = arena.data() + static_cast<uint32_t>(slots[i]);
      if (e[0] != piece.size() || !bytes_equal(reinterpret_cast<const char*>(e + 2), piece.data(), piece.size())) continue;
      const uint32_t* ids = e + 2 + (piece.size() + 3) / 4;
      // Mostly 1-4 ids: a loop, not insert()'s call to memmove (0.5% fewer instructions on
      // Chinese, cachegrind).
      for (uint32_t k = 0; k < e[1]; ++k) out.push_back(ids[k]);
      return true;
    }
    return false;
  }

  void put(uint64_t h, std::string_view piece, const uint32_t* ids, size_t nids) {
    size_t words = 2 + (piece.size() + 3) / 4 + nids;
    if (used * 2 >= slots.size()) {
      if (slots.size() < kCacheSlots) {
        grow();
      } else {
        clear();
      }
    }
    if (arena.size() + words > kCacheArena) clear();
    const size_t i = free_slot(home(h));
    if (i == kFull) return;  // not cached (see kMaxProbe)
    slots[i] = tag_of(h) | arena.size();
    const size_t off = arena.size();
    arena.resize(arena.size() + words, 0);
    uint32_t* e = arena.data() + off;
    e[0] = static_cast<uint32_t>(piece.size());
    e[1] = static_cast<uint32_t>(nids);
    std::memcpy(e + 2, piece.data(), piece.size());
    std::copy(ids, ids + nids, e + 2 + (piece.size() + 3) / 4);
    ++used;
  }
};

namespace {

// A thread keeps the caches of its last kThreadCaches encoders, most recent first: with one cache,
// a thread that alternated between two tokenizers (counting each line with cl100k and o200k)
// cleared ~600 KB at every call, 18 us per call against 0.85 us.
constexpr size_t kThreadCaches = 4;
thread_local PieceCache t_caches[kThreadCaches];
// clear_caches() bumps g_cache_epoch; a thread forgets its caches at its next call when its own
// epoch is behind (a relaxed load per call: the pool's workers have caches too, which a benchmark
// of cold batches must empty, and no thread but the owner may touch a thread's caches).
std::atomic<uint64_t> g_cache_epoch{0};
thread_local uint64_t t_cache_epoch = 0;

PieceCache& thread_cache(uint64_t serial) {
  PieceCache* caches = t_caches;
  const uint64_t epoch = g_cache_epoch.load(std::memory_order_relaxed);
  if (epoch != t_cache_epoch) {
    t_cache_epoch = epoch;
    for (size_t k = 0; k < kThreadCaches; ++k) caches[k].serial = 0;
  }
  if (caches[0].serial == serial) return caches[0];
  // Move the cache of `serial` (or the least recently used one) to the front.
  size_t k = 1;
  while (k + 1 < kThreadCaches && caches[k].serial != serial) ++k;
  for (; k > 0; --k) std::swap(caches[k], caches[k - 1]);  // (moves the vectors, no copy)
  PieceCache& cache = caches[0];
  if (cache.serial != serial) {
    if (cache.tiny.empty()) {  // (clear() sizes the slots)
      cache.tiny.assign(kTinySlots, 0);
      cache.cut_memo.assign(kCutMemo, 0);
      cache.arena.reserve(1 << 16);
    }
    cache.clear();
    cache.serial = serial;
  }
  return cache;
}

}  // namespace

void clear_thread_cache() {
  for (PieceCache& c : t_caches) c.serial = 0;
}

void clear_caches() { g_cache_epoch.fetch_add(1, std::memory_order_relaxed); }

PieceCacheStats piece_cache_stats() {
  const PieceCache& c = t_caches[0];
  PieceCacheStats s;
  s.entries = c.used;
  s.slots = c.slots.size();
  for (size_t i = 0; i < c.slots.size(); ++i) {
    if (c.slots[i] != 0) s.max_probe = std::max(s.max_probe, (i - PieceCache::home(c.slots[i])) & c.mask);
  }
  return s;
}

Encoder::Encoder(const std::vector<std::string>& tokens,
                 const std::vector<std::pair<uint32_t, uint32_t>>& merges,
                 std::vector<SpecialToken> specials, int pattern, bool whole_piece_lookup)
    : specials_(std::move(specials)), serial_(g_serial.fetch_add(1)) {
  model_.build(tokens, merges);
  whole_piece_ = whole_piece_lookup;
  size_t n = tokens.size();
  for (const auto& s : specials_) {
    if (s.bytes.empty()) throw std::invalid_argument("a special token cannot be empty");
    n = std::max<size_t>(n, size_t{s.id} + 1);
  }
  std::vector<const std::string*> bytes_of(n, nullptr);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens[i].empty()) bytes_of[i] = &tokens[i];
  }
  for (const auto& s : specials_) {
    // An id is one byte string: a special may share an ordinary token's id only with its bytes
    // (Hugging Face added tokens that are already in the vocabulary), never replace them.
    if (bytes_of[s.id] != nullptr && *bytes_of[s.id] != s.bytes) {
      throw std::invalid_argument("special token '" + s.bytes + "' has id " + std::to_string(s.id) +
                                  ", which already stands for other bytes");
    }
    bytes_of[s.id] = &s.bytes;
  }
  size_t total = 0;
  for (const std::string* b : bytes_of) total += b ? b->size() : 0;
  id_arena_.reserve(total + 16);
  id_entry_.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (bytes_of[i] == nullptr) continue;
    if (bytes_of[i]->size() > 0xFFFFFF) {
      throw std::invalid_argument("token " + std::to_string(i) + " is longer than 16 MiB");
    }
    id_entry_[i] = uint64_t{id_arena_.size()} << 24 | bytes_of[i]->size();
    id_arena_ += *bytes_of[i];
  }
  id_arena_.append(16, '\0');  // decode copies 16 bytes from a short token's start
  for (const auto& s : specials_) has_always_ = has_always_ || s.kind == SpecialKind::always;
  if (pattern >= 0) {
    has_pattern_ = true;
    pattern_ = static_cast<PatternId>(pattern);
  }
  build_special_trie();
}

void Encoder::build_special_trie() {
  // A map-based trie first, then flattened (children sorted by byte, as std::map keeps them).
  struct Build {
    std::map<uint8_t, uint32_t> kids;
    std::vector<uint32_t> terms;
  };
  std::vector<Build> b(1);
  for (size_t k = 0; k < specials_.size(); ++k) {
    uint32_t node = 0;
    for (unsigned char c : specials_[k].bytes) {
      auto it = b[node].kids.find(c);
      if (it == b[node].kids.end()) {
        b.emplace_back();
        it = b[node].kids.emplace(c, static_cast<uint32_t>(b.size() - 1)).first;
      }
      node = it->second;
    }
    b[node].terms.push_back(static_cast<uint32_t>(k));
  }
  special_nodes_.assign(b.size(), SpecialNode{});
  special_edges_.clear();
  special_terms_.clear();
  for (size_t i = 0; i < b.size(); ++i) {
    SpecialNode& nd = special_nodes_[i];
    nd.first = static_cast<uint32_t>(special_edges_.size());
    nd.count = static_cast<uint32_t>(b[i].kids.size());
    for (const auto& [c, child] : b[i].kids) special_edges_.push_back(SpecialEdge{c, child});
    nd.term_first = static_cast<uint32_t>(special_terms_.size());
    nd.term_count = static_cast<uint32_t>(b[i].terms.size());
    special_terms_.insert(special_terms_.end(), b[i].terms.begin(), b[i].terms.end());
  }
  // The first bytes are the root's children: a filter, or memchr's byte when there is one.
  const SpecialNode& root = special_nodes_[0];
  for (uint32_t e = 0; e < root.count; ++e) special_first_[special_edges_[root.first + e].byte] = 1;
  special_only_first_ = root.count == 1 ? special_edges_[root.first].byte : -1;
}

void Encoder::unknown_id(uint32_t id) const {
  throw std::out_of_range("token id " + std::to_string(id) + " is not in the vocabulary (n_vocab " +
                          std::to_string(id_entry_.size()) + ")");
}

void Encoder::decode(const uint32_t* ids, size_t n, std::string& out) const {
  // One pass: each id's entry is looked up once (a second pass to size the output first read
  // the table twice). Tokens of up to 16 bytes (nearly all) are copied as one fixed 16-byte
  // block (the arena has 16 bytes of padding, the output 16 bytes of slack), not through a
  // memcpy call of their length. C++ driver, o200k, the ids of 1 MB of code / of Chinese, best
  // of 20, three interleaved runs: 15.0-20.8 ns per id (two passes over std::string per id) ->
  // 3.0-4.7 ns.
  const uint64_t* entry = id_entry_.data();
  const size_t n_ids = id_entry_.size();
  const char* arena = id_arena_.data();
  size_t at = out.size();
  out.resize(at + 4 * n + 64);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t e = ids[i] < n_ids ? entry[ids[i]] : 0;
    if (e == 0) {
      out.resize(at);
      unknown_id(ids[i]);
    }
    const size_t len = e & 0xFFFFFF;
    const char* src = arena + (e >> 24);
    if (out.size() - at < len + 16) out.resize(std::max(2 * out.size(), at + len + 64));
    char* dst = &out[at];
    if (len <= 16) {
      std::memcpy(dst, src, 16);
    } else {
      std::memcpy(dst, src, len);
    }
    at += len;
  }
  out.resize(at);
}

void Encoder::encode_piece(std::string_view piece, std::vector<uint32_t>& out) const {
  encode_piece(thread_cache(serial_), piece, out);
}

void Encoder::encode_piece(PieceCache& cache, std::string_view piece, std::vector<uint32_t>& out) const {
  const size_t n = piece.size();
  if (n == 0) return;
  uint32_t id = kNoId;
  if (whole_piece_) {
    id = model_.lookup(piece);
  } else if (n == 1) {
    id = model_.byte_id(static_cast<unsigned char>(piece[0]));
  }
  if (id != kNoId) {
    out.push_back(id);
    return;
  }
  merge_piece(cache, piece, out);
}

namespace {

// No byte >= 0x80 (8 bytes at a time; the last word overlaps the one before it).
bool all_ascii(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  if (n < 8) {
    uint64_t w = 0;
    for (size_t i = 0; i < n; ++i) w |= static_cast<unsigned char>(p[i]);
    return !(w & 0x80);
  }
  uint64_t w = load64(p + n - 8);
  for (size_t i = 0; i + 8 < n; i += 8) w |= load64(p + i);
  return !(w & kHigh);
}

}  // namespace

CODEBPE_NOINLINE void Encoder::merge_piece(PieceCache& cache, std::string_view piece,
                                           std::vector<uint32_t>& out, bool looked_up) const {
  const size_t n = piece.size();
  // An ASCII piece has no cut candidate (next_cut would test every byte for nothing).
  if (looked_up && all_ascii(piece)) return merge_cached(cache, piece, out);
  // Cut the piece where no token can span (non-ASCII text only, see bpe.cc "Safe cuts"): the
  // chunks are short and recur (Chinese words), so the cache below mostly hits.
  size_t skip = 1;
  size_t k = next_cut(cache, piece, 1, skip);
  if (k >= n) {
    // No safe cut. A piece not looked up yet (TokenMap::find_piece) may be a token.
    if (!looked_up) {
      const uint32_t id = model_.lookup(piece);
      if (id != kNoId) return out.push_back(id);
    }
    return merge_cached(cache, piece, out);
  }
  // A safe cut: the piece is not a token (a token's own fragments are in the set at each of its
  // inner candidates, so may_cross is true at all of them), and needs no lookup.
  size_t start = 0;
  do {
    merge_chunk(cache, piece.substr(start, k - start), out);
    start = k;
  } while ((k = next_cut(cache, piece, start + skip, skip)) < n);
  merge_chunk(cache, piece.substr(start), out);
}

// Inline in merge_piece's loop over the chunks of a cut piece (one or two per CJK character):
// as calls, their prologues and epilogues were ~1/3 of the instructions of that loop.
CODEBPE_HOT size_t Encoder::next_cut(PieceCache& cache, std::string_view piece, size_t k,
                                     size_t& skip) const {
  const auto* u = reinterpret_cast<const unsigned char*>(piece.data());
  const size_t n = piece.size();
  skip = 1;
  for (; k < n; ++k) {
    // Most positions are not candidates (the continuation bytes of CJK characters, all of an
    // ASCII piece): that test comes first, inline.
    if (!BpeModel::cut_candidate(u[k - 1], u[k])) continue;
    if (k < 3 || n - k < 3) {
      if (!model_.may_cross(piece.data(), k, n)) return k;
      continue;
    }
    // The answer depends on the 6 bytes p[k-3, k+3) only: memoised per thread. Two overlapping
    // 4-byte loads (a 6-byte memcpy compiled to narrow stores and a wide reload, a
    // store-forwarding stall that was ~30% of the cut test's samples on Chinese).
    const uint64_t w = load32(piece.data() + k - 3) | uint64_t{load32(piece.data() + k - 1)} << 16;
    // d < 2: w is two whole 3-byte characters, so p[k + 1] and p[k + 2] are continuation bytes
    // (no candidates): the next candidate is k + 3 at the earliest, whether or not k is a cut.
    const int d = model_.may_cross_3x3(w);
    if (d == 0) {
      skip = 3;
      return k;
    }
    if (d == 1) {
      k += 2;
      continue;
    }
    uint64_t& e = cache.cut_memo[(w * 0x9E3779B97F4A7C15ull) >> (64 - kCutMemoBits)];
    if (!(e & 2) || (e >> 16) != w) e = w << 16 | 2 | uint64_t{model_.may_cross(piece.data(), k, n)};
    if (!(e & 1)) return k;
  }
  return n;
}

std::vector<uint32_t> Encoder::safe_cuts(std::string_view piece) const {
  PieceCache& cache = thread_cache(serial_);
  std::vector<uint32_t> cuts;
  size_t skip = 1;
  for (size_t k = 0; (k = next_cut(cache, piece, k + skip, skip)) < piece.size();) {
    cuts.push_back(static_cast<uint32_t>(k));
  }
  return cuts;
}

CODEBPE_HOT void Encoder::merge_chunk(PieceCache& cache, std::string_view piece,
                                         std::vector<uint32_t>& out) const {
  if (piece.size() == 3 && n_ids() <= PieceCache::kTinyMaxIds) {
    const uint64_t key = short_key(piece.data(), 3);
    if (PieceCache::tiny_get(cache.tiny_slot(key), key, out)) return;
  }
  merge_cached(cache, piece, out);
}

CODEBPE_NOINLINE void Encoder::merge_cached(PieceCache& cache, std::string_view piece,
                                            std::vector<uint32_t>& out) const {
  const size_t n = piece.size();
  if (n == 3 && n_ids() <= PieceCache::kTinyMaxIds) {
    const uint64_t key = short_key(piece.data(), 3);
    uint64_t& e = cache.tiny_slot(key);
    if (PieceCache::tiny_get(e, key, out)) return;
    const size_t before = out.size();
    model_.merge(piece, out);
    const size_t got = out.size() - before;
    if (got <= 2) {
      e = key | uint64_t{got} << 24 | uint64_t{out[before]} << 26 |
          (got == 2 ? uint64_t{out[before + 1]} << 45 : 0);
    }
    return;
  }
  if (n <= 3 || n > kCacheMaxPiece) {  // short: direct BPE is as cheap as a cache probe
    model_.merge(piece, out);
    return;
  }
  uint64_t h = hash_bytes(piece.data(), n);
  if (cache.get(h, piece, out)) return;
  size_t before = out.size();
  model_.merge(piece, out);
  cache.put(h, piece, out.data() + before, out.size() - before);
}

void Encoder::encode_pieces(const std::vector<std::string_view>& pieces, std::vector<uint32_t>& out) const {
  PieceCache& cache = thread_cache(serial_);
  for (std::string_view p : pieces) encode_piece(cache, p, out);
}

void Encoder::encode_ordinary_segment(std::string_view text, const char* text_end, std::vector<uint32_t>& out,
                                      std::vector<uint32_t>& ends) const {
  if (text.empty()) return;
  if (!has_pattern_) throw std::logic_error("this encoder has no native pre-tokenizer");
  ends.clear();
  split(pattern_, text, ends);
  PieceCache& cache = thread_cache(serial_);
  const char* base = text.data();
  size_t start = 0;
  if (!whole_piece_) {
    for (uint32_t end : ends) {
      encode_piece(cache, std::string_view(base + start, end - start), out);
      start = end;
    }
    return;
  }
  // The whole-piece lookup inline, the rest (BPE, ~8% of code/English pieces) out of line: a call
  // per piece had cost a prologue/epilogue (six register saves) and substr's bounds test.
  // Rejected (2026-12-01): two passes, every piece's lookup first into an array (independent
  // loads, no branch on their results in between), then the BPE of the deferred ones. o200k,
  // through Python, 5 alternating process pairs, median ratio new/old, cold / steady: code
  // 0.989 / 0.970, Chinese 0.968 / 0.930, English 1.002 / 0.974: the core already overlaps the
  // lookups of this loop (~96% of whole-piece hits are in their home slot, so the probe loop's
  // branch is predicted).
  // Pieces starting before `readable` have 8 readable bytes (TokenMap::find_piece).
  const size_t avail = static_cast<size_t>(text_end - base);
  const size_t readable = avail >= 8 ? avail - 7 : 0;
  for (uint32_t end : ends) {
    const std::string_view piece(base + start, end - start);
    const uint32_t id = start < readable ? model_.lookup_piece(piece) : model_.lookup(piece);
    if (id < kDeferred) {
      out.push_back(id);
    } else {
      merge_piece(cache, piece, out, id == kNoId);
    }
    start = end;
  }
}

bool Encoder::find_special(std::string_view text, size_t from, size_t n, const uint8_t* enabled,
                           uint8_t want, SpecialMatch& match) const {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = from; i < n; ++i) {
    if (special_only_first_ >= 0) {  // tiktoken's, DeepSeek's, ours: all start with '<'
      const void* hit = std::memchr(p + i, special_only_first_, n - i);
      if (hit == nullptr) return false;
      i = static_cast<const unsigned char*>(hit) - p;
    } else if (!special_first_[p[i]]) {
      continue;
    }
    // Walk the trie from i; the deepest enabled terminal is the longest match (at most the
    // longest special's length in steps, whatever the number of specials).
    size_t best_len = 0, best = 0;
    uint32_t node = 0;
    for (size_t j = i; j < n; ++j) {
      const SpecialNode& nd = special_nodes_[node];
      const SpecialEdge* e = special_edges_.data() + nd.first;
      const SpecialEdge* end = e + nd.count;
      while (e < end && e->byte < p[j]) ++e;
      if (e == end || e->byte != p[j]) break;
      node = e->child;
      const SpecialNode& hit = special_nodes_[node];
      for (uint32_t t = 0; t < hit.term_count; ++t) {
        const uint32_t k = special_terms_[hit.term_first + t];
        if (enabled[k] == want) {  // identical bytes under several ids: the first enabled one
          best_len = j - i + 1;
          best = k;
          break;
        }
      }
    }
    if (best_len) {
      match = SpecialMatch{i, best_len, best};
      return true;
    }
  }
  return false;
}

namespace {

// The piece ends of Encoder::encode: a short text costs no allocation.
struct EndsTag;
using EndsScratch = Scratch<std::vector<uint32_t>, EndsTag, size_t{1} << 18>;

bool any_set(const std::vector<uint8_t>& v) {
  return std::any_of(v.begin(), v.end(), [](uint8_t x) { return x != 0; });
}

}  // namespace

void Encoder::encode(std::string_view text, const SpecialPolicy& policy, std::vector<uint32_t>& out) const {
  EndsScratch scratch;
  std::vector<uint32_t>& ends = scratch.v;
  ends.reserve(text.size() / 4 + 16);
  // ~3.5-4 bytes per token: rarely regrows. Geometric when `out` already holds ids (a batch
  // chunk appends text after text: an exact reserve there copied the chunk at every text).
  const size_t need = out.size() + text.size() / 3 + 16;
  if (need > out.capacity()) out.reserve(std::max(need, 2 * out.capacity()));
  // Which specials to look for: none (the common case, decided without a loop over them or an
  // allocation) unless some are always split out or the policy names some.
  if (!has_always_ && !any_set(policy.allowed) && !any_set(policy.disallowed)) {
    encode_ordinary_segment(text, text.data() + text.size(), out, ends);
    return;
  }
  uint8_t stack_enabled[256];
  std::vector<uint8_t> heap_enabled;
  uint8_t* enabled = stack_enabled;
  if (specials_.size() > sizeof stack_enabled) {
    heap_enabled.resize(specials_.size());
    enabled = heap_enabled.data();
  }
  // enabled[k]: 0 not looked for, 1 looked for, 2 looked for only between the matches of 1s
  bool any_first = false, any_in_gaps = false;
  for (size_t k = 0; k < specials_.size(); ++k) {
    const bool on = specials_[k].kind == SpecialKind::always ||
                    (k < policy.allowed.size() && policy.allowed[k]) ||
                    (k < policy.disallowed.size() && policy.disallowed[k]);
    const bool in_gaps = on && specials_[k].in_gaps;
    enabled[k] = on ? (in_gaps ? 2 : 1) : 0;
    any_first = any_first || (on && !in_gaps);
    any_in_gaps = any_in_gaps || in_gaps;
  }
  // With one kind only, the whole text is one gap: one scan, for that kind.
  const bool tiered = any_first && any_in_gaps;
  const uint8_t first = any_first ? 1 : 2;
  const size_t n = text.size();
  size_t seg = 0, pos = 0;
  auto emit = [&](const SpecialMatch& m) {
    const SpecialToken& s = specials_[m.index];
    bool allowed = s.kind == SpecialKind::always || (m.index < policy.allowed.size() && policy.allowed[m.index]);
    if (!allowed) {
      // Only disallowed specials reach here (plain-text ones are not enabled).
      // (the same words as tokenizer/_encoding_special.py's DISALLOWED_HINT)
      throw std::invalid_argument("Encountered text corresponding to disallowed special token '" + s.bytes +
                                  "': pass allowed_special={...} (or 'all') to encode it as the special "
                                  "token, or disallowed_special=() (or use encode_ordinary) to encode it "
                                  "as plain text");
    }
    encode_ordinary_segment(text.substr(seg, m.pos - seg), text.data() + text.size(), out, ends);
    out.push_back(s.id);
    seg = pos = m.pos + m.len;
  };
  SpecialMatch m{}, g{};
  while (any_first || any_in_gaps) {
    const bool found = find_special(text, pos, n, enabled, first, m);
    if (tiered) {  // the second kind in the gap before this match (or after the last one)
      while (find_special(text, pos, found ? m.pos : n, enabled, 2, g)) emit(g);
    }
    if (!found) break;
    emit(m);
  }
  encode_ordinary_segment(text.substr(seg), text.data() + text.size(), out, ends);
}

size_t usable_cpus() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<size_t>(CPU_COUNT(&set));  // (taskset, cgroup cpusets, job schedulers)
  }
#endif
  return std::max(1u, std::thread::hardware_concurrency());
}

void encode_batch(const Encoder& enc, const std::vector<BatchText>& texts,
                  const SpecialPolicy& policy, size_t num_threads, BatchIds& out,
                  const std::function<void(size_t, size_t)>& consume) {
  const size_t n = texts.size();
  out = BatchIds{};
  if (n == 0) return;
  // Work is handed out in chunks of consecutive texts of at least kChunkBytes (a long text is
  // a chunk of its own), not text by text: with short texts (lines, messages) the shared
  // counter and the ready flags, one cache-line transfer between cores each, cost more than the
  // encoding, and 2 threads were slower than 1 on batches of code lines up to 256 KB. A batch
  // smaller than two chunks runs on the calling thread alone.
  constexpr size_t kChunkBytes = 16 * 1024;
  std::vector<size_t>& bounds = out.bounds;  // chunk c is texts [bounds[c], bounds[c + 1])
  bounds.assign(1, 0);
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    bytes += texts[i].size * std::max(texts[i].kind, 1u) + 64;  // (+64: a text's own fixed cost)
    if (bytes >= kChunkBytes || i + 1 == n) {
      bounds.push_back(i + 1);
      bytes = 0;
    }
  }
  const size_t chunks = bounds.size() - 1;
  out.ids.resize(chunks);
  out.ends.resize(chunks);
  // (asked once: it reads the affinity mask, a few us, more than a small batch)
  static const size_t cpus = usable_cpus();
  // At most the CPUs this process may use: more threads only take turns, and the pool keeps
  // every worker it ever started (num_threads=512 left 512 threads and their caches behind).
  if (num_threads == 0 || num_threads > cpus) num_threads = cpus;
  num_threads = std::min(num_threads, chunks);
  std::unique_ptr<std::atomic<uint8_t>[]> ready(new std::atomic<uint8_t>[chunks]);
  for (size_t c = 0; c < chunks; ++c) ready[c].store(0, std::memory_order_relaxed);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto fail = [&]() {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error) error = std::current_exception();
    failed.store(true, std::memory_order_release);
    next.store(chunks);
  };
  auto encode_chunk = [&](size_t c) {
    // The chunk's vectors are filled here, on this thread's stack, and moved into `out` once
    // done: out.ids[c] and out.ends[c] share cache lines with the neighbouring chunks', which the
    // other threads are filling at the same time (every push_back writes the vector's end).
    std::vector<uint32_t> ids;
    std::vector<size_t> ends;
    ends.reserve(bounds[c + 1] - bounds[c]);
    for (size_t i = bounds[c]; i < bounds[c + 1]; ++i) {
      const BatchText& t = texts[i];
      if (t.kind == 0) {
        enc.encode(std::string_view(static_cast<const char*>(t.data), t.size), policy, ids);
      } else {
        Utf8Scratch utf8;
        std::string_view text;
        size_t bad = 0;
        if (!ucs_view(t.data, t.size, t.kind, utf8.v, text, bad)) throw LoneSurrogate(i, bad);
        enc.encode(text, policy, ids);
      }
      ends.push_back(ids.size());
    }
    out.ids[c] = std::move(ids);
    out.ends[c] = std::move(ends);
    ready[c].store(1, std::memory_order_release);
  };
  const std::thread::id caller = std::this_thread::get_id();
  auto work = [&]() {
    if (!consume || std::this_thread::get_id() != caller) {  // encode only
      try {
        for (size_t c; (c = next.fetch_add(1)) < chunks;) encode_chunk(c);
      } catch (...) {
        fail();
      }
      return;
    }
    // The calling thread hands over each run of finished chunks in order, and encodes the next
    // chunk itself whenever nothing is ready; once every chunk is handed out it waits, sleeping
    // a little between looks so as not to steal a core.
    size_t c = 0;
    unsigned idle = 0;
    while (c < chunks && !failed.load(std::memory_order_acquire)) {
      size_t d = c;
      while (d < chunks && ready[d].load(std::memory_order_acquire)) ++d;
      try {
        if (d > c) {
          consume(c, d);
          c = d;
          idle = 0;
          continue;
        }
        const size_t k = next.fetch_add(1);
        if (k < chunks) {
          encode_chunk(k);
          continue;
        }
      } catch (...) {
        fail();
        return;
      }
      if (++idle < 16) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
    }
  };
  run_on_threads(num_threads, work);
  if (error) std::rethrow_exception(error);
}

}  // namespace codebpe
