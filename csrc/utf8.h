// Strict UTF-8 decoding for the pre-tokenizer, with Python's "surrogateescape" rule for bad bytes.
//
// Invariant: decode_at(s, n, i) with i < n returns a code point and a length 1..4 that never runs
// past n. A well-formed sequence (RFC 3629: shortest form, no surrogates, <= U+10FFFF) decodes
// normally; any other byte decodes ALONE, as the lone surrogate U+DC00 + byte, length 1, exactly
// as Python's bytes.decode("utf-8", "surrogateescape") does (its "maximal subpart" replacement
// escapes each byte of an ill-formed subpart separately, and a continuation byte never starts a
// well-formed sequence, so byte-by-byte escaping gives the same code points). The matchers then see
// such a byte as a code point of category Cs (no L/N/M/P/S/space class): it behaves like a
// symbol in gpt2/cl100k/o200k/codebpe-v1 and like an unmatched character in deepseek-v3 and
// deepseek-coder (outside deepseek-coder's code point range).
#pragma once

#include "inline.h"

#include <cstddef>
#include <cstdint>

namespace codebpe {

struct Decoded {
  uint32_t cp;
  uint32_t len;
};

CODEBPE_HOT Decoded decode_at(const uint8_t* s, size_t n, size_t i) {
  const uint32_t b0 = s[i];
  if (b0 < 0x80) return {b0, 1};
  const Decoded bad{0xDC00 + b0, 1};
  auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return bad;
    return {((b0 & 0x1F) << 6) | (s[i + 1] & 0x3F), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return bad;
    const uint32_t b1 = s[i + 1];
    if (b0 == 0xE0 && b1 < 0xA0) return bad;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return bad;  // surrogate
    return {((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (s[i + 2] & 0x3F), 3};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return bad;
    const uint32_t b1 = s[i + 1];
    if (b0 == 0xF0 && b1 < 0x90) return bad;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return bad;  // > U+10FFFF
    return {((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
                (s[i + 3] & 0x3F),
            4};
  }
  return bad;
}

}  // namespace codebpe
