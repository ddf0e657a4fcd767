// UTF-8 from the code units of a Python str (PEP 393 storage: 1, 2 or 4 bytes per code point),
// without the Python API: the encoder converts a str itself instead of calling
// PyUnicode_AsUTF8AndSize, which keeps a UTF-8 copy inside every str it is given (a Chinese
// text's memory grew 2.5x, and that copy outlived the call) and runs a generic encoder
// (~30 instructions per CJK character). This runs on any thread: batches convert their texts on
// the worker threads, in parallel, with the GIL released.
//
// Invariant: the output is exactly what str.encode("utf-8") gives, or nothing when a code
// unit is a surrogate (U+D800..U+DFFF, which UTF-8 cannot carry; Python raises there and the
// caller falls back to its replacing path).
#pragma once

#include "inline.h"
#include "scratch.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CODEBPE_UCS_SSSE3 1
#include <tmmintrin.h>
#endif

namespace codebpe {

// Bytes of output space ucs_to_utf8 may touch for n code units of this width (the 3-byte case
// stores 4 bytes and keeps 3, so there is one spare byte at the end).
inline size_t utf8_capacity(size_t n, unsigned kind) {
  return n * (kind == 1 ? 2 : kind == 2 ? 3 : 4) + 8;
}

namespace ucs_detail {

// One code unit c >= 0x80 at index i: false at a surrogate.
CODEBPE_HOT bool put_wide(uint32_t c, size_t i, char*& p, size_t* bad) {
  if (c < 0x800) {
    p[0] = static_cast<char>(0xC0 | c >> 6);
    p[1] = static_cast<char>(0x80 | (c & 0x3F));
    p += 2;
  } else if (c < 0x10000) {
    if ((c & 0xF800) == 0xD800) {
      *bad = i;
      return false;
    }
    const uint32_t v = (0xE0 | c >> 12) | (0x80 | (c >> 6 & 0x3F)) << 8 | (0x80 | (c & 0x3F)) << 16;
    std::memcpy(p, &v, 4);  // (one spare byte, overwritten next)
    p += 3;
  } else {
    const uint32_t v = (0xF0 | c >> 18) | (0x80 | (c >> 12 & 0x3F)) << 8 | (0x80 | (c >> 6 & 0x3F)) << 16 |
                       (0x80 | (c & 0x3F)) << 24;
    std::memcpy(p, &v, 4);
    p += 4;
  }
  return true;
}

#if defined(CODEBPE_UCS_SSSE3)
// Blocks of 8 UCS-2 units that are all 3-byte characters (U+0800..U+FFFF, no surrogate: CJK,
// kana, fullwidth punctuation) -> 24 bytes with two byte shuffles; stops at the first other
// block. SSSE3 (pshufb) is not in the x86-64 baseline: chosen at run time (has_ssse3).
__attribute__((target("ssse3"))) inline void put_3byte_blocks(const uint16_t* s, size_t n, size_t& i,
                                                               char*& p) {
  // out[j] = byte j % 3 of character j / 3; X = lead bytes (0-7) and middle bytes (8-15), Y = last
  const __m128i x_lo = _mm_setr_epi8(0, 8, -1, 1, 9, -1, 2, 10, -1, 3, 11, -1, 4, 12, -1, 5);
  const __m128i y_lo = _mm_setr_epi8(-1, -1, 0, -1, -1, 1, -1, -1, 2, -1, -1, 3, -1, -1, 4, -1);
  const __m128i x_hi = _mm_setr_epi8(13, -1, 6, 14, -1, 7, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i y_hi = _mm_setr_epi8(-1, 5, -1, -1, 6, -1, -1, 7, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m128i top5 = _mm_set1_epi16(static_cast<short>(0xF800));
  const __m128i low6 = _mm_set1_epi16(0x3F);
  for (; i + 8 <= n; i += 8, p += 24) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    const __m128i hi = _mm_and_si128(v, top5);
    const __m128i other = _mm_or_si128(_mm_cmpeq_epi16(hi, _mm_setzero_si128()),               // < U+0800
                                       _mm_cmpeq_epi16(hi, _mm_set1_epi16(static_cast<short>(0xD800))));  // surrogate
    if (_mm_movemask_epi8(other) != 0) return;
    const __m128i b0 = _mm_or_si128(_mm_srli_epi16(v, 12), _mm_set1_epi16(0xE0));
    const __m128i b1 = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(v, 6), low6), _mm_set1_epi16(0x80));
    const __m128i b2 = _mm_or_si128(_mm_and_si128(v, low6), _mm_set1_epi16(0x80));
    const __m128i x = _mm_packus_epi16(b0, b1);
    const __m128i y = _mm_packus_epi16(b2, b2);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm_or_si128(_mm_shuffle_epi8(x, x_lo), _mm_shuffle_epi8(y, y_lo)));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p + 16),
                     _mm_or_si128(_mm_shuffle_epi8(x, x_hi), _mm_shuffle_epi8(y, y_hi)));
  }
}

