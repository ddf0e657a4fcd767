// Hand-written pre-tokenizers: one matcher per built-in pattern of tokenizer/patterns.py, giving
// exactly the pieces of reference_split (the `regex` module) without a regex engine.
//
// Design notes
// ------------
// * Each matcher is a function match(text, i) -> end of the piece that starts at byte i (or i when
//   no alternative matches: the character joins a "gap" piece, as in reference_split). The
//   alternatives are tried in the regex's order (leftmost-first alternation); inside an
//   alternative, greedy quantifiers are resolved by the rules written next to each matcher, which
//   are derived from the regex's backtracking order (the first successful path wins). The rules
//   are stated as "subtle:" comments and checked against the regex by tests/test_pretokenize.py.
// * Characters are decoded on the fly (utf8.h) and classified with the generated two-stage table
//   (unicode_tables.h: one byte id per code point -> 16-bit class mask); ASCII uses a 128-entry
//   mask table. A virtual "end" character carries kEnd so that "not in class" tests fail at the
//   end of the text.
// * ASCII runs (letters, digits, punctuation, whitespace) are scanned 16 bytes at a time with SSE2
//   (Text::span: byte-set masks, then one ctz; the last partial block is the text's last 16
//   bytes, shifted, so nothing past the end is read); a span stops at the first non-ASCII byte
//   and the general path continues from there. The byte sets are checked against kAscii at
//   compile time. Without SSE2 the same spans run a byte at a time.
// * Linear time: every scan either becomes part of the returned piece or is a run that the next
//   piece re-scans at most a constant number of times (whitespace runs: the piece is the run, the
//   run minus its last character, or up to its last newline; o200k's letter runs: a failed
//   lower-case attempt is followed by the upper-case alternative that takes the whole run).
//   A 10 MB run of one character is split in one pass.
// * deepseek-v3 is three isolated splits (digits, CJK ranges, the rest): implemented as nested
//   segmentations, the third matcher seeing each segment as a whole string (its `(?!\S)` and end
//   tests are relative to the segment, as in the reference).
// * deepseek-coder is five isolated splits (newlines, \s? + letters, \s? + punctuation, a literal
//   code point range, single digits). The last two only add cuts inside pieces, and the first
//   three never look past a piece they could not join, so it runs as ONE pass (no nested
//   drive()): a matcher for the first three whose scans push the extra cuts as they go (the
//   rules and why they are exact: split_deepseek_coder). Measured like the SSE2 work below
//   (same-run A/B, best of 5, 1 MB per domain), runs of ASCII horizontal whitespace skipped
//   16 bytes at a time instead of one gap character per step: code 211 -> 233 MB/s, en
//   336 -> 369, zh 362 -> 369; the regex module runs this pattern at 0.7-1.5 MB/s (5 regexes,
//   nested), Hugging Face's Split sequence at 1.0-1.7 (bench_pretokenize.py).
// * Measured (CPU time, 4 MB of the code corpus, loaded 2-core machine, same run):
//   - each matcher starts with an ASCII fast path (a word, a space or punctuation character and
//     a word, a punctuation run) before the general path: cl100k 168 -> 200 MB/s;
//   - matchers passed to drive() as lambdas (one inlined instantiation each) instead of one
//     function-pointer instantiation, and hot helpers forced inline: under -flto (pybind11's
//     default) GCC had left them out of line, codebpe-v1 57 -> 112 MB/s, deepseek-v3 54 -> 82.
// * Measured, the SSE2 work (same-run A/B: _core.split_offsets as in bench_pretokenize.py's
//   `native` column, old and new module alternating in fresh processes, best of 5 rounds x 5,
//   CPU time, heldout corpora, loaded 2-core machine), MB/s before -> after:
//                   code                  en                    zh
//     cl100k        194 -> 300 (1.55x)    206 -> 369 (1.79x)    263 -> 295
//     o200k         144 -> 256 (1.78x)    157 -> 309 (1.97x)    162 -> 243
//     codebpe-v1    178 -> 287 (1.61x)    183 -> 348 (1.90x)    172 -> 289
//     gpt2          175 -> 296            183 -> 344            215 -> 279
//     deepseek-v3   169 -> 249            183 -> 309            194 -> 235
//   Steps (code unless said): SSE2 spans inside run()/run_not(): cl100k 164 -> 173, gpt2
//   150 -> 233, deepseek-v3 128 -> 190; two-byte ASCII fast paths (punctuation runs, digits and
//   whitespace decided without decoding) and SSE2 whitespace runs: cl100k 189 -> 230, o200k
//   155 -> 191, codebpe-v1 157 -> 217; the drive() lambdas forced inline (GCC had left the
//   matcher out of line: one call per piece), punctuation-then-newline runs with no branch on
//   their lengths, and no byte loop after a span that stopped at an ASCII byte: cl100k
//   253 -> 274, o200k 224 -> 246, codebpe-v1 243 -> 285 (a standalone C++ driver);
//   deepseek-v3's R1/R2 pass skipping ASCII non-digits 16 bytes at a time: 160 -> 220, en
//   190 -> 278.
// * Runs of U+4E00..U+9FFF (one class, checked at compile time) are skipped three bytes at a time
//   without decoding (Text::cjk_span), in run() and in o200k's [UPPER]*[LOWER]+ scan. Standalone
//   C++ driver, 1 MB of the Chinese corpus, best of 10, three interleaved rounds: o200k
//   176 -> 262 MB/s, cl100k 314 -> 321 and codebpe-v1 328 -> 321 (unchanged within noise).
// * cl100k, o200k and codebpe-v1 decide 64-byte ASCII windows from class bit masks (block_starts,
//   docs/pretokenize.md "ASCII blocks"): one matcher call per piece cost about one branch
//   mispredict and ~70 instructions per piece (cachegrind, o200k, 1 MB of code: 52% of the
//   encoder's mispredicts were in the matcher). Standalone C++ driver, CPU time, best of 20, two
//   alternating rounds, MB/s before -> after: cl100k code 207-253 -> 627-733, en 254-306 ->
//   534-616; o200k code 203-235 -> 485-632, en 217-269 -> 516-576; codebpe-v1 code 244 ->
//   504-816, en 249-289 -> 523-562; zh unchanged within noise.
// * Alternatives rejected: (1) decoding the whole text to a code point + class array first and
//   matching on it: simpler look-ahead, but an extra pass and 5-8 bytes of memory per byte of
//   text; on-the-fly decoding keeps the ASCII path to one table load per byte. (2) A generic
//   backtracking engine over the patterns: exactly what the `regex` module is, and what this file
//   replaces. Figures against the regex module: docs/pretokenize.md (bench_pretokenize.py).
//   (3) Ends written through a raw pointer instead of push_back (the vector resized ahead and cut
//   back at the end, or a 256-entry local buffer appended every 254 bytes): no gain, -3..-7%
//   (the zero fill or the extra copy costs what the capacity test saved).
//   (4) A table on the classes of a piece's first two bytes (12 x 12, and line start for
//   codebpe-v1) choosing the alternative, cl100k: through a switch (jump table) code 233 -> 190,
//   en 283 -> 200; through one-hot bit tests 206 -> 181; with the letter and punctuation masks
//   both computed and one selected without a branch, +30% instructions, 240 -> 180. A
//   cachegrind model said mispredictions fell 3x, but the real CPU predicts the chain of byte
//   tests well, and the table puts dependent loads in front of every piece's first branch.
//   (5) Testing ' ' + letter first in cl100k (its most common piece): no change (286 vs 287).
//   (6) The ASCII whitespace piece of cl100k chosen with conditional moves instead of branches:
//   no gain (code 296 vs 292, en 363 vs 329). A punctuation run's end at a following space
//   tested before the 16-byte path: no change (within 4%, both ways).
#include "pretokenize.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "inline.h"
#include "unicode_tables.h"
#include "utf8.h"

