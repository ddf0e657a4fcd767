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

namespace codebpe {

// Bytes of output space ucs_to_utf8 may touch for n code units of this width (the 3-byte case
// stores 4 bytes and keeps 3, so there is one spare byte at the end).
inline size_t utf8_capacity(size_t n, unsigned kind) {
  return n * (kind == 1 ? 2 : kind == 2 ? 3 : 4) + 8;
}

namespace ucs_detail {

template <class T>
CODEBPE_HOT char* put(const T* s, size_t n, char* p, size_t* bad) {
  size_t i = 0;
  while (i < n) {
    // ASCII runs (code with a few wide characters, English with a curly quote), 4 units at once.
    if (sizeof(T) == 2 && i + 4 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if ((w & 0xFF80FF80FF80FF80ull) == 0) {
        const uint32_t v = static_cast<uint32_t>((w & 0xFF) | (w >> 8 & 0xFF00) | (w >> 16 & 0xFF0000) |
                                                 (w >> 24 & 0xFF000000));
        std::memcpy(p, &v, 4);
        p += 4;
        i += 4;
        continue;
      }
    } else if (sizeof(T) == 1 && i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        std::memcpy(p, &w, 8);
        p += 8;
        i += 8;
        continue;
      }
    }
    const uint32_t c = s[i];
    if (c < 0x80) {
      *p++ = static_cast<char>(c);
    } else if (c < 0x800) {
      p[0] = static_cast<char>(0xC0 | c >> 6);
      p[1] = static_cast<char>(0x80 | (c & 0x3F));
      p += 2;
    } else if (c < 0x10000) {
      if ((c & 0xF800) == 0xD800) {
        *bad = i;
        return nullptr;
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
    ++i;
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
