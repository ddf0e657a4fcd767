// The BPE merge loop: words as u32 id arrays with counts, incremental pair counts, pair -> word
// postings, and a lazy max-heap.
//
// Design notes (CPU seconds and bytes measured on the shared 2-core dev box):
// * Only the words that contain the merged pair are touched: each pair keeps a postings list of
//   word indices (appended when the pair appears in a word; may hold stale or repeated entries,
//   which cost one scan and change nothing). The reference's way, recounting every pair after
//   every merge, is O(merges x corpus); this loop does 32k merges over the 84 MB corpus (344 k
//   unique pieces, 4.8 M symbols) in ~2.0 s, 0.66 s on the 13 MB sample.
// * Pair counts change by local deltas while a word is rewritten in place (left-to-right,
//   non-overlapping, as the reference's _apply_merge); the delta rules handle runs such as
//   "aaaa" with pair (a, a) (see apply_merge). Recounting each touched word's pairs would be
//   simpler but costs two hash updates per symbol instead of ~5 per occurrence (not measured).
// * Lazy heap: entries carry the count at push time; on pop an entry whose count is stale is
//   re-pushed with the current count. Only increases push, and only pairs at or above
//   min_frequency; the heap is rebuilt from the live pairs when it reaches twice its last size.
//   Ties compare token bytes (left, then right), so the result depends on corpus content only,
//   never on thread count or document order (word order differs between runs; nothing depends
//   on it).
// * Memory, 84 MB corpus: 139 MB of merge structures at first; pushing only qualifying pairs,
//   rebuilding the heap, freeing the postings of pairs that reach count 0 and shrinking the
//   word arrays brought it to 107 MB (pair table ~50 MB with slack for 705 k pairs ever seen,
//   postings ~28 MB, symbols 19 MB). The piece table (19.5 MB) is released before the pairs are
//   built. malloc_trim(0) before building the pairs: no measurable change in peak RSS (195 vs
//   193 MB), dropped. The pair table is a std::deque: a vector's doubling (512 k -> 1 M pairs)
//   briefly holds both copies; with the deque the structures take 91 MB and the process peak
//   fell from 195 to 164 MB, same CPU time. Still to try: recycling dead pairs, a 16-byte
//   postings header instead of std::vector.
// * 2026-12: with consume, each shard of the piece table is freed once its words are built
//   (PieceCounter::drain), and the word arrays are reserved up front (the pieces' bytes bound the
//   symbols): the build phase held the whole table and the doubling word arrays together and
//   peaked 29-42 MB higher on ~850 k-piece tables; the merge loop's peak is unchanged (it is the
//   pairs: 2.9x the table's memory unpruned, 4.6-7x pruned; tokenizer/_train_options.merge_need).
#include "train.h"

#include "bpe.h"  // hash_bytes_seeded

#include <algorithm>
#include <deque>
#include <functional>
#include <queue>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace codebpe {

namespace {

inline uint64_t pair_key(uint32_t a, uint32_t b) { return (uint64_t{a} << 32) | b; }

// Open-addressing map from pair key to a dense pair index. Invariant: kEmpty never is a key
// (ids are below 2^32 - 1).
class PairIndex {
 public:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  PairIndex() : keys_(1 << 16, kEmpty), vals_(1 << 16) {}
  // Returns (index, inserted); a new key gets index `next`.
  std::pair<uint32_t, bool> find_or_insert(uint64_t key, uint32_t next) {
    if ((size_ + 1) * 10 > keys_.size() * 7) grow();
    size_t mask = keys_.size() - 1, i = hash(key) & mask;
    while (keys_[i] != kEmpty) {
      if (keys_[i] == key) return {vals_[i], false};
      i = (i + 1) & mask;
    }
    keys_[i] = key;
    vals_[i] = next;
    ++size_;
    return {next, true};
  }
  int64_t find(uint64_t key) const {
    size_t mask = keys_.size() - 1, i = hash(key) & mask;
    while (keys_[i] != kEmpty) {
      if (keys_[i] == key) return vals_[i];
      i = (i + 1) & mask;
    }
    return -1;
  }
  size_t memory() const { return keys_.size() * 12; }

