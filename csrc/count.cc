// Counting unique pre-tokenized pieces: sharded open-addressing tables, arena-held bytes.
//
// Design notes (CPU seconds, single thread, on the shared 2-core dev box; the shipped 12.6 MB
// corpus split with codebpe-v1 into 3.2 M pieces, 105 k unique; splitting itself takes 0.16 s):
// * Table: open addressing with linear probing, 24-byte slots {ptr, count, len, hash32}, piece
//   bytes in arena blocks (4 KiB growing to 1 MiB). Inserting all pieces: 0.10 s, 7.9 MB.
//   std::unordered_map<std::string, uint64_t>: 0.22-0.24 s (a node + a string per piece).
//   Robin-hood displacement was not tried: at load factor <= 0.7 with a 105 k-entry table the
//   probe sequences are short and the cost is the cache miss on the first slot.
// * Home slots (twentieth session): a multiply-shift of the piece's 32-bit hash by a random odd
//   key per process (PieceShard::home), not its low bits: count_hash is fixed and public, and
//   20,000 words sharing its low 14 bits, 20 times over (3.6 MB), took 1.33 s to count against
//   0.013 s for other words (one probe cluster). Keyed: 0.013 s; the shipped corpus counted
//   three times, 5 alternating pairs of processes, best of 5: 0.229-0.241 s -> 0.216-0.243 s.
// * Hash: FNV-1a over the bytes plus a multiply-xorshift finalizer, 0.10-0.14 s for the inserts
//   over several runs, vs 0.16-0.17 s with a wyhash-style 8-byte multiply-mix (three 64x64->128
//   multiplies); close to the noise of this shared box, but pieces average ~4 bytes so per-byte
//   FNV is at least not worse. Pieces over 32 bytes use the 8-byte mix.
// * Parallelism: sharding by hash (shard = thread; 16 shards under a cap, below) with a
//   split+bucket phase followed by an insert phase. Per-thread private tables merged at the end
//   were rejected without measuring: every frequent piece would be stored once per thread
//   (memory x threads) and the merge is serial.
// * Memory cap: pruning the rarest pieces (count <= 1, then doubling) after a batch, down to half
//   the cap so that pruning is rare; what was dropped is reported, never hidden. Pieces pruned
//   early and seen again later restart from zero (an undercount, included in the report).
// * Pruning is decided on memory(), the shards' real allocations (slot tables at powers of two,
//   arena blocks), so that the cap bounds what is held. Those depend on the shard layout: with a
//   shard per thread (and batches of 2 Mi characters per thread), which pieces were pruned
//   depended on the thread count. Under a cap the table therefore has kCappedShards shards
//   whatever the thread count, each fed in document order, and Python closes the batches at a
//   fixed text size (_train_options.CAPPED_BATCH_CHARS): the same vocabulary for any thread
//   count. A logical size (unique pieces and their bytes) was the alternative: independent of
//   the layout, but it either over-states the slot tables (a table is 1-2x its pieces' slots, by
//   where it stands between doublings), pruning more than the real size would, or under-states
//   them and lets the real table pass the cap. Sixteen shards keep the insert phase parallel up
//   to 16 threads; an empty shard is kMinSlots slots (6 KiB) so that the fixed part stays small
//   next to the smallest share (3.6 MB). Count files list the pieces sorted (hash, then bytes),
//   not in slot order, for the same reason: loading under a cap prunes as the pieces come.
// * Rounds: the split phase's piece references (16 bytes a piece, ~4 a byte of text) were held
//   for the whole batch, and a batch closes only past its size, so one large document made them
//   large (two 8 MB documents, 2 threads: 71 MB over the process's size). A batch is now counted
//   in rounds of at most kRoundBytes of text a worker; a larger document is split whole by one
//   thread (the pre-tokenizer never runs over parts cut at arbitrary places; 4 bytes a piece, as
//   the encoder does) and its pieces hashed and inserted kRoundPieces a worker at a time (23 MB
//   for the two 8 MB documents). Rounds go in document order, so each shard still receives its
//   pieces in document order and memory() after a batch does not depend on the thread count.
//   A batch of one document is counted by the calling thread (no references at all): splitting
//   it in one thread and hashing in two cost 10% more CPU on 15 MB records (2.15 s, 1.95 s). A
//   large document in a batch of several is split by one thread while the others wait (4 MB
//   records: 1.66 s of CPU against 1.56 s, splitting two in parallel before).
#include "count.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>