namespace codebpe {

namespace {

using namespace unicode;

constexpr uint16_t kEnd = 1u << 15;  // the virtual character after the end of the text
constexpr uint32_t kEndCp = 0xFFFFFFFFu;
// o200k's letter classes: UPPER = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}],
// LOWER = [\p{Ll}\p{Lm}\p{Lo}\p{M}].
constexpr uint16_t kUpper = kLu | kLt | kLm | kLo | kM;
constexpr uint16_t kLower = kLl | kLm | kLo | kM;

// Every code point of U+4E00..U+9FFF (CJK Unified Ideographs, the bulk of Chinese text) is an
// assigned Lo letter of script Han, so they share one class: Text::cjk_span skips runs of them
// without decoding or a table lookup per character.
constexpr uint16_t kCjkClass = class_of(0x4E00);
constexpr bool same_class_4e00_9fff() {
  for (uint32_t cp = 0x4E00; cp <= 0x9FFF; ++cp) {
    if (class_of(cp) != kCjkClass) return false;
  }
  return true;
}
static_assert(same_class_4e00_9fff(), "U+4E00..U+9FFF must share one class for Text::cjk_span");
static_assert((kCjkClass & kLo) && (kCjkClass & kCJK), "U+4E00 is a Han Lo letter");

constexpr std::array<uint16_t, 128> make_ascii_classes() {
  std::array<uint16_t, 128> a{};
  for (uint32_t c = 0; c < 128; ++c) a[c] = class_of(c);
  return a;
}
constexpr std::array<uint16_t, 128> kAscii = make_ascii_classes();

// Classes of U+0080..U+07FF (the 2-byte characters: Latin-1 and Latin Extended letters, Greek,
// Cyrillic, Hebrew, Arabic...) by code point, one load instead of class_of's three (Text::at).
// With it, and Text::cjk_span testing the lead byte before it loads the next two: splitter
// instructions on Russian (o200k, cachegrind) 10.71 M -> 9.34 M per pass; MB/s, median paired
// ratio of 9 alternating rounds: Russian 1.12x, Vietnamese 1.04x, Chinese 1.06x.
constexpr std::array<uint16_t, 0x800> make_two_byte_classes() {
  std::array<uint16_t, 0x800> a{};
  for (uint32_t c = 0x80; c < 0x800; ++c) a[c] = class_of(c);
  return a;
}
constexpr std::array<uint16_t, 0x800> kTwoByte = make_two_byte_classes();

// ASCII byte sets scanned 16 bytes at a time (span below). Bytes >= 0x80 belong to none of them,
// so a span stops at the first non-ASCII byte and the caller's general path takes over there.
enum ByteSet : int {
  kSetLetter,  // [A-Za-z]: the ASCII part of \p{L}, [\p{L}\p{M}] and codebpe-v1's word unit
  kSetLower,   // [a-z]: the ASCII part of o200k's LOWER
  kSetUpper,   // [A-Z]: the ASCII part of o200k's UPPER
  kSetDigit,   // [0-9]: the ASCII part of \p{N}
  kSetSpace,   // [\t\n\v\f\r ]: the ASCII part of \s (the regex module: not \x1c-\x1f)
  kSetHSpace,  // [\t\v\f ]: \s minus \r and \n (codebpe-v1's [^\S\r\n])
  kSetIndent,  // [ \t]: codebpe-v1's indentation
  kSetPunct,   // ASCII, not \s, \p{L} or \p{N}: the ASCII part of [^\s\p{L}\p{N}]
  kSetPS,      // the 32 ASCII punctuation characters: the ASCII part of [\p{P}\p{S}]
  kSetNonDigit,  // ASCII but not [0-9]: what deepseek-v3's R1/R2 pass skips
};

constexpr bool in_byte_set(int set, uint32_t b) {
  if (b >= 0x80) return false;
  const bool letter = ((b | 0x20) - 'a') < 26u;
  const bool digit = (b - '0') < 10u;
  const bool space = b == ' ' || (b - '\t') < 5u;
  switch (set) {
    case kSetLetter: return letter;
    case kSetLower: return (b - 'a') < 26u;
    case kSetUpper: return (b - 'A') < 26u;
    case kSetDigit: return digit;
    case kSetSpace: return space;
    case kSetHSpace: return space && b != '\r' && b != '\n';
    case kSetIndent: return b == ' ' || b == '\t';
    case kSetPunct: return !letter && !digit && !space;
    case kSetPS: return b > ' ' && b < 0x7F && !letter && !digit;
    case kSetNonDigit: return !digit;
  }
  return false;
}

constexpr std::array<uint16_t, 256> make_byte_sets() {
  std::array<uint16_t, 256> a{};
  for (uint32_t b = 0; b < 256; ++b) {
    for (int set = kSetLetter; set <= kSetNonDigit; ++set) {
      if (in_byte_set(set, b)) a[b] |= static_cast<uint16_t>(1u << set);
    }
  }
  return a;
}
constexpr std::array<uint16_t, 256> kByteSets = make_byte_sets();
static_assert(kSetNonDigit < 16, "kByteSets holds one bit per set");

// The byte sets are exactly the ASCII parts of the classes the spans stand in for.
constexpr bool byte_sets_match_classes() {
  for (uint32_t b = 0; b < 128; ++b) {
    const uint16_t c = kAscii[b];
    if (in_byte_set(kSetLetter, b) != bool(c & kL)) return false;
    if (in_byte_set(kSetLetter, b) != bool(c & (kL | kM))) return false;
    if (in_byte_set(kSetLower, b) != bool(c & kLower)) return false;
    if (in_byte_set(kSetUpper, b) != bool(c & kUpper)) return false;
    if (in_byte_set(kSetDigit, b) != bool(c & kN)) return false;
    if (in_byte_set(kSetSpace, b) != bool(c & kWS)) return false;
    if (in_byte_set(kSetPunct, b) != !(c & (kWS | kL | kN))) return false;
    if (in_byte_set(kSetPS, b) != bool(c & (kP | kS))) return false;
    if (c & kCJK) return false;
  }
  return true;
}
static_assert(byte_sets_match_classes(), "ASCII byte sets disagree with unicode_tables.h");

#if defined(__SSE2__)
// Bytes b with (uint8_t)(b - lo) < len, as 0xFF lanes (SSE2 has only signed byte compares).
CODEBPE_HOT __m128i in_range(__m128i v, uint8_t lo, uint8_t len) {
  const __m128i x = _mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(0x80 - lo)));
  return _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(-128 + len)));
}