 private:
  // fmix64 of the key xor the process's key (table_key.h: pairs come from the corpus).
  uint64_t hash(uint64_t k) const {
    k ^= key_;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return k;
  }
  void grow() {
    std::vector<uint64_t> ok(keys_.size() * 2, kEmpty);
    std::vector<uint32_t> ov(keys_.size() * 2);
    ok.swap(keys_);
    ov.swap(vals_);
    size_t mask = keys_.size() - 1;
    for (size_t j = 0; j < ok.size(); ++j) {
      if (ok[j] == kEmpty) continue;
      size_t i = hash(ok[j]) & mask;
      while (keys_[i] != kEmpty) i = (i + 1) & mask;
      keys_[i] = ok[j];
      vals_[i] = ov[j];
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  size_t size_ = 0;
  uint64_t key_ = process_key(KeyUse::kTrainPairs);
};

// The learned tokens' bytes -> id, hashed under the process's key (table_key.h: a corpus decides
// which tokens are learned; std::hash has no key).
struct TokenBytesHash {
  uint64_t seed = process_key(KeyUse::kTrainTokens);
  size_t operator()(const std::string& s) const { return hash_bytes_seeded(s.data(), s.size(), seed); }
};
using TokenIds = std::unordered_map<std::string, uint32_t, TokenBytesHash>;

struct PairInfo {
  int64_t count = 0;
  uint32_t a = 0, b = 0;
  uint64_t stamp = 0;               // last merge step that recorded an increase
  std::vector<uint32_t> postings;   // words that contained the pair at some point
};

// Rank BPE over a fixed token set (bytes + forced tokens): tokenizer._reference.bpe_parts.
// Invariant: `ids` maps every token's bytes to its id and is never modified after construction.
class RankBpe {
 public:
  explicit RankBpe(const std::vector<std::string>& tokens) : tokens_(tokens) {
    for (uint32_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], i);
    for (const std::string& t : tokens_)
      if (t.size() == 2) two_[static_cast<uint8_t>(t[0]) * 256 + static_cast<uint8_t>(t[1])] = true;
  }

  void encode(std::string_view piece, std::vector<uint32_t>& out) const {
    // Fast path: with no adjacent byte pair forming a 2-byte token, nothing can merge.
    bool any = false;
    for (size_t i = 0; i + 1 < piece.size() && !any; ++i)
      any = two_[static_cast<uint8_t>(piece[i]) * 256 + static_cast<uint8_t>(piece[i + 1])];
    if (!any) {
      for (char c : piece) out.push_back(static_cast<uint8_t>(c));
      return;
    }
    // Parts are byte ranges [start, next[start]); a lazy min-heap of (rank, start, end of right).
    const uint32_t n = static_cast<uint32_t>(piece.size());
    std::vector<uint32_t> next(n), prev(n);
    std::vector<char> alive(n, 1);
    for (uint32_t i = 0; i < n; ++i) {
      next[i] = i + 1;
      prev[i] = i ? i - 1 : UINT32_MAX;
    }
    using Cand = std::tuple<uint32_t, uint32_t, uint32_t>;  // rank, start, end
    std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> heap;
    auto push = [&](uint32_t s) {
      if (s >= n || next[s] >= n) return;
      uint32_t e = next[next[s]];
      auto it = ids_.find(piece.substr(s, e - s));
      if (it != ids_.end()) heap.emplace(it->second, s, e);
    };
    for (uint32_t i = 0; i + 1 < n; ++i) push(i);
    while (!heap.empty()) {
      auto [rank, s, e] = heap.top();
      heap.pop();
      if (!alive[s] || next[s] >= n || next[next[s]] != e) continue;
      uint32_t r = next[s];
      alive[r] = 0;
      next[s] = e;
      if (e < n) prev[e] = s;
      push(s);
      if (prev[s] != UINT32_MAX) push(prev[s]);
    }
    for (uint32_t s = 0; s < n; s = next[s]) out.push_back(ids_.at(piece.substr(s, next[s] - s)));
  }

 private:
  const std::vector<std::string>& tokens_;
  std::unordered_map<std::string_view, uint32_t> ids_;
  std::vector<bool> two_ = std::vector<bool>(65536, false);
};

class Merger {
 public:
  Merger(std::vector<std::string>& tokens, const TrainOptions& opt) : tokens_(tokens), opt_(opt) {}

