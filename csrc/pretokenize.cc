// Placeholder matcher: one piece per UTF-8 sequence (or stray byte). Replaced by the hand-written
// matchers of the pre-tokenizer issue; the interface in pretokenize.h is final.
#include "pretokenize.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace codebpe {

PatternId pattern_from_name(std::string_view name) {
  if (name == "gpt2") return PatternId::gpt2;
  if (name == "cl100k") return PatternId::cl100k;
  if (name == "o200k") return PatternId::o200k;
  if (name == "codebpe-v1") return PatternId::codebpe_v1;
  if (name == "deepseek-v3") return PatternId::deepseek_v3;
  throw std::invalid_argument("no built-in matcher for pattern '" + std::string(name) + "'");
}

bool has_pattern(std::string_view name) {
  try {
    pattern_from_name(name);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

void split(PatternId, std::string_view text, std::vector<uint32_t>& ends) {
  if (text.size() >= (uint64_t{1} << 32)) throw std::length_error("text too long to split (4 GiB)");
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    i = std::min(text.size(), i + len);
    ends.push_back(static_cast<uint32_t>(i));
  }
}

}  // namespace codebpe