// One bit per byte of v: is it in the set?
template <int Set>
CODEBPE_HOT uint32_t set_mask(__m128i v) {
  __m128i m;
  if constexpr (Set == kSetLetter) {
    m = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
  } else if constexpr (Set == kSetLower) {
    m = in_range(v, 'a', 26);
  } else if constexpr (Set == kSetUpper) {
    m = in_range(v, 'A', 26);
  } else if constexpr (Set == kSetDigit) {
    m = in_range(v, '0', 10);
  } else if constexpr (Set == kSetSpace) {
    m = _mm_or_si128(in_range(v, '\t', 5), _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
  } else if constexpr (Set == kSetHSpace) {
    const __m128i vt = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                                     in_range(v, '\v', 2));
    m = _mm_or_si128(vt, _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
  } else if constexpr (Set == kSetIndent) {
    m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
  } else if constexpr (Set == kSetPS) {
    const __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
    const __m128i other = _mm_or_si128(letter, in_range(v, '0', 10));
    m = _mm_andnot_si128(other, in_range(v, '!', 0x7F - '!'));
  } else if constexpr (Set == kSetNonDigit) {
    m = _mm_andnot_si128(in_range(v, '0', 10), _mm_cmpgt_epi8(v, _mm_set1_epi8(-1)));
  } else {
    static_assert(Set == kSetPunct);
    const __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
    const __m128i other = _mm_or_si128(_mm_or_si128(letter, in_range(v, '0', 10)),
                                       _mm_or_si128(in_range(v, '\t', 5),
                                                    _mm_cmpeq_epi8(v, _mm_set1_epi8(' '))));
    const __m128i ascii = _mm_cmpgt_epi8(v, _mm_set1_epi8(-1));
    m = _mm_andnot_si128(other, ascii);
  }
  return static_cast<uint32_t>(_mm_movemask_epi8(m));
}

CODEBPE_HOT __m128i load16(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
#endif

struct Char {
  uint32_t cp;
  uint16_t cls;
  uint32_t len;
};

// A view of the text (or of a segment of it: `n` is where the matcher sees the end).
// Invariant: positions passed to at() are character boundaries of the decoding in utf8.h.
struct Text {
  const uint8_t* s;
  size_t n;

  CODEBPE_HOT Char at(size_t i) const {
    if (i >= n) return {kEndCp, kEnd, 0};
    const uint8_t b = s[i];
    if (b < 0x80) return {b, kAscii[b], 1};
    if (b - 0xC2u < 0x1Eu && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {  // a 2-byte character
      const uint32_t cp = (b & 0x1Fu) << 6 | (s[i + 1] & 0x3Fu);
      return {cp, kTwoByte[cp], 2};
    }
    const Decoded d = decode_at(s, n, i);
    return {d.cp, class_of(d.cp), d.len};
  }
  // The end of the run of U+4E00..U+9FFF characters (all of class kCjkClass) starting at i: i
  // itself if there is none. Lead byte E5-E9, or E4 with a second byte >= B8, then two
  // continuation bytes: always well-formed, so no other check is needed.
  CODEBPE_HOT size_t cjk_span(size_t i) const {
    while (i + 3 <= n) {
      const uint32_t b0 = s[i];
      if (b0 - 0xE4u > 5u) break;  // the lead byte alone rules out most other characters
      const uint32_t b1 = s[i + 1], b2 = s[i + 2];
      if (b0 == 0xE4 && b1 < 0xB8) break;
      if (((b1 & 0xC0) ^ 0x80) | ((b2 & 0xC0) ^ 0x80)) break;
      i += 3;
    }
    return i;
  }
  // First position >= i (and <= n) whose byte is not in the ASCII byte set; never reads s[n] or
  // beyond. 16 bytes at a time: the last partial block is the text's last 16 bytes, shifted.
  template <int Set>
  CODEBPE_HOT size_t span(size_t i) const {
#if defined(__SSE2__)
    while (i + 16 <= n) {
      const uint32_t out = set_mask<Set>(load16(s + i)) ^ 0xFFFFu;
      if (out) return i + static_cast<size_t>(__builtin_ctz(out));
      i += 16;
    }
    if (i < n && n >= 16) {
      const size_t base = n - 16;
      const uint32_t out = ((set_mask<Set>(load16(s + base)) ^ 0xFFFFu) >> (i - base)) |
                           (1u << (n - i));
      return i + static_cast<size_t>(__builtin_ctz(out));
    }
#endif
    while (i < n && (kByteSets[s[i]] & (1u << Set))) ++i;
    return i;
  }
  // span<kSetSpace>(i), also setting nl_end to the position after the last \r or \n in the
  // span (nl_end is left alone when the span has none).
  CODEBPE_HOT size_t ws_span(size_t i, size_t& nl_end) const {
#if defined(__SSE2__)
    const auto newline_mask = [](__m128i v) {
      return static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(
          _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')))));
    };
    while (i + 16 <= n) {
      const __m128i v = load16(s + i);
      const uint32_t out = set_mask<kSetSpace>(v) ^ 0xFFFFu;
      uint32_t nl = newline_mask(v);
      if (out) {
        const uint32_t len = static_cast<uint32_t>(__builtin_ctz(out));
        nl &= (1u << len) - 1;
        if (nl) nl_end = i + 32 - static_cast<size_t>(__builtin_clz(nl));
        return i + len;
      }
      if (nl) nl_end = i + 32 - static_cast<size_t>(__builtin_clz(nl));
      i += 16;
    }
    if (i < n && n >= 16) {
      const size_t base = n - 16;
      const __m128i v = load16(s + base);
      const uint32_t shift = static_cast<uint32_t>(i - base);
      const uint32_t out = ((set_mask<kSetSpace>(v) ^ 0xFFFFu) >> shift) | (1u << (n - i));
      const uint32_t len = static_cast<uint32_t>(__builtin_ctz(out));
      const uint32_t nl = (newline_mask(v) >> shift) & ((1u << len) - 1);
      if (nl) nl_end = i + 32 - static_cast<size_t>(__builtin_clz(nl));
      return i + len;
    }
#endif
    for (; i < n && (kByteSets[s[i]] & (1u << kSetSpace)); ++i) {
      if (s[i] == '\r' || s[i] == '\n') nl_end = i + 1;
    }
    return i;
  }
  // Is the ASCII part of `mask` one of the byte sets? (The tests fold away: mask is a constant
  // at every call site once inlined.)
  static constexpr int byte_set_of(uint16_t mask) {
    if (mask == kL || mask == (kL | kM)) return kSetLetter;
    if (mask == kLower) return kSetLower;
    if (mask == kUpper) return kSetUpper;
    if (mask == kN) return kSetDigit;
    if (mask == (kP | kS)) return kSetPS;
    return -1;
  }
  // Advance from i while the character's class intersects `mask`.
  CODEBPE_HOT size_t run(size_t i, uint16_t mask) const {
    const int set = byte_set_of(mask);
    if (set >= 0) {  // the ASCII part 16 bytes at a time; done unless a non-ASCII byte stops it
      if (set == kSetLetter) i = span<kSetLetter>(i);
      if (set == kSetLower) i = span<kSetLower>(i);
      if (set == kSetUpper) i = span<kSetUpper>(i);
      if (set == kSetDigit) i = span<kSetDigit>(i);
      if (set == kSetPS) i = span<kSetPS>(i);
      if (i >= n || s[i] < 0x80) return i;
    }
    for (;;) {
      if (i < n && s[i] < 0x80) {
        if (!(kAscii[s[i]] & mask)) return i;
        ++i;
        continue;
      }
      if (kCjkClass & mask) {
        const size_t j = cjk_span(i);
        if (j > i) {
          i = j;
          continue;
        }
      }
      const Char c = at(i);
      if (!(c.cls & mask)) return i;
      i += c.len;
    }
  }
  // Advance from i while the character's class does NOT intersect `mask` (kEnd always stops).
  CODEBPE_HOT size_t run_not(size_t i, uint16_t mask) const {
    if (mask == (kWS | kL | kN)) {
      i = span<kSetPunct>(i);
      if (i >= n || s[i] < 0x80) return i;
    }
    mask |= kEnd;
    for (;;) {
      if (i < n && s[i] < 0x80) {
        if (kAscii[s[i]] & mask) return i;
        ++i;
        continue;
      }
      const Char c = at(i);
      if (c.cls & mask) return i;
      i += c.len;
    }
  }
  // `[^\s\p{L}\p{N}]+[\r\n]*` from i (a punctuation character or later), with '/' among the
  // trailing characters too when Slash (o200k's `[\r\n/]*`). When both runs end inside one
  // 16-byte block (the common case), no branch depends on their lengths.
  template <bool Slash>
  CODEBPE_HOT size_t punct_newlines(size_t i) const {
#if defined(__SSE2__)
    if (i + 16 <= n) {
      const __m128i v = load16(s + i);
      const uint32_t out = set_mask<kSetPunct>(v) ^ 0xFFFFu;
      const uint32_t k = static_cast<uint32_t>(__builtin_ctz(out | 0x10000u));
      if (k < 16 && s[i + k] < 0x80) {
        __m128i nl = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
        if (Slash) nl = _mm_or_si128(nl, _mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
        const uint32_t rest = (static_cast<uint32_t>(_mm_movemask_epi8(nl)) ^ 0xFFFFu) >> k;
        if (rest) return i + k + static_cast<size_t>(__builtin_ctz(rest));
      }
    }
#endif
    i = run_not(i, kWS | kL | kN);
    while (i < n && (s[i] == '\r' || s[i] == '\n' || (Slash && s[i] == '/'))) ++i;
    return i;
  }
  // Up to three characters of class N (the `\p{N}{1,3}` alternatives).
  CODEBPE_HOT size_t digits3(size_t i) const {
    for (int k = 0; k < 3; ++k) {
      const Char c = at(i);
      if (!(c.cls & kN)) break;
      i += c.len;
    }
    return i;
  }
  // ` ?X`: the position of X after an optional space at i (c is the character at i), and X.
  CODEBPE_HOT size_t after_space(size_t i, const Char& c, Char& x) const {
    if (c.cp != ' ') {
      x = c;
      return i;
    }
    x = at(i + 1);
    return i + 1;
  }
  CODEBPE_HOT size_t newlines(size_t i) const {  // [\r\n]*
    while (i < n && (s[i] == '\r' || s[i] == '\n')) ++i;
    return i;
  }
};

inline bool is_newline(uint32_t cp) { return cp == '\r' || cp == '\n'; }
inline bool is_bracket(uint32_t cp) {
  return cp == '(' || cp == ')' || cp == '[' || cp == ']' || cp == '{' || cp == '}';
}
inline bool is_ascii_letter(uint32_t cp) { return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'; }

// A maximal run of \s characters starting at a whitespace character.
struct WsRun {
  size_t end;         // first position after the run
  size_t last_start;  // start of the run's last character
  size_t nl_end;      // position after the run's last \r or \n; 0 if it has none
  bool several;       // at least two characters
};

CODEBPE_HOT WsRun scan_ws(const Text& t, size_t i) {
  WsRun r{i, i, 0, false};
  size_t count = 0;
  const size_t a = t.ws_span(i, r.nl_end);  // the ASCII part, 16 bytes at a time
  if (a > i) {
    count = a - i;
    r.end = a;
    r.last_start = a - 1;
  }
  if (a < t.n && t.s[a] >= 0x80) {  // a non-ASCII character: the run may go on
    for (;;) {
      const Char c = t.at(r.end);
      if (!(c.cls & kWS)) break;
      if (is_newline(c.cp)) r.nl_end = r.end + 1;
      r.last_start = r.end;
      r.end += c.len;
      ++count;
    }
  }
  r.several = count >= 2;
  return r;
}

// `'(?i:[sdmt]|ll|ve|re)` (cl100k, codebpe-v1) and o200k's `(?i:'s|'t|'re|'ve|'m|'ll|'d)`: the same
// set. subtle: under (?i) the regex module also folds U+017F LATIN SMALL LETTER LONG S to `s`.
// Returns the end, or 0 when there is no contraction at i.
inline size_t contraction_ci(const Text& t, size_t i) {
  if (i >= t.n || t.s[i] != '\'') return 0;
  const Char a = t.at(i + 1);
  const uint32_t c = a.cp;
  if (c == 0x17F) return i + 1 + a.len;
  if (c >= 0x80) return 0;
  const uint32_t lc = c | 0x20;
  if (!is_ascii_letter(c)) return 0;
  if (lc == 's' || lc == 'd' || lc == 'm' || lc == 't') return i + 2;
  const Char b = t.at(i + 2);
  if (b.cp >= 0x80 || !is_ascii_letter(b.cp)) return 0;
  const uint32_t lb = b.cp | 0x20;
  if ((lc == 'l' && lb == 'l') || (lc == 'v' && lb == 'e') || (lc == 'r' && lb == 'e')) {
    return i + 3;
  }
  return 0;
}

// gpt2's case-sensitive `'(?:[sdmt]|ll|ve|re)`.
inline size_t contraction_cs(const Text& t, size_t i) {
  const Char a = t.at(i + 1);
  const uint32_t c = a.cp;
  if (c == 's' || c == 'd' || c == 'm' || c == 't') return i + 2;
  const uint32_t b = t.at(i + 2).cp;
  if ((c == 'l' && b == 'l') || (c == 'v' && b == 'e') || (c == 'r' && b == 'e')) return i + 3;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// gpt2: '(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s
// ---------------------------------------------------------------------------------------------
CODEBPE_HOT size_t match_gpt2(const Text& t, size_t i) {
  const uint8_t b = t.s[i];  // ASCII fast path; the general path below decides the rest
  if (b < 0x80 && b != '\'') {
    const uint16_t cb = kAscii[b];
    if (cb & kL) return t.run(i + 1, kL);
    if (cb & kN) return t.run(i + 1, kN);
    if (!(cb & kWS)) return t.run_not(i + 1, kWS | kL | kN);
    const uint8_t nb = i + 1 < t.n ? t.s[i + 1] : 0x80;
    if (b == ' ' && nb < 0x80) {
      const uint16_t cn = kAscii[nb];
      if (cn & kL) return t.run(i + 2, kL);
      if (cn & kN) return t.run(i + 2, kN);
      if (!(cn & kWS)) return t.run_not(i + 2, kWS | kL | kN);
    }
  }
  const Char c = t.at(i);
  if (c.cp == '\'') {
    if (size_t e = contraction_cs(t, i)) return e;
  }
  Char x;
  const size_t j = t.after_space(i, c, x);
  if (x.cls & kL) return t.run(j, kL);
  if (x.cls & kN) return t.run(j, kN);
  if (!(x.cls & (kWS | kL | kN | kEnd))) return t.run_not(j, kWS | kL | kN);
  // c is whitespace. subtle: `\s+(?!\S)` backtracks one character from a run followed by a
  // non-space, so a run of two or more gives the run minus its last character.
  const WsRun r = scan_ws(t, i);
  if (r.end == t.n) return r.end;  // \s++$
  if (r.several) return r.last_start;
  return i + c.len;
}

// ---------------------------------------------------------------------------------------------
// cl100k: '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+
//         |\s++$|\s*[\r\n]|\s+(?!\S)|\s
// ---------------------------------------------------------------------------------------------
// The whitespace alternatives `\s++$|\s*[\r\n]|\s+(?!\S)|\s` at a whitespace character of
// length len.
CODEBPE_HOT size_t cl100k_ws(const Text& t, size_t i, uint32_t len) {
  const WsRun r = scan_ws(t, i);
  if (r.end == t.n) return r.end;  // \s++$
  // subtle: `\s*[\r\n]` backtracks the greedy \s* to the run's last newline.
  if (r.nl_end) return r.nl_end;
  if (r.several) return r.last_start;  // \s+(?!\S)
  return i + len;                      // \s
}

// The cl100k family, one matcher with two switches:
//   qwen2 (Qwen2/2.5/3):  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}
//                         | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   llama3 (Llama 3, GLM-4): the same with \p{N}{1,3} (tiktoken's earlier cl100k regex).
// subtle: against cl100k, the contraction alternative lists the same seven suffixes; the prefix
// and the punctuation run are greedy instead of possessive, which changes nothing (a prefix taken
// before a non-letter fails either way, and nothing follows a run); kSingleDigit: digits are one
// character; kNewlineWs: the whitespace alternatives are o200k's (\s*[\r\n]+ first, no `\s++$`,
// so a run with a newline at the end of the text still ends after its last newline).
template <bool kSingleDigit>
CODEBPE_HOT size_t cl100k_digits(const Text& t, size_t i) {
  if constexpr (kSingleDigit) {
    return i + t.at(i).len;
  } else {
    return t.digits3(i);
  }
}

template <bool kNewlineWs>
CODEBPE_HOT size_t cl100k_family_ws(const Text& t, size_t i, uint32_t len) {
  if constexpr (kNewlineWs) {
    const WsRun r = scan_ws(t, i);
    if (r.nl_end) return r.nl_end;       // \s*[\r\n]+ (backtracked to the last newline)
    if (r.end == t.n) return r.end;      // \s+(?!\S) at the end
    if (r.several) return r.last_start;  // \s+(?!\S)
    return r.end;                        // \s+
  } else {
    return cl100k_ws(t, i, len);
  }
}

template <bool kSingleDigit = false, bool kNewlineWs = false>
CODEBPE_HOT size_t match_cl100k(const Text& t, size_t i) {
  // ASCII fast path: an ASCII character followed by an ASCII character (or the end) decides
  // the alternative from those two bytes, except for the contraction; the rest takes the
  // general path.
  const uint8_t b = t.s[i];
  if (b < 0x80) {
    const uint16_t cb = kAscii[b];
    if (cb & kL) return t.run(i + 1, kL);
    if (i + 1 == t.n) return t.n;  // a last character is a piece of its own whatever it is
    const uint8_t nb = t.s[i + 1];
    if (nb < 0x80 && b != '\'') {
      const uint16_t cn = kAscii[nb];
      if (cb & kN) return cl100k_digits<kSingleDigit>(t, i);
      if (!(cb & kWS)) {  // punctuation, symbol, control: a prefix and letters, or a run
        if (cn & kL) return t.run(i + 2, kL);
        return t.punct_newlines<false>(i + 1);
      }
      if (b != '\r' && b != '\n' && (cn & kL)) return t.run(i + 2, kL);
      if (b == ' ' && !(cn & (kWS | kN))) return t.punct_newlines<false>(i + 2);
      return cl100k_family_ws<kNewlineWs>(t, i, 1);
    }
  }
  const Char c = t.at(i);
  if (c.cp == '\'') {
    if (size_t e = contraction_ci(t, i)) return e;
  }
  if (c.cls & kL) return t.run(i, kL);
  if (!(c.cls & (kL | kN)) && !is_newline(c.cp)) {
    // The possessive prefix: one non-newline, non-letter, non-digit character before letters.
    const size_t p = i + c.len;
    if (t.at(p).cls & kL) return t.run(p, kL);
  }
  if (c.cls & kN) return cl100k_digits<kSingleDigit>(t, i);
  Char x;
  const size_t j = t.after_space(i, c, x);
  if (!(x.cls & (kWS | kL | kN | kEnd))) return t.punct_newlines<false>(j);
  return cl100k_family_ws<kNewlineWs>(t, i, c.len);
}

// ---------------------------------------------------------------------------------------------
// o200k: [^\r\n\p{L}\p{N}]?[UPPER]*[LOWER]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//       |[^\r\n\p{L}\p{N}]?[UPPER]+[LOWER]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//       |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
// with UPPER = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], LOWER = [\p{Ll}\p{Lm}\p{Lo}\p{M}].
// ---------------------------------------------------------------------------------------------
CODEBPE_HOT size_t o200k_suffix(const Text& t, size_t e) {
  if (e >= t.n || t.s[e] != '\'') return e;  // the common case, without a call
  const size_t c = contraction_ci(t, e);
  return c ? c : e;
}

// `[UPPER]*[LOWER]+suffix?` at p; 0 if it does not match.
// subtle: the greedy [UPPER]* backtracks to the LAST position k of the upper run (its end
// included) where a LOWER character starts; [LOWER]+ then takes the maximal run from k (the
// optional suffix never fails, so nothing backtracks into it).
CODEBPE_HOT size_t o200k_lower_word(const Text& t, size_t p) {
  size_t j = p;
  size_t k = SIZE_MAX, k_end = SIZE_MAX;  // the last LOWER character seen: [k, k_end)
  for (;;) {
    const size_t q = t.cjk_span(j);  // Lo: in both UPPER and LOWER
    if (q > j) {
      k = q - 3;
      k_end = j = q;
    }
    const Char c = t.at(j);
    if (c.cls & kLower) {
      k = j;
      k_end = j + c.len;
    }
    if (!(c.cls & kUpper)) {
      // [LOWER]+ from k stops at j when nothing lies between and j is not LOWER: the usual end
      // of a Chinese word (a CJK run, then punctuation), without decoding j's character again.
      if (k_end == j && !(c.cls & kLower)) return o200k_suffix(t, j);
      break;
    }
    j += c.len;
  }
  if (k == SIZE_MAX) return 0;
  return o200k_suffix(t, t.run(k, kLower));
}

// `[UPPER]+[LOWER]*suffix?` at p; 0 if it does not match.
CODEBPE_HOT size_t o200k_upper_word(const Text& t, size_t p) {
  if (!(t.at(p).cls & kUpper)) return 0;
  return o200k_suffix(t, t.run(t.run(p, kUpper), kLower));
}

// ` ?[^\s\p{L}\p{N}]+[\r\n/]*` from j, the first character of the run.
CODEBPE_HOT size_t o200k_punct(const Text& t, size_t j) { return t.punct_newlines<true>(j); }

// `\s*[\r\n]+|\s+(?!\S)|\s+` at a whitespace character.
CODEBPE_HOT size_t o200k_ws(const Text& t, size_t i) {
  const WsRun r = scan_ws(t, i);
  if (r.nl_end) return r.nl_end;       // \s*[\r\n]+ (backtracked to the last newline)
  if (r.end == t.n) return r.end;      // \s+(?!\S) at the end
  if (r.several) return r.last_start;  // \s+(?!\S)
  return r.end;                        // \s+
}

// A word starting with an ASCII upper-case letter at w (after the prefix, if any), when the
// upper-case run is followed by an ASCII character or the end: with a lower-case letter next,
// the first alternative's [UPPER]* stops before it ("Hello", "HTTPServer" whole); otherwise
// the second alternative takes the upper-case run ("JSON"). 0 when a non-ASCII byte follows.
CODEBPE_HOT size_t o200k_ascii_upper(const Text& t, size_t w) {
  const size_t j = t.span<kSetUpper>(w + 1);
  if (j == t.n) return j;
  if (t.s[j] >= 0x80) return 0;
  if (kAscii[t.s[j]] & kLl) return o200k_suffix(t, t.run(j + 1, kLower));
  return o200k_suffix(t, j);
}

// ASCII fast path: a character and the next one both ASCII (or the end) decide the alternative;
// 0 sends the rest to the general path. A lower-case word, with or without a one-character
// prefix (for a lower-case first letter the upper-case run is empty, so the word is the
// lower-case run); an upper-case word (o200k_ascii_upper); digits; a punctuation run, with or
// without a space; a whitespace run.
CODEBPE_HOT size_t o200k_fast(const Text& t, size_t i) {
  const uint8_t b = t.s[i];
  if (b >= 0x80) return 0;
  const uint16_t cb = kAscii[b];
  if (cb & kLl) return o200k_suffix(t, t.run(i + 1, kLower));
  if (i + 1 == t.n) return t.n;  // a last character is a piece of its own whatever it is
  const uint8_t nb = t.s[i + 1];
  if (nb >= 0x80) return 0;
  const uint16_t cn = kAscii[nb];
  if (cb & kLu) return o200k_ascii_upper(t, i);
  if (cb & kN) return t.digits3(i);
  if (b != '\r' && b != '\n') {  // b can be the prefix [^\r\n\p{L}\p{N}]
    if (cn & kLl) return o200k_suffix(t, t.run(i + 2, kLower));
    if (cn & kLu) return o200k_ascii_upper(t, i + 1);
  }
  if (!(cb & kWS)) return o200k_punct(t, i + 1);
  if (b == ' ' && !(cn & (kWS | kN))) return o200k_punct(t, i + 2);
  return o200k_ws(t, i);
}

CODEBPE_HOT size_t match_o200k(const Text& t, size_t i) {
  if (size_t e = o200k_fast(t, i)) return e;
  const Char c = t.at(i);
  // subtle: the optional prefix is greedy but not possessive: with it first, then without (which
  // matters for combining marks, in both the prefix class and the letter classes).
  const bool prefix = !(c.cls & (kL | kN | kEnd)) && !is_newline(c.cp);
  const size_t p = i + c.len;
  size_t e;
  if (prefix && (e = o200k_lower_word(t, p))) return e;
  if ((c.cls & (kUpper | kLower)) && (e = o200k_lower_word(t, i))) return e;
  if (prefix && (e = o200k_upper_word(t, p))) return e;
  if ((e = o200k_upper_word(t, i))) return e;
  if (c.cls & kN) return t.digits3(i);
  Char x;
  const size_t j = t.after_space(i, c, x);
  if (!(x.cls & (kWS | kL | kN | kEnd))) return o200k_punct(t, j);
  return o200k_ws(t, i);
}

// ---------------------------------------------------------------------------------------------
// codebpe-v1 (tokenizer/patterns.py explains each alternative), in this order:
//   A1 (?:^|(?<=[\r\n]))[ \t]+         A2 [\r\n]+
//   A3 [^\r\n\p{L}\p{N}()\[\]{}CJK]?(?:(?![CJK])[\p{L}\p{M}])+
//   A4 [^\r\n\p{L}\p{N}()\[\]{}]?[CJK]+  A5  ?\p{N}{1,3}
//   A6  ?[^\s\p{L}\p{N}]+[\r\n]*
//   A7 [^\S\r\n]+(?!\S)                A8 [^\S\r\n]+
// with CJK = \p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\u30fc\uff70 (the kCJK bit).
// ---------------------------------------------------------------------------------------------
// Letters and marks outside CJK: the repeated unit of A3.
CODEBPE_HOT bool is_word(uint16_t cls) { return (cls & (kL | kM)) && !(cls & kCJK); }

CODEBPE_HOT size_t word_run(const Text& t, size_t i) {
  i = t.span<kSetLetter>(i);
  if (i >= t.n || t.s[i] < 0x80) return i;
  for (;;) {
    if (i < t.n && t.s[i] < 0x80) {  // ASCII: letters only (no ASCII mark or CJK)
      if (!(kAscii[t.s[i]] & kL)) return i;
      ++i;
      continue;
    }
    const Char c = t.at(i);
    if (!is_word(c.cls)) return i;
    i += c.len;
  }
}

// ASCII fast path: a character and the next one both ASCII (or the end) decide the
// alternative; 0 sends the rest (and every A3/A4 case with a non-ASCII character) to the general
// path.
CODEBPE_HOT size_t codebpe_v1_fast(const Text& t, size_t i) {
  const uint8_t* s = t.s;
  const uint8_t b = s[i];
  if (b >= 0x80) return 0;
  const uint16_t cb = kAscii[b];
  if (cb & kL) return word_run(t, i + 1);  // A3
  if (b == ' ' || b == '\t') {
    if (i == 0 || s[i - 1] == '\r' || s[i - 1] == '\n') return t.span<kSetIndent>(i + 1);  // A1
  } else if (b == '\r' || b == '\n') {
    return t.newlines(i + 1);  // A2
  }
  // A bracket is never A3/A4's first character, so it starts an A6 run whatever follows.
  if (is_bracket(b)) return t.punct_newlines<false>(i + 1);
  if (i + 1 == t.n) return t.n;  // a last character is a piece of its own whatever it is
  const uint8_t nb = s[i + 1];
  if (nb >= 0x80) return 0;
  const uint16_t cn = kAscii[nb];
  if (cb & kN) return t.digits3(i);  // A5
  // b is now punctuation or horizontal whitespace (but not an indentation's first character).
  if (cn & kL) return word_run(t, i + 2);                // A3 with its first character
  if (b == ' ' && (cn & kN)) return t.digits3(i + 1);    // A5 with its space
  if (!(cb & kWS)) return t.punct_newlines<false>(i + 1);  // A6
  if (b == ' ' && !(cn & kWS)) return t.punct_newlines<false>(i + 2);  // A6
  // A7/A8 on a run of ASCII horizontal whitespace (see the general path below).
  const size_t end = t.span<kSetHSpace>(i + 1);
  if (end == t.n || s[end] == '\r' || s[end] == '\n' || end == i + 1) return end;
  if (s[end] >= 0x80) return 0;  // a non-ASCII space may continue the run
  return end - 1;
}

CODEBPE_HOT size_t match_codebpe_v1(const Text& t, size_t i) {
  if (size_t e = codebpe_v1_fast(t, i)) return e;
  const Char c = t.at(i);
  const uint8_t* s = t.s;
  if (c.cp == ' ' || c.cp == '\t') {
    if (i == 0 || s[i - 1] == '\r' || s[i - 1] == '\n') {  // A1: the whole indentation run
      return t.span<kSetIndent>(i + 1);
    }
  } else if (c.cp == '\r' || c.cp == '\n') {  // A2
    return t.newlines(i + 1);
  }
  // A3/A4: an optional first character, greedy: first with it, then without.
  const bool bracket = c.cp < 0x80 && is_bracket(c.cp);
  const bool prefix4 = !(c.cls & (kL | kN | kEnd)) && !bracket;  // \r\n handled above
  const size_t p = i + c.len;
  const Char next = t.at(p);
  if (prefix4 && !(c.cls & kCJK) && is_word(next.cls)) return word_run(t, p);
  if (is_word(c.cls)) return word_run(t, i);
  if (prefix4 && (next.cls & kCJK)) return t.run(p, kCJK);
  if (c.cls & kCJK) return t.run(i, kCJK);
  // A5/A6: an optional leading space.
  size_t j = i;
  Char x = c;
  if (c.cp == ' ') {
    j = p;
    x = next;
  }
  if (x.cls & kN) return t.digits3(j);
  // A6, then the newlines that end the line
  if (!(x.cls & (kWS | kL | kN | kEnd))) return t.punct_newlines<false>(j);
  // A7/A8: c is horizontal whitespace (not \r or \n). subtle: (?!\S) also holds before \r, \n
  // and at the end, so the whole run is taken there; before a non-space the run gives its last
  // character back (when it has two or more).
  size_t end = i, last = i;
  for (;;) {
    const Char y = t.at(end);
    if (!(y.cls & kWS) || is_newline(y.cp)) break;
    last = end;
    end += y.len;
  }
  if (end == t.n || is_newline(s[end]) || last == i) return end;
  return last;
}

// ---------------------------------------------------------------------------------------------
// deepseek-v3: three isolated splits in sequence:
//   R1 \p{N}{1,3}    R2 [\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+
//   R3 [ASCII punct][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*
//      |\s*[\r\n]+|\s+(?!\S)|\s+
// ---------------------------------------------------------------------------------------------
CODEBPE_HOT size_t match_deepseek_r3(const Text& t, size_t i) {
  const uint8_t b = t.s[i];  // ASCII fast path: a word, or a space and a word
  if (b < 0x80) {
    if (kAscii[b] & kL) return t.run(i + 1, kL | kM);
    if (b == ' ' && i + 1 < t.n && t.s[i + 1] < 0x80 && (kAscii[t.s[i + 1]] & kL)) {
      return t.run(i + 2, kL | kM);
    }
  }
  const Char c = t.at(i);
  if (c.cp < 0x80 && (c.cls & (kP | kS))) {  // the 32 ASCII punctuation characters
    size_t j = i + 1;
    while (j < t.n && t.s[j] < 0x80 && is_ascii_letter(t.s[j])) ++j;
    if (j > i + 1) return j;
  }
  if (!(c.cls & (kL | kP | kS | kEnd)) && !is_newline(c.cp)) {
    const size_t p = i + c.len;
    if (t.at(p).cls & (kL | kM)) return t.run(p, kL | kM);
  }
  if (c.cls & (kL | kM)) return t.run(i, kL | kM);
  Char x;
  const size_t j = t.after_space(i, c, x);
  if (x.cls & (kP | kS)) return t.newlines(t.run(j, kP | kS));
  if (!(c.cls & kWS)) return i;  // no alternative: the character joins a gap piece
  const WsRun r = scan_ws(t, i);
  if (r.nl_end) return r.nl_end;
  if (r.end == t.n) return r.end;
  if (r.several) return r.last_start;
  return r.end;
}

// Split [b, e) with `match` seeing e as the end of the text; unmatched characters between
// matches form one gap piece, as in reference_split.
template <class Match>
void drive(const Text& whole, size_t b, size_t e, Match match, std::vector<uint32_t>& ends) {
  const Text t{whole.s, e};
  size_t i = b;
  bool gap = false;
  while (i < e) {
    const size_t m = match(t, i);
    if (m > i) {
      if (gap) ends.push_back(static_cast<uint32_t>(i));
      gap = false;
      ends.push_back(static_cast<uint32_t>(m));
      i = m;
    } else {
      gap = true;
      i += t.at(i).len;
    }
  }
  if (gap) ends.push_back(static_cast<uint32_t>(e));
}

#if defined(__SSE2__)
// ---------------------------------------------------------------------------------------------
// ASCII blocks (cl100k and o200k): the piece starts of 64 bytes at once, from bit masks of the
// byte classes, instead of one matcher call per piece. For ASCII these two patterns reduce to
// local rules (k is a byte position, "start" means a piece starts at k):
//   * a change of class (letter, digit, whitespace, other = P) starts a piece, except that
//     - a letter after a horizontal space, or after a P character that itself starts a piece
//       (the one before it is neither P nor ' '), continues it (the optional prefix);
//     - a P character after ' ' continues it (` ?[^\s\p{L}\p{N}]+`; that space always starts
//       its piece: it is a whitespace run's last character, or follows a non-space);
//     - the newlines right after a P run continue its piece (`[\r\n]*`; o200k `[\r\n/]*`);
//   * digits: a run is cut every three from its start (`\p{N}{1,3}`);
//   * o200k letters: a lower-case letter followed by an upper-case one ends a word ("fooBar");
//   * whitespace runs (two or more characters): a piece ends after the run's last newline, and
//     before the run's last character when two or more follow its last newline (`\s+(?!\S)`);
//   * apostrophes: cl100k's contraction (`'s`, `'re`, ...) at an apostrophe that starts a piece
//     is a piece; o200k's suffix after a word joins the word's piece; either way a piece starts
//     right after it, even inside a run of letters.
// Only what can be decided from the bytes seen is kept: starts up to the start of the last
// class run in view (the one the window or a non-ASCII byte cuts off), and before any case
// these rules do not cover (an apostrophe too close to the end of the view, o200k's chained
// suffixes "x's's", a '/' after o200k's trailing newlines); the matcher takes the next piece
// from there. tests/test_pretokenize.py checks every rule against the regex module on long
// generated texts.
CODEBPE_HOT uint64_t eq_mask64(const __m128i (&v)[4], char c) {
  const __m128i x = _mm_set1_epi8(c);
  uint64_t m = 0;
  for (int q = 0; q < 4; ++q) {
    m |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v[q], x)))} << (16 * q);
  }
  return m;
}

template <int Set>
CODEBPE_HOT uint64_t set_mask64(const __m128i (&v)[4]) {
  uint64_t m = 0;
  for (int q = 0; q < 4; ++q) m |= uint64_t{set_mask<Set>(v[q])} << (16 * q);
  return m;
}

CODEBPE_HOT unsigned ctz64(uint64_t x) { return static_cast<unsigned>(__builtin_ctzll(x)); }
CODEBPE_HOT unsigned top64(uint64_t x) { return 63u - static_cast<unsigned>(__builtin_clzll(x)); }

// A block whose ASCII prefix is shorter than this returns no start before computing its masks:
// in text where non-ASCII letters come every few bytes (Vietnamese, Russian, Chinese with
// ASCII punctuation) nearly every piece started a block that decided at most a start or two,
// and the matcher ran anyway. Instructions per pass of the splitter (cachegrind, o200k, the
// harness's load subtracted): Vietnamese 4.81 M -> 2.45 M, Chinese 26.4 M -> 21.9 M, English
// 9.83 M -> 9.41 M; MB/s, median paired ratio of 9 alternating rounds: Vietnamese 1.52x,
// Russian 1.20x, Chinese 1.09x, English 1.02x, code 1.00x. Thresholds 4 and 12 did no better.
// The test is one 16-byte load ahead of the view's four (short_ascii_prefix): another 5% (vi)
// and 3% (ru) fewer instructions, time within noise (1.02-1.03x).
constexpr unsigned kMinBlockAscii = 8;

// p[0, kMinBlockAscii) holds a non-ASCII byte (one 16-byte load, before the view's four).
CODEBPE_HOT bool short_ascii_prefix(const uint8_t* p) {
  return _mm_movemask_epi8(load16(p)) & ((1u << kMinBlockAscii) - 1);
}

// The 64 bytes at p as four vectors, and how many of them, from the first, are ASCII (the
// block functions decide nothing at or after the first non-ASCII byte).
struct AsciiView {
  __m128i v[4];
  unsigned seen;   // bytes [0, seen) are ASCII
  uint64_t valid;  // their bits

  CODEBPE_HOT explicit AsciiView(const uint8_t* p)
      : v{load16(p), load16(p + 16), load16(p + 32), load16(p + 48)} {
    uint64_t hi = 0;
    for (int q = 0; q < 4; ++q) {
      hi |= uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(v[q]))} << (16 * q);
    }
    seen = hi ? ctz64(hi) : 64;
    valid = seen == 64 ? ~uint64_t{0} : (uint64_t{1} << seen) - 1;
  }
};

// Starts inside digit runs: every three digits from a run's start (`\p{N}{1,3}`).
CODEBPE_HOT uint64_t digit_cuts(uint64_t d) {
  uint64_t s = 0;
  const uint64_t d3 = d & (d << 1) & (d << 2);
  for (uint64_t x = d & ~(d << 1); (x = (x << 3) & d3) != 0;) s |= x;
  return s;
}

// The starts of s in [1, limit): those a block returns.
CODEBPE_HOT uint64_t starts_below(uint64_t s, unsigned limit) {
  return s & (limit >= 64 ? ~uint64_t{0} : (uint64_t{1} << limit) - 1) & ~uint64_t{1};
}

// Piece starts among p[1, 64) given that a piece starts at p[0]; only exact ones are returned
// (possibly none).
template <bool kO200k>
CODEBPE_HOT uint64_t ascii_block_starts(const uint8_t* p) {
  if (short_ascii_prefix(p)) return 0;
  const AsciiView view(p);
  const auto& v = view.v;
  const unsigned seen = view.seen;
  const uint64_t valid = view.valid;
  const uint64_t lo = set_mask64<kSetLower>(v) & valid;
  const uint64_t up = set_mask64<kSetUpper>(v) & valid;
  const uint64_t d = set_mask64<kSetDigit>(v) & valid;
  const uint64_t w = set_mask64<kSetSpace>(v) & valid;
  const uint64_t nl = (eq_mask64(v, '\n') | eq_mask64(v, '\r')) & valid;
  const uint64_t sp = eq_mask64(v, ' ') & valid;
  const uint64_t l = lo | up;
  const uint64_t pm = valid & ~(l | d | w);
  const uint64_t h = w & ~nl;
  const uint64_t change =
      ((l ^ (l << 1)) | (d ^ (d << 1)) | (w ^ (w << 1)) | (pm ^ (pm << 1))) & valid & ~uint64_t{1};
  if (change == 0) return 0;
  unsigned limit = top64(change) + 1;  // starts up to the last class run's start are exact
  uint64_t s = change;
  s &= ~(l & ((h << 1) | ((pm << 1) & ~(pm << 2) & ~(sp << 2))));  // prefix + letters
  s &= ~(pm & (sp << 1));                                          // ' ' + P run
  // Newlines right after a P run: [\r\n]* (o200k [\r\n/]*, a '/' there is left to the matcher).
  if (const uint64_t first = nl & (pm << 1)) {
    const uint64_t t = nl & ((nl + first) ^ nl);
    const uint64_t after = (t << 1) & ~t & valid;
    s = (s & ~t) | after;
    if (kO200k && (after & eq_mask64(v, '/'))) limit = std::min(limit, ctz64(first));
  }
  // Whitespace runs of two or more characters (their first character is a change of class).
  for (uint64_t m = w & ~(w << 1) & (w >> 1); m; m &= m - 1) {
    const unsigned a = ctz64(m);
    const uint64_t rest = ~w >> a;  // bit 0 clear: p[a] is whitespace
    if (rest == 0) break;
    const unsigned r = a + ctz64(rest);  // the run is [a, r)
    if (r >= seen) break;                // cut off: the last class run
    const uint64_t run = (uint64_t{1} << r) - (uint64_t{1} << a);
    unsigned tail = a;
    if (const uint64_t n_in = nl & run) {
      tail = top64(n_in) + 1;
      if (tail < r) s |= uint64_t{1} << tail;
    }
    if (r - tail >= 2) s |= uint64_t{1} << (r - 1);
  }
  s |= digit_cuts(d);
  if (kO200k) s |= up & (lo << 1);  // "fooBar": a new word at the upper-case letter
  if (const uint64_t ap = eq_mask64(v, '\'') & valid) {
    // cl100k: an apostrophe that starts a piece; o200k: one right after a letter.
    const uint64_t cand = kO200k ? ap & (l << 1) : ap & ~(pm << 1) & ~(sp << 1);
    const uint64_t late = cand & ~((seen >= 2 ? uint64_t{1} << (seen - 2) : 0) - 1);
    if (late) limit = std::min(limit, ctz64(late));  // the letters after it are not in view
    uint64_t c2 = 0, c3 = 0;  // contractions of 2 and 3 bytes, by their apostrophe
    for (uint64_t m = cand & ~late; m; m &= m - 1) {
      const unsigned k = ctz64(m);
      const uint8_t b1 = p[k + 1] | 0x20, b2 = p[k + 2] | 0x20;
      if (b1 == 's' || b1 == 't' || b1 == 'm' || b1 == 'd') {
        c2 |= uint64_t{1} << k;
      } else if ((b2 == 'e' && (b1 == 'r' || b1 == 'v')) || (b1 == 'l' && b2 == 'l')) {
        c3 |= uint64_t{1} << k;
      }
    }
    if (kO200k) {
      // An apostrophe right after another suffix does not follow a word: left to the matcher.
      if (const uint64_t chain = cand & ((c2 << 2) | (c3 << 3))) {
        const unsigned k = ctz64(chain);
        limit = std::min(limit, k >= 3 ? k - 3 : 0u);
      }
      s &= ~((c2 | c3) | ((c2 | c3) << 1) | (c3 << 2));  // the suffix joins the word
    } else {
      s &= ~(((c2 | c3) << 1) | (c3 << 2));
    }
    s |= (c2 << 2) | (c3 << 3);  // a piece starts after it
  }
  return starts_below(s, limit);
}

// codebpe-v1 on ASCII (the alternatives A1-A8 above), as starts of a 64-byte window:
//   * a change of class (letter, digit, horizontal space H, newline, other = P) starts a piece,
//     except that a letter continues a prefix (an H character that is not indentation, or a P
//     character other than a bracket that starts its own piece: the one before it is neither P
//     nor a ' ' outside indentation), a P character or a digit continues a ' ' outside
//     indentation (A6, A5), and the newlines right after a P run continue its piece (A6);
//   * indentation (a run of ' ' and '\t' after a newline, or at the text's start) is one piece
//     (A1), and so is a run of newlines (A2);
//   * another H run of two or more before a non-space gives back its last character (A7);
//   * a digit run is cut every three from its start (A5).
// \v and \f (H, but not indentation) are left to the matcher. `line_start`: p[0] is at the
// text's start or after a newline.
CODEBPE_HOT uint64_t ascii_block_starts_v1(const uint8_t* p, bool line_start) {
  if (short_ascii_prefix(p)) return 0;
  const AsciiView view(p);
  const auto& v = view.v;
  const unsigned seen = view.seen;
  const uint64_t valid = view.valid;
  const uint64_t l = set_mask64<kSetLetter>(v) & valid;
  const uint64_t d = set_mask64<kSetDigit>(v) & valid;
  const uint64_t w = set_mask64<kSetSpace>(v) & valid;
  const uint64_t it = set_mask64<kSetIndent>(v) & valid;  // ' ', '\t'
  const uint64_t sp = eq_mask64(v, ' ') & valid;
  const uint64_t br = (eq_mask64(v, '(') | eq_mask64(v, ')') | eq_mask64(v, '[') | eq_mask64(v, ']') |
                       eq_mask64(v, '{') | eq_mask64(v, '}')) & valid;
  const uint64_t nl = w & ~set_mask64<kSetHSpace>(v);
  const uint64_t h = w & ~nl;
  const uint64_t pm = valid & ~(l | d | w);
  const uint64_t change = ((l ^ (l << 1)) | (d ^ (d << 1)) | (h ^ (h << 1)) | (nl ^ (nl << 1)) |
                           (pm ^ (pm << 1))) & valid & ~uint64_t{1};
  if (change == 0) return 0;
  unsigned limit = top64(change) + 1;
  if (const uint64_t vf = h & ~it) {  // \v or \f: from the start of its H run on, the matcher's
    const uint64_t before = h & ~(h << 1) & ((vf & -vf) | ((vf & -vf) - 1));
    limit = std::min(limit, top64(before));
  }
  // Indentation: the ' '/'\t' runs that start after a newline (or at p[0] at a line's start).
  const uint64_t ind_first = it & ((nl << 1) | (line_start ? 1 : 0));
  const uint64_t ind = it & ((it + ind_first) ^ it);
  const uint64_t sp_out = sp & ~ind;  // a ' ' that starts an A5/A6 piece when one follows
  uint64_t s = change;
  s &= ~(l & (((h & ~ind) << 1) | (((pm & ~br) << 1) & ~(pm << 2) & ~(sp_out << 2))));
  s &= ~((pm | d) & (sp_out << 1));
  if (const uint64_t first = nl & (pm << 1)) {  // A6's trailing [\r\n]*: the whole newline run
    s &= ~(nl & ((nl + first) ^ nl));
  }
  // H runs outside indentation, of two or more, before a non-space: the last character apart.
  for (uint64_t m = h & ~ind & ~(h << 1) & (h >> 1); m; m &= m - 1) {
    const unsigned a = ctz64(m);
    const uint64_t rest = ~h >> a;
    if (rest == 0) break;
    const unsigned r = a + ctz64(rest);
    if (r >= seen) break;
    if (!(nl >> r & 1)) s |= uint64_t{1} << (r - 1);
  }
  return starts_below(s | digit_cuts(d), limit);
}

// drive() for cl100k, o200k and codebpe-v1: 64-byte ASCII blocks through block_starts, the matcher
// for a piece that no block decides, and for the last 63 bytes.
enum class Blocks { cl100k, o200k, codebpe_v1 };

template <Blocks kPattern>
CODEBPE_HOT uint64_t block_starts(const Text& t, size_t i) {
  if constexpr (kPattern == Blocks::codebpe_v1) {
    return ascii_block_starts_v1(t.s + i, i == 0 || t.s[i - 1] == '\n' || t.s[i - 1] == '\r');
  } else {
    return ascii_block_starts<kPattern == Blocks::o200k>(t.s + i);
  }
}

template <Blocks kPattern, class Match>
void drive_blocks(const Text& t, Match match, std::vector<uint32_t>& ends) {
  size_t i = 0;
  while (i + 64 <= t.n) {
    // (A piece that starts with a non-ASCII byte goes to the matcher without trying a block.)
    if (uint64_t s = t.s[i] < 0x80 ? block_starts<kPattern>(t, i) : 0) {
      const size_t base = i;
      do {
        ends.push_back(static_cast<uint32_t>(base + ctz64(s)));
        s &= s - 1;
      } while (s);
      i = ends.back();
      continue;
    }
    const size_t m = match(t, i);
    if (m <= i) break;  // (no such character in these patterns) the general loop's gap rule
    ends.push_back(static_cast<uint32_t>(m));
    i = m;
  }
  // The last bytes (fewer than 64: all of a short text, a line, a message): one block on a copy
  // padded with non-ASCII bytes, which the blocks treat as bytes not seen, so the starts it gives
  // are the ones that hold whatever follows, the end of the text included; the rest to the
  // matcher. Before, a text under 64 bytes had the matcher for every piece.
  if (t.n - i > kMinBlockAscii && i + 64 > t.n && t.s[i] < 0x80) {
    uint8_t pad[64];
    const size_t len = t.n - i;
    std::memcpy(pad, t.s + i, len);
    std::memset(pad + len, 0x80, 64 - len);
    uint64_t s;
    if constexpr (kPattern == Blocks::codebpe_v1) {
      s = ascii_block_starts_v1(pad, i == 0 || t.s[i - 1] == '\n' || t.s[i - 1] == '\r');
    } else {
      s = ascii_block_starts<kPattern == Blocks::o200k>(pad);
    }
    if (s) {
      const size_t base = i;
      do {
        ends.push_back(static_cast<uint32_t>(base + ctz64(s)));
        s &= s - 1;
      } while (s);
      i = ends.back();
    }
  }
  if (i < t.n) drive(t, i, t.n, match, ends);
}
#else
enum class Blocks { cl100k, o200k, codebpe_v1 };

template <Blocks kPattern, class Match>
void drive_blocks(const Text& t, Match match, std::vector<uint32_t>& ends) {
  drive(t, 0, t.n, match, ends);  // (no SSE2: the matcher for every piece)
}
#endif

constexpr auto kR3 = [](const Text& x, size_t i) CODEBPE_LAMBDA { return match_deepseek_r3(x, i); };

inline bool in_deepseek_cjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FA5) || (cp >= 0x3040 && cp <= 0x30FF);
}

