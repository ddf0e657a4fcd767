// Merging: byte-level BPE training over a piece-count table (the rules of tokenizer/_reference.py).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "count.h"

namespace codebpe {

struct TrainOptions {
  uint64_t vocab_size = 0;        // ordinary tokens to reach: bytes + forced + learned
  uint64_t min_frequency = 1;     // pairs counted fewer times are never merged
  uint64_t max_token_length = 0;  // merged tokens longer than this (bytes) are never made; 0 = none
};

struct TrainResult {
  std::vector<std::pair<uint32_t, uint32_t>> merges;  // forced first, then learned, in order
  std::vector<std::string> tokens;                   // tokens[id]; ids 0-255 are the bytes
  uint64_t words = 0;                                // unique pieces with at least two symbols
  uint64_t peak_bytes = 0;                           // estimated peak of the merge structures
};


// Trains BPE. `forced` are the reserved tokens' merges (ids over bytes and earlier forced
// tokens); every piece first becomes its rank-BPE encoding over those tokens, then learned
// merges follow: the pair with the highest count, ties to the smallest (left bytes, right bytes).
// A merge whose bytes already are a token is applied and recorded without a new id. Stops at
// vocab_size tokens or when no pair qualifies. If `consume`, the counter is cleared once the
// words are built (lower peak memory). `progress(learned, target)` is called every few hundred
// merges; it may throw to cancel.
TrainResult train_bpe(PieceCounter& counter, const std::vector<std::pair<uint32_t, uint32_t>>& forced,
                      const TrainOptions& options, bool consume,
                      const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace codebpe
