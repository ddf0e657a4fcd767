// Pre-tokenization: split text into pieces with a built-in pattern, without a regex engine.
//
// Contract (shared by the encoder and the trainer):
//   split(pattern, text, ends) appends to `ends` the end offset (in bytes, exclusive) of every
//   piece of `text`, in order; the first piece starts at 0 and the last ends at text.size(), so
//   the pieces cover the input exactly once (lossless, also for bytes that are not valid UTF-8).
//   The pieces are identical to tokenizer/patterns.py's reference_split for that pattern.
//   text.size() must be below 2^32 (std::length_error otherwise).
//   A byte that does not start a well-formed UTF-8 sequence is one character of its own, the lone
//   surrogate U+DC00 + byte (Python's "surrogateescape"; utf8.h), so the reference for bytes is
//   reference_split(data.decode("utf-8", "surrogateescape")) with each piece encoded back.
//   Thread-safe: no state beyond constant tables.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace codebpe {

enum class PatternId : uint8_t {
  gpt2 = 0,
  cl100k = 1,
  o200k = 2,
  codebpe_v1 = 3,
  deepseek_v3 = 4,
  deepseek_coder = 5,
  qwen2 = 6,
  llama3 = 7,
};

// Built-in pattern by name ("gpt2", "cl100k", "o200k", "qwen2", "llama3", "codebpe-v1",
// "deepseek-v3", "deepseek-coder");
// std::invalid_argument for any other name.
PatternId pattern_from_name(std::string_view name);

// Is there a hand-written matcher for this pattern name?
bool has_pattern(std::string_view name);

// The `regex` module release the Unicode class tables were generated from (unicode_tables.h).
std::string_view unicode_tables_source();

void split(PatternId pattern, std::string_view text, std::vector<uint32_t>& ends);

}  // namespace codebpe