// R1 and R2 fused into one pass: a digit group (R1) or a run of the literal CJK ranges (R2) ends
// the current segment of other characters; R3 then runs on each segment.
// subtle: a digit group is always one piece (no N character is a letter, mark, punctuation,
// symbol or space, so R3 matches nothing in it), and no N character lies in the CJK ranges
// (tests check both against the regex module), so the fused pass equals the nested splits.
void split_deepseek_v3(const Text& t, std::vector<uint32_t>& ends) {
  size_t i = 0;
  size_t seg = 0;  // start of the current segment of other characters
  while (i < t.n) {
    i = t.span<kSetNonDigit>(i);  // ASCII other than digits: part of the current segment
    if (i == t.n) break;
    const Char c = t.at(i);
    const bool digit = c.cls & kN;
    if (!digit && !in_deepseek_cjk(c.cp)) {
      i += c.len;
      continue;
    }
    if (seg < i) drive(t, seg, i, kR3, ends);
    if (digit) {
      i = t.digits3(i);
      ends.push_back(static_cast<uint32_t>(i));
    } else {
      const size_t start = i;
      Char y = c;
      do {
        i += y.len;
        y = t.at(i);
      } while (y.len && in_deepseek_cjk(y.cp));
      drive(t, start, i, kR3, ends);
    }
    seg = i;
  }
  if (seg < t.n) drive(t, seg, t.n, kR3, ends);
}