  void add_word(const std::vector<uint32_t>& ids, uint64_t count) {
    if (ids.size() < 2) return;
    word_start_.push_back(syms_.size());
    word_len_.push_back(static_cast<uint32_t>(ids.size()));
    word_count_.push_back(count);
    syms_.insert(syms_.end(), ids.begin(), ids.end());
  }

  uint64_t words() const { return word_count_.size(); }

  // Room for `words` words of at most `symbols` symbols in all (no doubling slack, no copies).
  void reserve(uint64_t words, uint64_t symbols) {
    syms_.reserve(symbols);
    word_start_.reserve(words);
    word_len_.reserve(words);
    word_count_.reserve(words);
  }

  void init_pairs() {
    for (uint32_t w = 0; w < word_count_.size(); ++w) {
      const uint32_t* s = &syms_[word_start_[w]];
      for (uint32_t i = 0; i + 1 < word_len_[w]; ++i) delta(s[i], s[i + 1], word_count_[w], w);
    }
    for (uint32_t i = 0; i < pairs_.size(); ++i) maybe_push(i);
    touched_.clear();
  }

  uint64_t memory() const {
    uint64_t m = syms_.capacity() * 4 + word_start_.capacity() * 8 + word_len_.capacity() * 4 +
                 word_count_.capacity() * 8 + index_.memory() + pairs_.size() * sizeof(PairInfo) +
                 heap_.capacity() * sizeof(Entry);
    for (const PairInfo& p : pairs_) m += p.postings.capacity() * 4;
    return m;
  }

  // Releases the slack of the word arrays once they are complete.
  void shrink() {
    syms_.shrink_to_fit();
    word_start_.shrink_to_fit();
    word_len_.shrink_to_fit();
    word_count_.shrink_to_fit();
  }

