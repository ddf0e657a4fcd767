// Reading .tiktoken files ("<base64 token> <rank>" per line) fast: the Python parser (one
// base64.b64decode, int and dict insertion per line) took ~175 ms of o200k_base's ~250 ms load.
// Only the canonical form is read here; anything else makes the caller fall back to the Python
// parser, which reports the exact line and error (tokenizer/interop.py, read_tiktoken_ranks).
#pragma once

#include <cstdint>
#include <string_view>

namespace codebpe {

// Calls emit(token_bytes, rank) for each line of `data` in order and returns true when every
// line is canonical: standard base64 whose re-encoding is itself (padding as b64encode writes
// it, zero trailing bits), one space, a decimal rank of at most 18 digits, "\n" (the last line
// may lack it). Returns false at the first other line, or when emit returns false. Empty data is
// canonical (no lines).
template <class Emit>
bool parse_tiktoken_canonical(std::string_view data, Emit&& emit) {
  static constexpr auto kTable = [] {
    struct T {
      int8_t v[256];
    } t{};
    for (int i = 0; i < 256; ++i) t.v[i] = -1;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t.v[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  char buf[512];  // decoded token (a longer one is not canonical here: the Python parser reads it)
  size_t pos = 0;
  const size_t n = data.size();
  while (pos < n) {
    const size_t space = data.find(' ', pos);
    if (space == std::string_view::npos) return false;
    const std::string_view b64 = data.substr(pos, space - pos);
    if (b64.empty() || b64.size() % 4 != 0 || b64.size() / 4 * 3 > sizeof(buf)) return false;
    size_t len = 0;
    for (size_t i = 0; i < b64.size(); i += 4) {
      const bool last = i + 4 == b64.size();
      int v[4];
      int pad = 0;
      for (int k = 0; k < 4; ++k) {
        const char c = b64[i + k];
        if (c == '=' && last && k >= 2) {
          v[k] = 0;
          ++pad;
          continue;
        }
        if (pad) return false;  // a digit after '='
        v[k] = kTable.v[static_cast<unsigned char>(c)];
        if (v[k] < 0) return false;
      }
      const uint32_t w = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
      if ((pad == 1 && (w & 0xFF)) || (pad == 2 && (w & 0xFFFF))) return false;  // not canonical
      buf[len++] = static_cast<char>(w >> 16);
      if (pad < 2) buf[len++] = static_cast<char>(w >> 8);
      if (pad < 1) buf[len++] = static_cast<char>(w);
    }
    size_t end = space + 1;
    int64_t rank = 0;
    while (end < n && data[end] >= '0' && data[end] <= '9') {
      if (end - space > 18) return false;
      rank = rank * 10 + (data[end] - '0');
      ++end;
    }
    if (end == space + 1) return false;  // no digits
    if (end < n && data[end] != '\n') return false;
    if (!emit(std::string_view(buf, len), rank)) return false;
    pos = end + 1;
  }
  return true;
}

}  // namespace codebpe