// ---------------------------------------------------------------------------------------------
// deepseek-coder: five isolated splits in sequence:
//   C1 [\r\n]    C2 \s?\p{L}+    C3 \s?\p{P}+    C4 [\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+
//   C5 one digit (Digits(individual_digits=True): Rust's char::is_numeric, kDigits, which is
//      \p{N} and 13 code points of a newer Unicode)
// One pass, no nesting: a matcher for C1-C3 and a refinement for C4/C5 that pushes extra ends
// inside each piece as it is scanned.
// subtle: why one pass equals the nested splits.
//   - C1 makes every \r and \n a piece; C2 and C3 never match across them (neither \s? nor the
//     runs can, once the \r or \n is a piece of its own), so C1 is "\r or \n: one character".
//   - C2 in a C1 segment: leftmost-first, a match starts at i iff c(i) is \s and c(i+1) a letter,
//     or c(i) is a letter (\s and \p{L} are disjoint), and its letter run is maximal.
//   - C3 runs on C2's gaps only (C2's matches hold no \p{P}); a gap ends before \s or a letter,
//     neither of which C3's run or its \s? could use, so C3 on the gaps is "at i, after C2
//     failed: \s then \p{P}, or \p{P}" over the whole segment.
//   - C4 and C5 split every piece further, and a nested split's boundaries add up: a piece is
//     cut where membership of R = [\u0800-\u9fa5\uac00-\ud7ff] changes (C4's maximal runs and
//     the gaps between them) and before and after every digit (C5). C2/C3 pieces hold no digit
//     (no kDigits character is a letter, punctuation or space: tests check), so only gaps need
//     the C5 cut. R includes \s characters (U+2000-U+200A, U+2028/9, U+202F, U+205F,
//     U+3000), CJK and general punctuation ('“', '—', '。') and digits of many scripts: '\u3000中'
//     stays one piece, ' “' is ' ' + '“'.
//   Invalid bytes (U+DC80..U+DCFF) are no class and outside R: gap characters.
// ---------------------------------------------------------------------------------------------
CODEBPE_HOT bool in_coder_range(uint32_t cp) {
  return (cp - 0x800u) <= (0x9FA5u - 0x800u) || (cp - 0xAC00u) <= (0xD7FFu - 0xAC00u);
}