  // One merge step; returns false when no pair qualifies.
  bool step(std::vector<std::pair<uint32_t, uint32_t>>& merges,
            TokenIds& token_ids) {
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), less_);
      Entry e = heap_.back();
      heap_.pop_back();
      PairInfo& p = pairs_[e.pair];
      if (p.count != e.count) {
        if (p.count > 0) push(e.pair);
        continue;
      }
      if (p.count <= 0 || static_cast<uint64_t>(p.count) < opt_.min_frequency) return false;
      std::string merged = tokens_[p.a] + tokens_[p.b];
      uint32_t new_id;
      auto it = token_ids.find(merged);
      if (it != token_ids.end()) {
        new_id = it->second;
      } else {
        new_id = static_cast<uint32_t>(tokens_.size());
        token_ids.emplace(merged, new_id);
        tokens_.push_back(std::move(merged));
      }
      merges.emplace_back(p.a, p.b);
      ++step_;
      std::vector<uint32_t> postings;
      postings.swap(pairs_[e.pair].postings);
      uint32_t a = pairs_[e.pair].a, b = pairs_[e.pair].b;
      for (uint32_t w : postings) apply_merge(w, a, b, new_id);
      for (uint32_t idx : touched_) maybe_push(idx);
      touched_.clear();
      if (heap_.size() > rebuild_at_) rebuild_heap();
      return true;
    }
    return false;
  }

 private:
  struct Entry {
    int64_t count;
    uint32_t pair;
  };
  struct Less {
    const Merger* m;
    // "a has lower priority than b": lower count, or equal count and larger (left, right) bytes.
    bool operator()(const Entry& x, const Entry& y) const {
      if (x.count != y.count) return x.count < y.count;
      const PairInfo& px = m->pairs_[x.pair];
      const PairInfo& py = m->pairs_[y.pair];
      int c = m->tokens_[px.a].compare(m->tokens_[py.a]);
      if (c) return c > 0;
      return m->tokens_[px.b].compare(m->tokens_[py.b]) > 0;
    }
  };

  // Drops stale entries: one entry per pair that can qualify, with its current count. Keeps the
  // lazy heap within ~2x the live pairs (it grows by one entry per increase otherwise).
  void rebuild_heap() {
    heap_.clear();
    for (uint32_t i = 0; i < pairs_.size(); ++i) {
      const PairInfo& p = pairs_[i];
      if (p.count <= 0 || static_cast<uint64_t>(p.count) < opt_.min_frequency) continue;
      if (opt_.max_token_length &&
          tokens_[p.a].size() + tokens_[p.b].size() > opt_.max_token_length)
        continue;
      heap_.push_back({p.count, i});
    }
    std::make_heap(heap_.begin(), heap_.end(), less_);
    heap_.shrink_to_fit();
    rebuild_at_ = std::max<size_t>(size_t{1} << 16, 2 * heap_.size());
  }

  void push(uint32_t idx) {
    heap_.push_back({pairs_[idx].count, idx});
    std::push_heap(heap_.begin(), heap_.end(), less_);
  }

  void maybe_push(uint32_t idx) {
    const PairInfo& p = pairs_[idx];
    // A pair below min_frequency cannot be chosen now; if it grows later, that increase pushes it.
    if (p.count <= 0 || static_cast<uint64_t>(p.count) < opt_.min_frequency) return;
    if (opt_.max_token_length && tokens_[p.a].size() + tokens_[p.b].size() > opt_.max_token_length)
      return;
    push(idx);
  }

  // count(a, b) += d; a positive d records word w in the pair's postings and marks the pair for a
  // heap push at the end of the step.
  void delta(uint32_t a, uint32_t b, int64_t d, uint32_t w) {
    auto [idx, inserted] = index_.find_or_insert(pair_key(a, b), static_cast<uint32_t>(pairs_.size()));
    if (inserted) {
      pairs_.emplace_back();
      pairs_.back().a = a;
      pairs_.back().b = b;
    }
    PairInfo& p = pairs_[idx];
    p.count += d;
    if (p.count == 0) std::vector<uint32_t>().swap(p.postings);  // no word holds it any more
    if (d > 0) {
      if (p.postings.empty() || p.postings.back() != w) p.postings.push_back(w);
      if (p.stamp != step_ + 1) {
        p.stamp = step_ + 1;
        touched_.push_back(idx);
      }
    }
  }

  // Rewrites word w in place, merging (a, b) -> x left to right without overlaps.
  // subtle: for consecutive occurrences ("a b a b", or "a a a a" with a == b) the pair between
  // them is removed once (as the right neighbour of the first) and the new (x, x) pair is added
  // once (as the left neighbour of the second).
  void apply_merge(uint32_t w, uint32_t a, uint32_t b, uint32_t x) {
    uint32_t* s = &syms_[word_start_[w]];
    const uint32_t n = word_len_[w];
    const int64_t c = static_cast<int64_t>(word_count_[w]);
    uint32_t out = 0, orig_prev = 0;
    bool have_prev = false, prev_merged = false;
    for (uint32_t i = 0; i < n;) {
      if (i + 1 < n && s[i] == a && s[i + 1] == b) {
        delta(a, b, -c, w);
        if (have_prev && !prev_merged) delta(orig_prev, a, -c, w);
        if (i + 2 < n) delta(b, s[i + 2], -c, w);
        if (out > 0) delta(s[out - 1], x, c, w);
        bool next_merges = i + 3 < n && s[i + 2] == a && s[i + 3] == b;
        if (i + 2 < n && !next_merges) delta(x, s[i + 2], c, w);
        s[out++] = x;
        orig_prev = b;
        have_prev = prev_merged = true;
        i += 2;
      } else {
        orig_prev = s[i];
        s[out++] = s[i];
        have_prev = true;
        prev_merged = false;
        ++i;
      }
    }
    word_len_[w] = out;
  }

  std::vector<std::string>& tokens_;
  TrainOptions opt_;
  std::vector<uint32_t> syms_;
  std::vector<uint64_t> word_start_;
  std::vector<uint32_t> word_len_;
  std::vector<uint64_t> word_count_;
  PairIndex index_;
  std::deque<PairInfo> pairs_;  // a deque: no copy-on-growth transient, no capacity slack
  std::vector<uint32_t> touched_;
  std::vector<Entry> heap_;
  Less less_{this};
  uint64_t step_ = 0;
  size_t rebuild_at_ = size_t{1} << 16;
};

}  // namespace

