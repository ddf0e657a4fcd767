// Reading a Hugging Face tokenizer.json's model.vocab and model.merges without a Python object
// per entry. json.loads of Qwen2.5's 7 MB file took ~110 ms and +53 MB of RSS (151k str keys and
// 151k lists of two str for the merges), and turning them into token bytes and merge ids another
// ~160 ms. This reader walks the file once, keeps the two values as flat arrays, and hands
// Python the rest of the file (those two values as {} and []), which json.loads reads quickly.
//
// It reads only what it can read exactly as Python's json and tokenizer._hf_import would, and
// declines anything else (the caller then takes the Python path, which reports the exact error):
// see scan_hf_model.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "table_key.h"

namespace codebpe {

struct HFModelScan {
  // The file with the value of model.vocab replaced by {} and that of model.merges by [].
  std::string remainder;
  // The bytes of each byte-level vocabulary key (every character one of GPT-2's 256 stand-ins),
  // in file order: key k is blob[ends[k-1], ends[k]), with id key_ids[k].
  std::string blob;
  std::vector<uint32_t> ends;
  std::vector<uint32_t> key_ids;
  // Every key's id (byte-level or not), in file order.
  std::vector<uint32_t> ids;
  // Each key that is not byte-level ("<｜begin▁of▁sentence｜>" in DeepSeek-V3's vocabulary), as
  // its JSON string literal (quotes included) in the file, and its id.
  std::vector<std::string> odd_keys;
  std::vector<uint32_t> odd_ids;
  // The merges as ids, a0, b0, a1, b1, ..., in file order.
  std::vector<uint32_t> merges;

  // The id of the byte-level key whose bytes are token, or kNoId.
  uint32_t find(std::string_view token) const;
  // Builds the lookup table; false when two keys have the same bytes (the same key twice).
  bool index();
  // The most slots in a row taken in the lookup table (how far find may walk; for tests).
  size_t longest_run() const;

 private:
  std::vector<uint32_t> slots_;  // 1 + key index (file order); 0 for an empty slot
  uint64_t seed_ = process_key(KeyUse::kHfVocab);  // slots' hash key (table_key.h: untrusted file)
};

// Reads `data` into `out`; true when it is a tokenizer.json read exactly (see hf_json.cc),
// false when the caller must read it itself.
bool scan_hf_model(std::string_view data, HFModelScan& out);

}  // namespace codebpe