// Extend a C2 (mask kL) or C3 (mask kP) piece from i over characters of `mask`; `r` says whether
// the piece's previous character is in R. Pushes an end at every change of R inside the piece;
// returns the piece's end (the caller pushes it). Every ASCII character is outside R.
template <uint16_t Mask>
CODEBPE_HOT size_t coder_run(const Text& t, size_t i, bool r, std::vector<uint32_t>& ends) {
  for (;;) {
    size_t j = i;
    if constexpr (Mask == kL) {
      j = t.span<kSetLetter>(i);
    } else {
      while (j < t.n && t.s[j] < 0x80 && (kAscii[t.s[j]] & kP)) ++j;
    }
    if (j > i) {
      if (r) ends.push_back(static_cast<uint32_t>(i));
      r = false;
      i = j;
    }
    if (i >= t.n || t.s[i] < 0x80) return i;  // the end, or an ASCII character not in the class
    const Char c = t.at(i);
    if (!(c.cls & Mask)) return i;
    const bool cr = in_coder_range(c.cp);
    if (cr != r) ends.push_back(static_cast<uint32_t>(i));
    r = cr;
    i += c.len;
  }
}

// The gap of unmatched characters: cut at every change of R and around every digit (kDigits).
struct CoderGap {
  bool open = false;  // a gap piece is in progress (its end not pushed yet)
  bool r = false;     // whether its characters are in R

