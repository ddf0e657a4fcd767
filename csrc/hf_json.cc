// Reading model.vocab and model.merges of a tokenizer.json (see hf_json.h).
//
// What is read, and what is declined (scan_hf_model returns false; the Python path then reads
// the whole file and gives the result, or the error, it always gave):
// * the file must be UTF-8 without a BOM (Python's json takes a BOM or UTF-16/32 in some routes:
//   declined), and JSON as Python's json.loads reads it, except NaN and Infinity (declined) in
//   every part walked: the top level, the "model" object and everything skipped over. Skipping
//   follows the grammar exactly (strings with their escapes and no raw control characters,
//   numbers, literals, nesting up to kMaxDepth, iteratively: no recursion);
// * the top level is an object with one "model" key (twice: json.loads keeps the last; declined),
//   whose value is an object with exactly one "vocab" (an object) and one "merges" (an array);
//   keys are compared after unescaping ("voc\u0061b" is "vocab");
// * each vocab key is a distinct string and each value a plain integer literal 0..2^31-1 (no
//   sign, fraction, exponent or leading zero), no id given twice. A key whose every character is
//   a byte-level stand-in (escapes unescaped first) is read as its bytes; any other key (a lone
//   surrogate, an added token listed in the vocabulary) is kept as its literal, which Python
//   reads with json.loads (and declines when two of those are one string);
// * merges are all "a b" strings with exactly one space (U+0020, escaped or not) or all
//   ["a", "b"] arrays of two strings, and every name is a byte-level key of the vocabulary.
//   Decoding stand-ins is a bijection, so a name is that key exactly when its bytes are.
// Everything runs in linear time: each byte is looked at a bounded number of times, the lookup
// table is a hash table at most half full.
#include "hf_json.h"

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <utility>

#include "bpe.h"  // hash_bytes_seeded, bytes_equal, kNoId
#include "utf8.h"

namespace codebpe {
namespace {

constexpr size_t kMaxDepth = 10000;
constexpr uint32_t kMaxId = 0x7FFFFFFFu;
constexpr uint32_t kStandInEnd = 0x144;  // every stand-in is below U+0144

// The byte of each byte-level stand-in code point (GPT-2's bytes_to_unicode), -1 for the rest:
// the printable bytes stand for themselves, the other 68 are U+0100 + k in byte order.
struct StandIns {
  int16_t byte[kStandInEnd];
};
constexpr StandIns make_stand_ins() {
  StandIns t{};
  for (uint32_t c = 0; c < kStandInEnd; ++c) t.byte[c] = -1;
  uint32_t extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    t.byte[printable ? b : 0x100 + extra++] = static_cast<int16_t>(b);
  }
  return t;
}
constexpr StandIns kStandIns = make_stand_ins();

int stand_in_byte(uint32_t cp) { return cp < kStandInEnd ? kStandIns.byte[cp] : -1; }

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct Span {
  size_t begin = 0, end = 0;
};

class Reader {
 public:
  Reader(const uint8_t* s, size_t n, size_t i) : s_(s), n_(n), i_(i) {}

  size_t pos() const { return i_; }
  bool at_end() {
    ws();
    return i_ == n_;
  }
  // Skips whitespace; true when the next byte is c (not consumed).
  bool next_is(uint8_t c) {
    ws();
    return i_ < n_ && s_[i_] == c;
  }
  // Skips whitespace and c; false when the next byte is not c.
  bool eat(uint8_t c) {
    if (!next_is(c)) return false;
    ++i_;
    return true;
  }