inline bool has_ssse3() {
  static const bool yes = __builtin_cpu_supports("ssse3");
  return yes;
}
#endif

// Alternating runs: ASCII units several at a time (code with a few wide characters, English
// with a curly quote, the markup and numbers between Chinese words: 78% of the characters of
// the Chinese corpus, in runs of ~35), then the run of other units one by one (~10 in Chinese).
template <class T>
CODEBPE_HOT char* put(const T* s, size_t n, char* p, size_t* bad) {
  size_t i = 0;
  while (i < n) {
    // the ASCII run
#if defined(__SSE2__)
    if (sizeof(T) == 2) {
      while (i + 8 <= n) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
        const unsigned ascii_lanes = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16(-128)), _mm_setzero_si128())));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packus_epi16(v, v));  // (may run past)
        const unsigned k = ascii_lanes == 0xFFFF ? 8 : static_cast<unsigned>(__builtin_ctz(~ascii_lanes)) / 2;
        p += k;
        i += k;
        if (k < 8) break;
      }
    }
#endif
    if (sizeof(T) == 1) {
      for (uint64_t w; i + 8 <= n; i += 8, p += 8) {
        std::memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull) break;
        std::memcpy(p, &w, 8);
      }
    }
    while (i < n && s[i] < 0x80) *p++ = static_cast<char>(s[i++]);
    // the run of other units
#if defined(CODEBPE_UCS_SSSE3)
    if (sizeof(T) == 2 && i + 8 <= n && s[i] >= 0x800 && has_ssse3()) {
      put_3byte_blocks(reinterpret_cast<const uint16_t*>(s), n, i, p);
    }
#endif
    for (; i < n && s[i] >= 0x80; ++i) {
      if (!put_wide(s[i], i, p, bad)) return nullptr;
    }
  }
  return p;
}

}  // namespace ucs_detail

// Writes the UTF-8 of n code units of width `kind` (1, 2 or 4 bytes) at out, which has room for
// utf8_capacity(n, kind) bytes; returns the end of the output, or nullptr with *bad set to the
// index of the first surrogate.
inline char* ucs_to_utf8(const void* data, size_t n, unsigned kind, char* out, size_t* bad) {
  if (kind == 1) return ucs_detail::put(static_cast<const uint8_t*>(data), n, out, bad);
  if (kind == 2) return ucs_detail::put(static_cast<const uint16_t*>(data), n, out, bad);
  return ucs_detail::put(static_cast<const uint32_t*>(data), n, out, bad);
}

// A thread's buffer for converted texts (a text of over 4 MiB frees its buffer afterwards).
struct Utf8Tag;
using Utf8Scratch = Scratch<RawBuf, Utf8Tag, size_t{1} << 22>;

// text = the UTF-8 of the code units, in buf; false (bad: the code unit) at a surrogate.
inline bool ucs_view(const void* data, size_t n, unsigned kind, RawBuf& buf, std::string_view& text, size_t& bad) {
  char* out = buf.reserve(utf8_capacity(n, kind));
  const char* end = ucs_to_utf8(data, n, kind, out, &bad);
  if (end == nullptr) return false;
  text = std::string_view(out, static_cast<size_t>(end - out));
  return true;
}

}  // namespace codebpe