  CODEBPE_HOT void close(size_t i, std::vector<uint32_t>& ends) {
    if (open) ends.push_back(static_cast<uint32_t>(i));
    open = false;
  }
  // Add the character [i, i + len) of class cls and range membership cr.
  CODEBPE_HOT void add(size_t i, uint32_t len, uint16_t cls, bool cr,
                       std::vector<uint32_t>& ends) {
    if (cls & kDigits) {
      close(i, ends);
      ends.push_back(static_cast<uint32_t>(i + len));
      return;
    }
    if (open && r != cr) ends.push_back(static_cast<uint32_t>(i));
    open = true;
    r = cr;
  }
};

void split_deepseek_coder(const Text& t, std::vector<uint32_t>& ends) {
  const uint8_t* s = t.s;
  const size_t n = t.n;
  CoderGap gap;
  size_t i = 0;
  while (i < n) {
    const uint8_t b = s[i];
    if (b < 0x80) {  // ASCII fast path: decided by this byte and the next one when ASCII
      const uint16_t cb = kAscii[b];
      const bool next_ascii = i + 1 < n && s[i + 1] < 0x80;
      const uint16_t cn = next_ascii ? kAscii[s[i + 1]] : 0;
      size_t e;
      if (cb & kL) {
        gap.close(i, ends);
        e = t.span<kSetLetter>(i + 1);
        if (e < n && s[e] >= 0x80) e = coder_run<kL>(t, e, false, ends);
      } else if (b == '\r' || b == '\n') {
        gap.close(i, ends);
        e = i + 1;
      } else if (cb & kP) {
        gap.close(i, ends);
        e = coder_run<kP>(t, i + 1, false, ends);
      } else if ((cb & kWS) && (cn & kL)) {
        gap.close(i, ends);
        e = coder_run<kL>(t, i + 2, false, ends);
      } else if ((cb & kWS) && (cn & kP)) {
        gap.close(i, ends);
        e = coder_run<kP>(t, i + 2, false, ends);
      } else if ((cb & kWS) && next_ascii && (kByteSets[s[i + 1]] & (1u << kSetHSpace))) {
        // A run of horizontal whitespace (indentation): every character but the last one is
        // followed by whitespace, so it is a gap character; the last one is decided above.
        gap.add(i, 1, cb, false, ends);
        i = t.span<kSetHSpace>(i + 2) - 1;
        continue;
      } else if (!(cb & kWS) || next_ascii || i + 1 == n) {
        // a digit, symbol or control character, or whitespace before an ASCII character that
        // is no letter or punctuation (or before the end): a gap character
        gap.add(i, 1, cb, false, ends);
        ++i;
        continue;
      } else {
        e = 0;  // whitespace before a non-ASCII character: the general path
      }
      if (e) {
        ends.push_back(static_cast<uint32_t>(e));
        i = e;
        continue;
      }
    }
    // General path: C1 is ASCII, so c is C2 (\s then a letter, or a letter), C3 or a gap.
    const Char c = t.at(i);
    const bool cr = in_coder_range(c.cp);
    const size_t p = i + c.len;
    size_t e = 0;
    if (c.cls & kWS) {
      const Char next = t.at(p);
      if (next.cls & (kL | kP)) {
        gap.close(i, ends);
        const bool nr = in_coder_range(next.cp);
        if (nr != cr) ends.push_back(static_cast<uint32_t>(p));
        e = (next.cls & kL) ? coder_run<kL>(t, p + next.len, nr, ends)
                            : coder_run<kP>(t, p + next.len, nr, ends);
      }
    } else if (c.cls & kL) {
      gap.close(i, ends);
      e = coder_run<kL>(t, p, cr, ends);
    } else if (c.cls & kP) {
      gap.close(i, ends);
      e = coder_run<kP>(t, p, cr, ends);
    }
    if (e) {
      ends.push_back(static_cast<uint32_t>(e));
      i = e;
    } else {
      gap.add(i, c.len, c.cls, cr, ends);
      i = p;
    }
  }
  gap.close(n, ends);
}

}  // namespace