namespace codebpe {

namespace {

inline uint64_t mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

constexpr size_t kBlockSize = size_t{1} << 20;
// Slots of an empty shard (6 KiB): a capped table has kCappedShards of them from the start.
constexpr size_t kMinSlots = 256;
constexpr char kMagic[8] = {'C', 'B', 'P', 'E', 'C', 'N', 'T', '\0'};
// Version 2 (2026-11-30) ends with a u64 checksum of the content (content_sum); version 1 files,
// which have none, are still read.
constexpr uint32_t kFormatVersion = 2;

// The checksum of a count file: the metadata and the header's totals, then each entry mixed from
// its piece's hash (the one the table keys it by, so loading costs no second pass over the bytes)
// and its count, summed, so the order of the entries does not matter. A changed byte of a piece,
// a changed count, a dropped or a repeated entry all change it (a bad length or varint already
// fails to parse). Before it, a damaged piece loaded as another piece, silently.
uint64_t entry_sum(uint64_t piece_hash, uint64_t count) {
  return mix(piece_hash ^ (count * 0x9E3779B97F4A7C15ull), 0xa0761d6478bd642full);
}
uint64_t header_sum(const std::string& metadata, uint64_t total, uint64_t pruned_unique, uint64_t pruned_mass,
                    uint64_t entries) {
  uint64_t h = mix(count_hash(metadata.data(), metadata.size()) ^ total, 0xe7037ed1a0b428dbull);
  h = mix(h ^ pruned_unique, 0x8ebc6af09c88c6e3ull);
  h = mix(h ^ pruned_mass, 0x589965cc75374cc3ull);
  return mix(h ^ entries, 0x1d8e4e27c47d124full);
}

// Runs f(t) on `n` threads (the calling thread included) and rethrows the first exception.
template <class F>
void run_parallel(int n, F&& f) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> workers;
  for (int t = 1; t < n; ++t) {
    workers.emplace_back([&, t] {
      try {
        f(t);
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  try {
    f(0);
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& w : workers) w.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

uint64_t count_hash(const char* p, size_t n) {
  uint64_t h;
  if (n <= 32) {  // FNV-1a over the bytes: pieces are short (4 bytes on average)
    h = 1469598103934665603ull;
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  } else {  // long pieces: 8 bytes per multiply-mix step
    h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      h = mix(h ^ v, 0xa0761d6478bd642full);
      p += 8;
      n -= 8;
    }
    uint64_t v = 0;
    if (n) std::memcpy(&v, p, n);
    h = mix(h ^ v, 0xe7037ed1a0b428dbull);
  }
  // finalizer: the table uses the low bits, the shard the high bits
  h ^= h >> 32;
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 29);
}

// ---------------------------------------------------------------------------------------------
// SpecialCutter
// ---------------------------------------------------------------------------------------------

SpecialCutter::SpecialCutter(const std::vector<std::string>& specials)
    : by_first_(256), pair_bits_(65536 / 64, 0) {
  // (a set: a linear find per token made 100,000 special tokens take seconds per batch)
  std::unordered_set<std::string_view> seen;
  for (const std::string& s : specials)
    if (!s.empty() && seen.insert(s).second) specials_.push_back(s);
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  int first = -2;
  for (uint32_t k = 0; k < specials_.size(); ++k) {
    const auto b0 = static_cast<unsigned char>(specials_[k][0]);
    by_first_[b0].push_back(k);
    first_[b0] = true;
    first = (first == -2 || first == b0) ? b0 : -1;
    if (specials_[k].size() >= 2) {
      const unsigned pair = b0 << 8 | static_cast<unsigned char>(specials_[k][1]);
      pair_bits_[pair >> 6] |= uint64_t{1} << (pair & 63);
    }
  }
  only_first_ = first >= 0 ? first : -1;
}

bool SpecialCutter::next_match(std::string_view doc, size_t& i, size_t& len) const {
  const size_t n = doc.size();
  const auto* p = reinterpret_cast<const unsigned char*>(doc.data());
  for (; i < n; ++i) {
    if (only_first_ >= 0) {
      const void* hit = std::memchr(p + i, only_first_, n - i);
      if (hit == nullptr) return false;
      i = static_cast<const unsigned char*>(hit) - p;
    } else if (!first_[p[i]]) {
      continue;
    }
    const unsigned pair = i + 1 < n ? (p[i] << 8 | p[i + 1]) : 0;
    const bool pair_ok = i + 1 < n && (pair_bits_[pair >> 6] >> (pair & 63) & 1);
    for (uint32_t k : by_first_[p[i]]) {  // longest first: the first that matches is longest
      const std::string& s = specials_[k];
      if (s.size() > n - i || (s.size() >= 2 && !pair_ok)) continue;
      if (std::memcmp(p + i, s.data(), s.size()) == 0) {
        len = s.size();
        return true;
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// PieceShard
// ---------------------------------------------------------------------------------------------

PieceShard::PieceShard() : slots_(kMinSlots), key_(process_key(KeyUse::kPieceCounts)) {}

const char* PieceShard::store(const char* data, uint32_t len) {
  if (len > kBlockSize / 4) {  // big pieces get their own block
    big_.emplace_back(new char[len]);
    arena_bytes_ += len;
    std::memcpy(big_.back().get(), data, len);
    return big_.back().get();
  }
  if (block_used_ + len > block_cap_) {
    // Blocks grow geometrically from 4 KiB to 1 MiB, so small (or freshly pruned) shards stay small.
    size_t size = std::min(kBlockSize, std::max<size_t>(4096, arena_bytes_ / 2));
    while (size < len) size *= 2;
    blocks_.emplace_back(new char[size]);
    arena_bytes_ += size;
    block_used_ = 0;
    block_cap_ = size;
  }
  char* dst = blocks_.back().get() + block_used_;
  std::memcpy(dst, data, len);
  block_used_ += len;
  return dst;
}

void PieceShard::grow() { rehash(slots_.size() * 2); }

void PieceShard::reserve(size_t n) {
  size_t cap = slots_.size();
  while (cap * 7 < (n + 1) * 10) cap *= 2;
  if (cap > slots_.size()) rehash(cap);
}

size_t PieceShard::longest_run() const {
  return longest_taken_run(slots_, [](const Slot& s) { return s.count != 0; });
}

void PieceShard::rehash(size_t capacity) {
  std::vector<Slot> old(capacity);
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.count) continue;
    size_t i = home(s.hash32);
    while (slots_[i].count) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void PieceShard::add(const char* data, uint32_t len, uint64_t hash, uint64_t count) {
  if ((size_ + 1) * 10 > slots_.size() * 7) grow();
  size_t mask = slots_.size() - 1;
  uint32_t h32 = static_cast<uint32_t>(hash);
  size_t i = home(h32);
  while (true) {
    Slot& s = slots_[i];
    if (!s.count) {
      s.data = store(data, len);
      s.len = len;
      s.hash32 = h32;
      s.count = count;
      ++size_;
      return;
    }
    if (s.hash32 == h32 && s.len == len && std::memcmp(s.data, data, len) == 0) {
      s.count += count;
      return;
    }
    i = (i + 1) & mask;
  }
}

std::pair<uint64_t, uint64_t> PieceShard::prune(uint64_t threshold, int64_t bucket) {
  uint64_t dropped = 0, mass = 0;
  PieceShard fresh;
  auto drop = [&](const Slot& s) {
    return s.count <= threshold ||
           (s.count == threshold + 1 && static_cast<int64_t>(s.hash32 >> 16) > bucket);
  };
  size_t keep = 0;
  for (const Slot& s : slots_)
    if (s.count && !drop(s)) ++keep;
  size_t cap = kMinSlots;
  while (cap * 7 < (keep + 1) * 10) cap *= 2;
  fresh.slots_.assign(cap, Slot{});
  for (const Slot& s : slots_) {
    if (!s.count) continue;
    if (drop(s)) {
      ++dropped;
      mass += s.count;
      continue;
    }
    fresh.add(s.data, s.len, s.hash32, s.count);
  }
  *this = std::move(fresh);
  return {dropped, mass};
}

void PieceShard::clear() { *this = PieceShard(); }

// ---------------------------------------------------------------------------------------------
// PieceCounter
// ---------------------------------------------------------------------------------------------

PieceCounter::PieceCounter(int threads, uint64_t max_memory)
    : threads_(std::max(1, threads)),
      max_memory_(max_memory),
      shards_(max_memory ? kCappedShards : std::max(1, threads)) {}

uint64_t PieceCounter::unique() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n += s.size();
  return n;
}

uint64_t PieceCounter::longest_run() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n = std::max<uint64_t>(n, s.longest_run());
  return n;
}

uint64_t PieceCounter::memory() const {
  uint64_t n = 0;
  for (const auto& s : shards_) n += s.memory();
  return n;
}

void PieceCounter::clear() {
  for (auto& s : shards_) s.clear();
  total_ = 0;
}

void PieceCounter::count_documents(PatternId pattern, const std::vector<std::string_view>& docs,
                                   const SpecialCutter& cutter) {
  for (auto d : docs)
    if (d.size() >= (uint64_t{1} << 32)) throw std::length_error("document too long (4 GiB)");
  uint64_t bytes = 0;
  for (auto d : docs) bytes += d.size();
  int n = threads_;
  // (one document: split and inserted by the calling thread, holding its piece ends only)
  if (bytes < (64u << 10) || docs.size() < 2) n = 1;

  if (n == 1 || shards_.size() == 1) {
    std::vector<uint32_t> ends;
    uint64_t pieces = 0;
    uint64_t cuts = 0;
    for (auto doc : docs) {
      cuts += cutter.for_each_segment(doc, [&](std::string_view d) {
        ends.clear();
        split(pattern, d, ends);
        uint32_t start = 0;
        for (uint32_t e : ends) {
          uint64_t h = count_hash(d.data() + start, e - start);
          shards_[shard_of(h)].add(d.data() + start, e - start, h, 1);
          start = e;
        }
        pieces += ends.size();
      });
    }
    total_ += pieces;
    special_cuts_ += cuts;
    enforce_cap();
    return;
  }

  // In rounds of at most kRoundBytes of text per worker (a document larger than that alone,
  // its pieces kRoundPieces per worker at a time), so that the references bucketed for the
  // insert phase stay bounded whatever the batch holds. Every shard still receives its pieces in
  // document order: rounds go in document order, and within one the workers' ranges do.
  Buckets buckets(n, std::vector<std::vector<PieceRef>>(shards_.size()));
  const uint64_t round = kRoundBytes * static_cast<uint64_t>(n);
  std::vector<uint64_t> pieces(n, 0), cuts(n, 0);
  for (size_t i = 0; i < docs.size();) {
    if (docs[i].size() > round) {
      count_large(pattern, docs[i], cutter, n, buckets);
      ++i;
      continue;
    }
    size_t j = i;
    uint64_t text = 0;
    while (j < docs.size() && docs[j].size() <= round && text < round) text += docs[j++].size();
    // Byte-balanced contiguous ranges of documents, one per worker.
    std::vector<size_t> bounds(n + 1, j);
    bounds[0] = i;
    {
      uint64_t acc = 0;
      int t = 1;
      for (size_t k = i; k < j && t < n; ++k) {
        acc += docs[k].size();
        while (t < n && acc >= text * t / n) bounds[t++] = k + 1;
      }
    }
    run_parallel(n, [&](int t) {
      std::vector<uint32_t> ends;
      for (size_t k = bounds[t]; k < bounds[t + 1]; ++k) {
        cuts[t] += cutter.for_each_segment(docs[k], [&](std::string_view d) {
          ends.clear();
          split(pattern, d, ends);
          uint32_t start = 0;
          for (uint32_t e : ends) {
            bucket_piece(buckets[t], d.data() + start, e - start);
            start = e;
          }
          pieces[t] += ends.size();
        });
      }
    });
    insert_buckets(buckets);
    i = j;
  }
  for (uint64_t p : pieces) total_ += p;
  for (uint64_t c : cuts) special_cuts_ += c;
  enforce_cap();
}

// One document larger than a round: split whole by the calling thread (the pre-tokenizer runs
// over the whole document, as the encoder does; 4 bytes a piece), then its pieces hashed and
// bucketed by the workers kRoundPieces each at a time, and inserted.
void PieceCounter::count_large(PatternId pattern, std::string_view doc, const SpecialCutter& cutter,
                               int n, Buckets& buckets) {
  std::vector<uint32_t> ends;                          // per segment, from the segment's start
  std::vector<std::pair<size_t, size_t>> segments;     // (first piece, offset in doc)
  special_cuts_ += cutter.for_each_segment(doc, [&](std::string_view d) {
    segments.emplace_back(ends.size(), static_cast<size_t>(d.data() - doc.data()));
    split(pattern, d, ends);
  });
  total_ += ends.size();
  const size_t round = kRoundPieces * static_cast<size_t>(n);
  for (size_t lo = 0; lo < ends.size(); lo += round) {
    const size_t hi = std::min(ends.size(), lo + round);
    run_parallel(n, [&](int t) {
      const size_t a = lo + (hi - lo) * t / n, b = lo + (hi - lo) * (t + 1) / n;
      if (a == b) return;
      // the segment of piece a: the last one starting at or before it
      size_t k = std::upper_bound(segments.begin(), segments.end(), std::make_pair(a, SIZE_MAX)) -
                 segments.begin() - 1;
      for (size_t p = a; p < b; ++p) {
        while (k + 1 < segments.size() && segments[k + 1].first <= p) ++k;
        const uint32_t start = p == segments[k].first ? 0 : ends[p - 1];
        const char* data = doc.data() + segments[k].second + start;
        bucket_piece(buckets[t], data, ends[p] - start);
      }
    });
    insert_buckets(buckets);
  }
}

// Worker t inserts the references bucketed for shards t, t + n, ... in worker order (so each
// shard gets its pieces in document order), then empties the buckets (keeping their capacity).
void PieceCounter::insert_buckets(Buckets& buckets) {
  const size_t S = shards_.size();
  const int n = static_cast<int>(buckets.size());
  run_parallel(static_cast<int>(std::min<size_t>(n, S)), [&](int t) {
    for (size_t s = t; s < S; s += n) {
      for (int src = 0; src < n; ++src) {
        for (const PieceRef& r : buckets[src][s]) shards_[s].add(r.data, r.len, r.hash32, 1);
        buckets[src][s].clear();
      }
    }
  });
}

void PieceCounter::add_pieces(const std::vector<std::string_view>& pieces,
                              const std::vector<uint64_t>& counts) {
  if (pieces.size() != counts.size()) throw std::invalid_argument("pieces and counts differ in length");
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (!counts[i] || pieces[i].empty()) continue;  // empty pieces carry no pairs
    if (pieces[i].size() >= (uint64_t{1} << 32)) throw std::length_error("piece too long (4 GiB)");
    uint64_t h = count_hash(pieces[i].data(), pieces[i].size());
    shards_[shard_of(h)].add(pieces[i].data(), static_cast<uint32_t>(pieces[i].size()), h, counts[i]);
    total_ += counts[i];
  }
  enforce_cap();
}

void PieceCounter::merge_from(const PieceCounter& other) {
  reserve_for(other.unique());
  other.for_each([&](std::string_view p, uint64_t c) {
    uint64_t h = count_hash(p.data(), p.size());
    shards_[shard_of(h)].add(p.data(), static_cast<uint32_t>(p.size()), h, c);
  });
  total_ += other.total_;
  pruned_unique_ += other.pruned_unique_;
  pruned_mass_ += other.pruned_mass_;
  prune_threshold_ = std::max(prune_threshold_, other.prune_threshold_);
  enforce_cap();
}

// Pieces listed from a table (a count file, another counter) come in slot order, that is by the
// low bits of their hash. Inserted into a smaller table that grows as they come, they fill it
// from one end and every insert probes an ever longer run of full slots: loading a count file
// of 2.3 M pieces took 39 s (one thread; counting the 286 MB it came from took 10 s). So the
// shards are sized for them first; under a cap, only within half of the room left below it, so
// that reserving never makes the table prune (the pieces may well be in it already).
void PieceCounter::reserve_for(uint64_t pieces) {
  uint64_t most = pieces / shards_.size() + 1;
  if (max_memory_) {
    const uint64_t used = memory();
    const uint64_t room = used < max_memory_ ? (max_memory_ - used) / 2 : 0;
    // (slots grow by doubling: a shard of c slots for n pieces may become 2c)
    most = std::min<uint64_t>(most, room / shards_.size() / sizeof(PieceShard::Slot) / 2 * 7 / 10);
  }
  for (auto& s : shards_) s.reserve(static_cast<size_t>(s.size() + most));
}

void PieceCounter::enforce_cap() {
  if (!max_memory_ || memory() <= max_memory_) return;
  uint64_t t = std::max<uint64_t>(prune_threshold_, 1);
  while (true) {
    prune(t);
    if (memory() <= max_memory_ / 2 || unique() == 0) break;
    t *= 2;
  }
}

void PieceCounter::prune(uint64_t threshold, int64_t bucket) {
  const bool partial = bucket < PieceShard::kAllBuckets;
  if (threshold == 0 && !partial) return;
  for (auto& s : shards_) {
    auto [d, m] = s.prune(threshold, bucket);
    pruned_unique_ += d;
    pruned_mass_ += m;
  }
  prune_threshold_ = std::max(prune_threshold_, threshold + (partial ? 1 : 0));
}

std::vector<uint64_t> PieceCounter::class_costs(uint64_t count, uint64_t per_piece,
                                                uint64_t per_byte) const {
  std::vector<uint64_t> costs(size_t{PieceShard::kAllBuckets} + 1, 0);
  for (const auto& s : shards_)
    s.for_each_slot([&](const PieceShard::Slot& e) {
      if (e.count == count) costs[e.hash32 >> 16] += per_piece + per_byte * e.len;
    });
  return costs;
}

std::pair<uint64_t, uint64_t> PieceCounter::content(uint64_t threshold) const {
  uint64_t n = 0, bytes = 0;
  for (const auto& s : shards_)
    s.for_each_slot([&](const PieceShard::Slot& e) {
      if (e.count <= threshold) return;
      ++n;
      bytes += e.len;
    });
  return {n, bytes};
}

// ---------------------------------------------------------------------------------------------
// file format
// ---------------------------------------------------------------------------------------------

namespace {

struct Writer {
  FILE* f;
  std::string buf;
  void flush() {
    if (!buf.empty() && std::fwrite(buf.data(), 1, buf.size(), f) != buf.size())
      throw std::invalid_argument(std::string("write failed: ") + std::strerror(errno));
    buf.clear();
  }
  void raw(const void* p, size_t n) {
    buf.append(static_cast<const char*>(p), n);
    if (buf.size() > (1u << 20)) flush();
  }
  void u32(uint32_t v) {
    unsigned char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    raw(b, 4);
  }
  void u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    raw(b, 8);
  }
  void varint(uint64_t v) {
    unsigned char b[10];
    int n = 0;
    while (v >= 0x80) {
      b[n++] = static_cast<unsigned char>(v | 0x80);
      v >>= 7;
    }
    b[n++] = static_cast<unsigned char>(v);
    raw(b, n);
  }
};

struct Reader {
  FILE* f;
  std::string path;
  std::vector<char> buf = std::vector<char>(1 << 20);
  size_t pos = 0, end = 0;
  [[noreturn]] void bad(const char* what) {
    throw std::invalid_argument(path + ": not a valid codebpe count file (" + what + ")");
  }
  void raw(char* dst, size_t n) {
    while (n) {
      if (pos == end) {
        end = std::fread(buf.data(), 1, buf.size(), f);
        pos = 0;
        if (end == 0) bad("truncated");
      }
      size_t k = std::min(n, end - pos);
      std::memcpy(dst, buf.data() + pos, k);
      pos += k;
      dst += k;
      n -= k;
    }
  }
  uint8_t byte() {
    char c;
    raw(&c, 1);
    return static_cast<uint8_t>(c);
  }
  uint32_t u32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{byte()} << (8 * i);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{byte()} << (8 * i);
    return v;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    bad("bad varint");
  }
};

}  // namespace

void PieceCounter::save(const std::string& path, const std::string& metadata) const {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::invalid_argument("cannot write " + path);
  try {
    Writer w{f, {}};
    w.raw(kMagic, 8);
    w.u32(kFormatVersion);
    w.u32(static_cast<uint32_t>(metadata.size()));
    w.raw(metadata.data(), metadata.size());
    w.u64(total_);
    w.u64(pruned_unique_);
    w.u64(pruned_mass_);
    w.u64(unique());
    // Sorted as u64 keys, the hash above the entry's index, then equal hashes by their bytes.
    // For 2.3 M pieces: 0.16 s to sort, 0.15 s to write in that order with the prefetches below
    // (0.47 s without); writing in slot order took 0.10 s in all.
    std::vector<const PieceShard::Slot*> entries;
    entries.reserve(unique());
    for (const PieceShard& s : shards_)
      s.for_each_slot([&](const PieceShard::Slot& e) { entries.push_back(&e); });
    if (entries.size() >> 32) throw std::length_error("too many pieces to save (4 G)");
    std::vector<uint64_t> keys(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) keys[i] = uint64_t{entries[i]->hash32} << 32 | i;
    std::sort(keys.begin(), keys.end());
    auto slot = [&](uint64_t k) { return entries[static_cast<uint32_t>(k)]; };
    for (size_t i = 0, j; i < keys.size(); i = j) {
      for (j = i + 1; j < keys.size() && keys[j] >> 32 == keys[i] >> 32;) ++j;
      if (j - i > 1)
        std::sort(keys.begin() + i, keys.begin() + j, [&](uint64_t a, uint64_t b) {
          std::string_view x(slot(a)->data, slot(a)->len), y(slot(b)->data, slot(b)->len);
          return x < y;
        });
    }
    uint64_t sum = header_sum(metadata, total_, pruned_unique_, pruned_mass_, unique());
    for (size_t i = 0; i < keys.size(); ++i) {
      // (the slots and bytes are read in hash order, out of memory order: fetched ahead)
      if (i + 24 < keys.size()) __builtin_prefetch(&entries[static_cast<uint32_t>(keys[i + 24])]);
      if (i + 16 < keys.size()) __builtin_prefetch(slot(keys[i + 16]));
      if (i + 8 < keys.size()) __builtin_prefetch(slot(keys[i + 8])->data);
      const PieceShard::Slot* e = slot(keys[i]);
      w.varint(e->len);
      w.raw(e->data, e->len);
      w.varint(e->count);
      sum += entry_sum(count_hash(e->data, e->len), e->count);
    }
    w.u64(sum);
    w.flush();
  } catch (...) {
    std::fclose(f);
    throw;
  }
  if (std::fclose(f) != 0) throw std::invalid_argument(std::string("write failed: ") + std::strerror(errno));
}

std::string PieceCounter::load(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::invalid_argument("cannot read " + path);
  std::string meta;
  uint64_t file_size = 0;  // (0 when it cannot be told: nothing is reserved)
  if (std::fseek(f, 0, SEEK_END) == 0) {
    long end = std::ftell(f);
    if (end > 0) file_size = static_cast<uint64_t>(end);
  }
  std::rewind(f);
  try {
    Reader r{f, path};
    char magic[8];
    r.raw(magic, 8);
    if (std::memcmp(magic, kMagic, 8) != 0) r.bad("bad magic");
    uint32_t version = r.u32();
    if (version != 1 && version != kFormatVersion)
      throw std::invalid_argument(path + ": count file version " + std::to_string(version) +
                                  " is not supported (this build reads versions 1 and 2)");
    uint32_t meta_len = r.u32();
    if (meta_len > (64u << 20)) r.bad("metadata too large");
    meta.resize(meta_len);
    r.raw(meta.data(), meta_len);
    uint64_t total = r.u64(), pu = r.u64(), pm = r.u64(), n = r.u64();
    uint64_t check = header_sum(meta, total, pu, pm, n);
    // (n is not trusted beyond what the file can hold: an entry takes at least 3 bytes)
    reserve_for(std::min<uint64_t>(n, file_size / 3));
    std::string piece;
    uint64_t sum = 0;
    // (read 64 entries at a time and their slots fetched ahead: a file lists its pieces in
    // hash order, which is not the order of this table's slots)
    constexpr uint64_t kAhead = 64;
    std::vector<size_t> ends;
    std::vector<uint64_t> hashes, counts;
    for (uint64_t i = 0; i < n;) {
      const uint64_t m = std::min(kAhead, n - i);
      piece.clear();
      ends.clear();
      counts.clear();
      hashes.clear();
      for (uint64_t k = 0; k < m; ++k) {
        uint64_t len = r.varint();
        if (len == 0 || len >= (uint64_t{1} << 32)) r.bad("bad piece length");
        const size_t at = piece.size();
        piece.resize(at + len);
        r.raw(piece.data() + at, len);
        uint64_t c = r.varint();
        if (c == 0) r.bad("zero count");
        ends.push_back(piece.size());
        counts.push_back(c);
      }
      for (uint64_t k = 0, start = 0; k < m; start = ends[k++]) {
        const uint64_t h = count_hash(piece.data() + start, ends[k] - start);
        shards_[shard_of(h)].prefetch(h);
        hashes.push_back(h);
        check += entry_sum(h, counts[k]);
      }
      for (uint64_t k = 0, start = 0; k < m; start = ends[k++], ++i) {
        const uint64_t h = hashes[k];
        shards_[shard_of(h)].add(piece.data() + start, static_cast<uint32_t>(ends[k] - start), h,
                                 counts[k]);
        sum += counts[k];
        if ((i & 0xffff) == 0xffff) enforce_cap();
      }
    }
    if (sum > total) r.bad("counts exceed the recorded total");
    if (version >= 2 && r.u64() != check) r.bad("checksum mismatch: the file is damaged");
    char extra;
    if (std::fread(&extra, 1, 1, f) == 1 || r.pos != r.end) r.bad("trailing bytes");
    total_ += total;
    pruned_unique_ += pu;
    pruned_mass_ += pm;
  } catch (...) {
    std::fclose(f);
    throw;
  }
  std::fclose(f);
  enforce_cap();
  return meta;
}

}  // namespace codebpe