  // One character of a JSON string, after its opening quote: 1 with the code point in cp (each
  // \uXXXX of a surrogate pair alone: no surrogate is a stand-in or ASCII), 0 at the closing
  // quote (consumed), -1 where the string is not valid JSON or not UTF-8 as Python decodes it
  // (shortest form, no surrogates, <= U+10FFFF). Outside strings only ASCII is valid JSON, so
  // every byte of the file is checked.
  int next_char(uint32_t& cp) {
    if (i_ >= n_) return -1;
    const uint8_t c = s_[i_];
    if (c == '"') {
      ++i_;
      return 0;
    }
    if (c < 0x20) return -1;  // (a raw control character: json.loads refuses it)
    if (c >= 0x80) {
      const Decoded d = decode_at(s_, n_, i_);
      if (d.len == 1) return -1;  // (a byte >= 0x80 alone: ill-formed)
      cp = d.cp;
      i_ += d.len;
      return 1;
    }
    if (c != '\\') {
      cp = c;
      ++i_;
      return 1;
    }
    if (i_ + 1 >= n_) return -1;
    switch (s_[i_ + 1]) {
      case '"': cp = '"'; break;
      case '\\': cp = '\\'; break;
      case '/': cp = '/'; break;
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u': {
        if (n_ - i_ < 6) return -1;
        cp = 0;
        for (size_t k = 2; k < 6; ++k) {
          const int h = hex_value(s_[i_ + k]);
          if (h < 0) return -1;
          cp = cp * 16 + static_cast<uint32_t>(h);
        }
        i_ += 6;
        return 1;
      }
      default: return -1;
    }
    i_ += 2;
    return 1;
  }

  // A string (at its opening quote), skipped.
  bool skip_string() {
    if (!eat('"')) return false;
    uint32_t cp;
    for (;;) {
      while (i_ < n_ && s_[i_] >= 0x20 && s_[i_] < 0x80 && s_[i_] != '"' && s_[i_] != '\\') ++i_;
      const int r = next_char(cp);
      if (r <= 0) return r == 0;
    }
  }

  // A string (at its opening quote) compared with an ASCII name after unescaping.
  bool read_name(std::string_view& matched, std::initializer_list<std::string_view> names) {
    if (!eat('"')) return false;
    std::string got;
    uint32_t cp;
    for (;;) {
      const int r = next_char(cp);
      if (r < 0) return false;
      if (r == 0) break;
      if (got.size() < 16) got.push_back(cp < 0x80 ? static_cast<char>(cp) : '\x80');
    }
    matched = {};
    for (std::string_view name : names) {
      if (got == name) matched = name;
    }
    return true;
  }

  // An object key and its colon (at the key's opening quote).
  bool skip_key() { return skip_string() && eat(':'); }

  // Any JSON value (NaN and Infinity declined), nested at most kMaxDepth deep.
  bool skip_value() {
    std::vector<uint8_t> open;  // '{' or '[' of each container we are in
    for (;;) {
      // a value
      ws();
      if (i_ >= n_) return false;
      const uint8_t c = s_[i_];
      if (c == '{' || c == '[') {
        if (open.size() >= kMaxDepth) return false;
        ++i_;
        const uint8_t close = c == '{' ? '}' : ']';
        if (eat(close)) {
          if (!after_value(open)) return false;
        } else {
          open.push_back(c);
          if (c == '{' && !skip_key()) return false;
          continue;
        }
      } else {
        if (c == '"') {
          if (!skip_string()) return false;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
          if (!skip_number()) return false;
        } else if (!skip_literal()) {
          return false;
        }
        if (!after_value(open)) return false;
      }
      if (open.empty()) return true;
    }
  }

  // A uint32 id: a plain integer literal 0..kMaxId.
  bool read_id(uint32_t& id) {
    ws();
    if (i_ >= n_ || s_[i_] < '0' || s_[i_] > '9') return false;
    if (s_[i_] == '0') {
      ++i_;
      id = 0;
      return i_ == n_ || s_[i_] < '0' || s_[i_] > '9';  // (a leading zero: json.loads refuses)
    }
    uint64_t v = 0;
    while (i_ < n_ && s_[i_] >= '0' && s_[i_] <= '9') {
      v = v * 10 + (s_[i_++] - '0');
      if (v > kMaxId) return false;
    }
    id = static_cast<uint32_t>(v);
    return true;
  }