PatternId pattern_from_name(std::string_view name) {
  if (name == "gpt2") return PatternId::gpt2;
  if (name == "cl100k") return PatternId::cl100k;
  if (name == "o200k") return PatternId::o200k;
  if (name == "codebpe-v1") return PatternId::codebpe_v1;
  if (name == "deepseek-v3") return PatternId::deepseek_v3;
  if (name == "deepseek-coder") return PatternId::deepseek_coder;
  if (name == "qwen2") return PatternId::qwen2;
  if (name == "llama3") return PatternId::llama3;
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

std::string_view unicode_tables_source() { return kSource; }

void split(PatternId pattern, std::string_view text, std::vector<uint32_t>& ends) {
  if (text.size() >= (uint64_t{1} << 32)) throw std::length_error("text too long to split (4 GiB)");
  const Text t{reinterpret_cast<const uint8_t*>(text.data()), text.size()};
  ends.reserve(ends.size() + text.size() / 4 + 16);
  // Lambdas (distinct types) so that each matcher is inlined into its own drive loop (forced:
  // GCC had kept the matcher out of line, one call per piece).
  const auto gpt2 = [](const Text& x, size_t i) CODEBPE_LAMBDA { return match_gpt2(x, i); };
  const auto cl100k = [](const Text& x, size_t i) CODEBPE_LAMBDA { return match_cl100k(x, i); };
  const auto qwen2 = [](const Text& x, size_t i) CODEBPE_LAMBDA {
    return match_cl100k<true, true>(x, i);
  };
  const auto llama3 = [](const Text& x, size_t i) CODEBPE_LAMBDA {
    return match_cl100k<false, true>(x, i);
  };
  const auto o200k = [](const Text& x, size_t i) CODEBPE_LAMBDA { return match_o200k(x, i); };
  const auto v1 = [](const Text& x, size_t i) CODEBPE_LAMBDA { return match_codebpe_v1(x, i); };
  switch (pattern) {
    case PatternId::gpt2:
      return drive(t, 0, t.n, gpt2, ends);
    case PatternId::cl100k:
      return drive_blocks<Blocks::cl100k>(t, cl100k, ends);
    case PatternId::o200k:
      return drive_blocks<Blocks::o200k>(t, o200k, ends);
    case PatternId::codebpe_v1:
      return drive_blocks<Blocks::codebpe_v1>(t, v1, ends);
    case PatternId::deepseek_v3:
      return split_deepseek_v3(t, ends);
    case PatternId::deepseek_coder:
      return split_deepseek_coder(t, ends);
    case PatternId::qwen2:
      return drive(t, 0, t.n, qwen2, ends);
    case PatternId::llama3:
      return drive(t, 0, t.n, llama3, ends);
  }
  throw std::invalid_argument("unknown pattern id");
}

}  // namespace codebpe