TrainResult train_bpe(PieceCounter& counter, const std::vector<std::pair<uint32_t, uint32_t>>& forced,
                      const TrainOptions& options, bool consume,
                      const std::function<void(uint64_t, uint64_t)>& progress) {
  TrainResult result;
  std::vector<std::string>& tokens = result.tokens;
  for (int i = 0; i < 256; ++i) tokens.emplace_back(1, static_cast<char>(i));
  TokenIds token_ids;
  for (uint32_t i = 0; i < 256; ++i) token_ids.emplace(tokens[i], i);
  for (auto [a, b] : forced) {
    if (a >= tokens.size() || b >= tokens.size())
      throw std::invalid_argument("forced merge refers to an unknown id");
    std::string merged = tokens[a] + tokens[b];
    if (token_ids.count(merged)) throw std::invalid_argument("forced merge makes an existing token");
    token_ids.emplace(merged, static_cast<uint32_t>(tokens.size()));
    tokens.push_back(std::move(merged));
    result.merges.emplace_back(a, b);
  }
  if (options.vocab_size < tokens.size())
    throw std::invalid_argument("vocab_size is smaller than the bytes plus the reserved tokens");
  if (tokens.size() >= UINT32_MAX - 1 || options.vocab_size >= UINT32_MAX - 1)
    throw std::invalid_argument("vocab_size too large");

  Merger merger(tokens, options);
  {
    const std::vector<std::string> base(tokens);  // stable storage for the RankBpe views
    RankBpe rank_bpe(base);
    std::vector<uint32_t> ids;
    const auto [pieces, bytes] = counter.content(0);
    merger.reserve(pieces, bytes);  // (a piece's bytes bound its symbols)
    auto add = [&](std::string_view piece, uint64_t count) {
      ids.clear();
      rank_bpe.encode(piece, ids);
      merger.add_word(ids, count);
    };
    if (consume)
      counter.drain(add);
    else
      counter.for_each(add);
  }
  merger.shrink();
  merger.init_pairs();
  result.words = merger.words();
  result.peak_bytes = merger.memory();

  const uint64_t target = options.vocab_size - tokens.size();
  const uint64_t start = tokens.size();
  uint64_t last_report = 0;
  if (progress) progress(0, target);
  while (tokens.size() < options.vocab_size) {
    if (!merger.step(result.merges, token_ids)) break;
    uint64_t done = tokens.size() - start;
    if (progress && done - last_report >= 256) {
      last_report = done;
      progress(done, target);
    }
  }
  if (progress) progress(tokens.size() - start, target);
  result.peak_bytes = std::max(result.peak_bytes, merger.memory());
  return result;
}

}  // namespace codebpe