 private:
  void ws() {
    while (i_ < n_ && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }

  // After a value inside the containers `open`: closes the containers that end here, and reads
  // the comma (and key) before the next value; true when a value follows or all are closed.
  bool after_value(std::vector<uint8_t>& open) {
    while (!open.empty()) {
      const bool in_object = open.back() == '{';
      if (eat(',')) return !in_object || skip_key();
      if (!eat(in_object ? '}' : ']')) return false;
      open.pop_back();
    }
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, as json.loads reads numbers.
  bool skip_number() {
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < n_ && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > from;
    };
    if (s_[i_] == '-') ++i_;
    if (i_ < n_ && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;  // (a lone "-", or -Infinity: declined)
    }
    if (i_ < n_ && s_[i_] == '.') {
      ++i_;
      if (!digits()) return false;
    }
    if (i_ < n_ && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < n_ && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }

  bool skip_literal() {
    for (std::string_view lit : {"true", "false", "null"}) {
      if (n_ - i_ >= lit.size() && std::string_view(reinterpret_cast<const char*>(s_ + i_), lit.size()) == lit) {
        i_ += lit.size();
        return true;
      }
    }
    return false;
  }

  const uint8_t* s_;
  size_t n_;
  size_t i_;
};

// No id given to two keys.
bool ids_distinct(const std::vector<uint32_t>& ids) {
  uint32_t top = 0;
  for (uint32_t i : ids) top = std::max(top, i);
  if (top < 8 * ids.size() + (1u << 20)) {
    std::vector<bool> seen(static_cast<size_t>(top) + 1);
    for (uint32_t i : ids) {
      if (seen[i]) return false;
      seen[i] = true;
    }
    return true;
  }
  std::vector<uint32_t> sorted(ids);
  std::sort(sorted.begin(), sorted.end());
  return std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end();
}


// model.vocab (the reader at its '{') into out's keys and ids.
bool read_vocab(Reader& r, const uint8_t* s, HFModelScan& out) {
  if (!r.eat('{')) return false;
  if (r.eat('}')) return true;
  do {
    if (!r.next_is('"')) return false;
    const size_t literal = r.pos();
    r.eat('"');
    const size_t from = out.blob.size();
    bool byte_level = true;
    uint32_t cp;
    for (;;) {
      const int got = r.next_char(cp);
      if (got < 0) return false;
      if (got == 0) break;
      const int b = stand_in_byte(cp);
      if (b < 0) byte_level = false;
      if (byte_level) out.blob.push_back(static_cast<char>(b));
    }
    const std::string_view key(reinterpret_cast<const char*>(s + literal), r.pos() - literal);
    uint32_t id;
    if (!r.eat(':') || !r.read_id(id)) return false;
    if (byte_level) {
      out.ends.push_back(static_cast<uint32_t>(out.blob.size()));
      out.key_ids.push_back(id);
    } else {
      out.blob.resize(from);
      out.odd_keys.emplace_back(key);
      out.odd_ids.push_back(id);
    }
    out.ids.push_back(id);
  } while (r.eat(','));
  return r.eat('}');
}

// One merge name (a JSON string, the reader at its opening quote) as the id of its byte-level
// key; with `split`, the string is "a b" and both names are read (ids a, b).
bool read_merge_names(Reader& r, const HFModelScan& scan, bool split, std::string& buf,
                      std::vector<uint32_t>& ids) {
  if (!r.eat('"')) return false;
  buf.clear();
  size_t space = std::string::npos;
  uint32_t cp;
  for (;;) {
    const int got = r.next_char(cp);
    if (got < 0) return false;
    if (got == 0) break;
    if (cp == ' ' && split && space == std::string::npos) {
      space = buf.size();
      continue;
    }
    const int b = stand_in_byte(cp);  // (not a stand-in: no byte-level key has it; a second
    if (b < 0) return false;          // space: not a pair)
    buf.push_back(static_cast<char>(b));
  }
  const std::string_view all(buf);
  if (split) {
    if (space == std::string::npos) return false;
    const uint32_t a = scan.find(all.substr(0, space));
    if (a == kNoId) return false;
    ids.push_back(a);
  }
  const uint32_t b = scan.find(split ? all.substr(space) : all);
  if (b == kNoId) return false;
  ids.push_back(b);
  return true;
}

// model.merges (the reader at its '[') into out.merges, the vocabulary indexed.
bool read_merges(Reader& r, HFModelScan& out) {
  if (!r.eat('[')) return false;
  if (r.eat(']')) return true;
  const bool pairs = r.next_is('[');
  std::string buf;
  do {
    if (pairs) {
      if (!r.eat('[') || !read_merge_names(r, out, false, buf, out.merges) || !r.eat(',') ||
          !read_merge_names(r, out, false, buf, out.merges) || !r.eat(']')) {
        return false;
      }
    } else if (!read_merge_names(r, out, true, buf, out.merges)) {
      return false;
    }
  } while (r.eat(','));
  return r.eat(']');
}

// The model object (the reader at its '{'): its vocab and merges read into out, and where
// they are. Merges before the vocabulary are skipped, then read once it is known.
bool read_model(Reader& r, const uint8_t* s, HFModelScan& out, Span& vocab, Span& merges) {
  bool has_vocab = false, has_merges = false, merges_read = false;
  if (!r.eat('{') || r.next_is('}')) return false;
  do {
    std::string_view key;
    if (!r.next_is('"') || !r.read_name(key, {"vocab", "merges"}) || !r.eat(':')) return false;
    if (key.empty()) {
      if (!r.skip_value()) return false;
    } else if (key == "vocab") {
      if (has_vocab || !r.next_is('{')) return false;
      has_vocab = true;
      vocab.begin = r.pos();
      if (!read_vocab(r, s, out) || !ids_distinct(out.ids) || !out.index()) return false;
      vocab.end = r.pos();
    } else {
      if (has_merges || !r.next_is('[')) return false;
      has_merges = true;
      merges.begin = r.pos();
      merges_read = has_vocab;
      if (!(has_vocab ? read_merges(r, out) : r.skip_value())) return false;
      merges.end = r.pos();
    }
  } while (r.eat(','));
  if (!r.eat('}') || !has_vocab || !has_merges) return false;
  if (merges_read) return true;
  Reader m(s, merges.end, merges.begin);
  return read_merges(m, out) && m.at_end();
}

// The top-level object: model's vocab and merges read into out, and where they are.
bool read_top(Reader& r, const uint8_t* s, HFModelScan& out, Span& vocab, Span& merges) {
  bool has_model = false;
  if (!r.eat('{') || r.next_is('}')) return false;
  do {
    std::string_view key;
    if (!r.next_is('"') || !r.read_name(key, {"model"}) || !r.eat(':')) return false;
    if (!key.empty()) {
      if (has_model || !r.next_is('{') || !read_model(r, s, out, vocab, merges)) return false;
      has_model = true;
    } else if (!r.skip_value()) {
      return false;
    }
  } while (r.eat(','));
  return r.eat('}') && r.at_end() && has_model;
}

}  // namespace

bool HFModelScan::index() {
  size_t cap = 16;
  while (cap < 2 * ends.size()) cap *= 2;
  slots_.assign(cap, 0);
  const size_t mask = cap - 1;
  for (size_t k = 0; k < ends.size(); ++k) {
    const size_t from = k ? ends[k - 1] : 0;
    const std::string_view token(blob.data() + from, ends[k] - from);
    if (find(token) != kNoId) return false;
    size_t i = hash_bytes_seeded(token.data(), token.size(), seed_) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = static_cast<uint32_t>(k + 1);
  }
  return true;
}

size_t HFModelScan::longest_run() const {
  return longest_taken_run(slots_, [](uint32_t x) { return x != 0; });
}

uint32_t HFModelScan::find(std::string_view token) const {
  if (slots_.empty()) return kNoId;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash_bytes_seeded(token.data(), token.size(), seed_) & mask; slots_[i] != 0;
       i = (i + 1) & mask) {
    const size_t k = slots_[i] - 1;
    const size_t from = k ? ends[k - 1] : 0;
    if (ends[k] - from == token.size() && bytes_equal(blob.data() + from, token.data(), token.size())) {
      return key_ids[k];
    }
  }
  return kNoId;
}

bool scan_hf_model(std::string_view data, HFModelScan& out) {
  const auto* s = reinterpret_cast<const uint8_t*>(data.data());
  const size_t n = data.size();
  // (a BOM: json.loads of bytes skips it, of the text refuses it; ends and ids are uint32)
  if (n >= 0xFFFFFFFFu || (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF)) return false;
  Span vocab, merges;
  Reader top(s, n, 0);
  if (!read_top(top, s, out, vocab, merges)) return false;
  const bool vocab_first = vocab.begin < merges.begin;
  const Span& first = vocab_first ? vocab : merges;
  const Span& second = vocab_first ? merges : vocab;
  out.remainder.reserve(n - (vocab.end - vocab.begin) - (merges.end - merges.begin) + 4);
  out.remainder.append(data.substr(0, first.begin)).append(vocab_first ? "{}" : "[]");
  out.remainder.append(data.substr(first.end, second.begin - first.end)).append(vocab_first ? "[]" : "{}");
  out.remainder.append(data.substr(second.end));
  return true;
}

}  // namespace codebpe
