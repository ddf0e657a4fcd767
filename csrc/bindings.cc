// The only file that includes pybind11. It converts types and releases the GIL; no logic here.
// Each stage binds its functions in its own static function below (one section per stage).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <structmember.h>  // PyMemberDef flags (T_PYSSIZET, READONLY)

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "count.h"
#include "encode.h"
#include "gil.h"
#include "hf_json.h"
#include "pretokenize.h"
#include "scratch.h"
#include "tiktoken_file.h"
#include "train.h"
#include "ucs_utf8.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace py = pybind11;
using namespace codebpe;

#ifndef CODEBPE_VERSION
#define CODEBPE_VERSION "dev"
#endif

namespace {

// A str or bytes object as a text for the C++ side, without copying: its bytes, an ASCII str's own
// storage, or the UTF-8 that a str already caches (kind 0); else the str's code units (kind 1,
// 2 or 4), which ucs_utf8.h converts. Not PyUnicode_AsUTF8AndSize: that stores a UTF-8 copy in
// the str for the str's lifetime (an encoded Chinese text took 2.5x its memory) and its encoder
// is generic (~30 instructions per CJK character). The pointers are valid while obj lives.
BatchText text_of(PyObject* obj) {
  if (PyBytes_Check(obj)) return {PyBytes_AS_STRING(obj), static_cast<size_t>(PyBytes_GET_SIZE(obj)), 0};
  if (!PyUnicode_Check(obj)) throw py::type_error("expected str or bytes");
#if PY_VERSION_HEX < 0x030C0000
  if (PyUnicode_READY(obj) != 0) throw py::error_already_set();
#endif
  const size_t n = static_cast<size_t>(PyUnicode_GET_LENGTH(obj));
  if (PyUnicode_IS_ASCII(obj)) return {PyUnicode_DATA(obj), n, 0};
#if PY_VERSION_HEX < 0x030E0000 && !defined(Py_GIL_DISABLED)
  // (the layout of 3.9-3.13; a later version converts even when a copy exists)
  const auto* compact = reinterpret_cast<const PyCompactUnicodeObject*>(obj);
  if (compact->utf8 != nullptr) return {compact->utf8, static_cast<size_t>(compact->utf8_length), 0};
#endif
  return {PyUnicode_DATA(obj), n, static_cast<unsigned>(PyUnicode_KIND(obj))};
}

// Python's own UnicodeEncodeError for the run of surrogates at code unit i of str obj (what
// PyUnicode_AsUTF8AndSize raises).
[[noreturn]] void raise_surrogate(PyObject* obj, size_t i) {
  const Py_ssize_t n = PyUnicode_GET_LENGTH(obj);
  Py_ssize_t end = static_cast<Py_ssize_t>(i) + 1;
  while (end < n && (PyUnicode_READ_CHAR(obj, end) & 0xFFFFF800u) == 0xD800u) ++end;
  PyObject* err = PyObject_CallFunction(PyExc_UnicodeEncodeError, "sOnns", "utf-8", obj,
                                        static_cast<Py_ssize_t>(i), end, "surrogates not allowed");
  if (err != nullptr) {
    PyErr_SetObject(PyExc_UnicodeEncodeError, err);
    Py_DECREF(err);
  }
  throw py::error_already_set();
}

// The UTF-8 of a str or bytes object (UnicodeEncodeError for a str with lone surrogates). The
// view is valid while obj and this object live.
class Utf8Of {
 public:
  explicit Utf8Of(const py::handle& obj) {
    const BatchText t = text_of(obj.ptr());
    if (t.kind == 0) {
      view = std::string_view(static_cast<const char*>(t.data), t.size);
      return;
    }
    size_t bad = 0;
    if (!ucs_view(t.data, t.size, t.kind, buf_.v, view, bad)) raise_surrogate(obj.ptr(), bad);
  }
  std::string_view view;

 private:
  Utf8Scratch buf_;
};

// The UTF-8 of many str/bytes objects, the converted ones in one buffer. Valid while the
// objects and this live.
class Utf8Texts {
 public:
  explicit Utf8Texts(const std::vector<PyObject*>& objs) {
    std::vector<BatchText> texts;
    texts.reserve(objs.size());
    size_t cap = 0;
    for (PyObject* o : objs) {
      texts.push_back(text_of(o));
      if (texts.back().kind != 0) cap += utf8_capacity(texts.back().size, texts.back().kind);
    }
    if (cap) arena_.reset(new char[cap]);
    char* out = arena_.get();
    views.reserve(objs.size());
    for (size_t k = 0; k < texts.size(); ++k) {
      const BatchText& t = texts[k];
      if (t.kind == 0) {
        views.emplace_back(static_cast<const char*>(t.data), t.size);
        continue;
      }
      size_t bad = 0;
      char* end = ucs_to_utf8(t.data, t.size, t.kind, out, &bad);
      if (end == nullptr) raise_surrogate(objs[k], bad);
      views.emplace_back(out, static_cast<size_t>(end - out));
      out += utf8_capacity(t.size, t.kind);
    }
  }
  std::vector<std::string_view> views;

 private:
  std::unique_ptr<char[]> arena_;
};

std::vector<PyObject*> items_of(const py::handle& seq) {
  std::vector<PyObject*> objs;
  for (py::handle item : seq) objs.push_back(item.ptr());
  return objs;
}

// ---------------------------------------------------------------------------------------------
// pre-tokenization
// ---------------------------------------------------------------------------------------------
void bind_pretokenize(py::module_& m) {
  m.def("has_pattern", [](const std::string& name) { return has_pattern(name); },
        "Whether a hand-written C++ matcher exists for this pattern name.");
  m.def(
      "split_offsets",
      [](const std::string& pattern, py::object text) {
        const Utf8Of utf8(text);
        const std::string_view view = utf8.view;
        PatternId id = pattern_from_name(pattern);
        std::vector<uint32_t> ends;
        {
          GilRelease release;
          split(id, view, ends);
        }
        return py::array_t<uint32_t>(static_cast<py::ssize_t>(ends.size()), ends.data());
      },
      py::arg("pattern"), py::arg("text"),
      "End offsets (bytes, exclusive) of the pieces of text (str as UTF-8) as a uint32 array.");
  m.def(
      "split_pieces",
      [](const std::string& pattern, py::object text) {
        const bool is_bytes = PyBytes_Check(text.ptr());
        const Utf8Of utf8(text);
        const std::string_view view = utf8.view;
        PatternId id = pattern_from_name(pattern);
        std::vector<uint32_t> ends;
        {
          GilRelease release;
          split(id, view, ends);
        }
        // Pieces of a str are whole UTF-8 sequences of valid UTF-8, so each decodes strictly.
        py::list out(ends.size());
        uint32_t start = 0;
        for (size_t k = 0; k < ends.size(); ++k) {
          const char* p = view.data() + start;
          const Py_ssize_t len = static_cast<Py_ssize_t>(ends[k] - start);
          PyObject* piece = is_bytes ? PyBytes_FromStringAndSize(p, len)
                                     : PyUnicode_DecodeUTF8(p, len, "strict");
          if (piece == nullptr) throw py::error_already_set();
          PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(k), piece);
          start = ends[k];
        }
        return out;
      },
      py::arg("pattern"), py::arg("text"),
      "The pieces of text as a list of str (for str) or bytes (for bytes).");
  m.def("unicode_tables_source", []() { return std::string(unicode_tables_source()); },
        "The engines (and releases) the Unicode class tables were measured on.");
}

// ---------------------------------------------------------------------------------------------
// encoding
// ---------------------------------------------------------------------------------------------
// The Python ints of ids_to_list. A list of ids holds references to ints. Making an int per id
// (PyLong_FromUnsignedLong) cost ~35 ns; until the nineteenth session a cache of ints, each made
// at first use, cost an INCREF per id: a load of the cached pointer, then a write to the int, a
// cache miss when the text is cold (list - count() ~6-9 ns per id, o200k_base, cold).
//
// Now the ints 257 and up of the largest vocabulary built so far lie in one block, in id order,
// 32 bytes each: the int of id k is at base + 32 k, and a list stores that address without
// reading or writing the int. No INCREF: each int's reference count starts at a value that never
// reaches zero. On CPython 3.12+ that is the immortal value, which INCREF and DECREF leave alone.
// On 3.9-3.11 it is 2^60: ~700 years of lists at 50 M ids per second, the "never freed" that 3.12
// made official. Ids 0-256 are CPython's own small-int singletons, so code that expects them sees
// them: on 3.12+ they are immortal already; on 3.9-3.11 (static objects, never freed either) each
// gets 2^60 references once. The block is never freed.
//
// Measured (o200k_base, 1 MB per domain, one process per build, three alternating pairs, ns per
// id, cold: piece cache cleared and CPU caches evicted before each pass): list - count() 5.7-8.8
// -> 2.0-5.5; the list's free (its DECREFs, timed by the benchmarks too) 1.1-1.7 -> 2.6-3.4 (the
// ints lie in id order, not in order of first use). Steady state, median paired ratio to tiktoken,
// two alternating pairs: code 7.93-8.50 -> 8.51-8.56, Chinese 6.76-7.08 -> 7.32-7.38, English
// 7.03-7.45 -> 7.64-7.78. Then put_ints with its members in locals and no branch on small ids:
// steady list - count 5.8-7.1 -> 4.8-6.4 ns per id (three alternating pairs; cold within noise).
// Rejected: the same ints in order of first use behind a uint32 table (the free as before, but
// the table load cost as much as it saved).
//
// The block is calloc'd (untouched pages cost no memory) and filled a page of 128 ints at a time,
// the first time a list needs one of them: ~6.4 MB for o200k_base once every page is in use (3 MB
// of the shipped code, Chinese and English touched all 1,561 pages; the old cache held ~2.5 MB
// for the same text: a pointer per id and the 26.6 k ints used). A
// bigger vocabulary later gets a new block; the old one stays (its ints may be in lists). Only
// touched with the GIL held; free-threaded builds make an int per id instead.
class IdInts {
 public:
  static IdInts& get() {
    static IdInts ints;
    return ints;
  }
  void reserve(size_t n) {
#if !defined(Py_GIL_DISABLED)
    if (n <= limit_ || !usable()) return;
    const size_t one_digit = size_t{1} << digit_bits();  // ints of one digit only
    if (n > one_digit) n = one_digit;
    if (n <= limit_) return;
    if (small_[kSmall - 1] == nullptr) {  // (first: put_ints hands them out once limit_ is set)
      for (uint32_t k = 0; k < kSmall; ++k) {
        PyObject* o = PyLong_FromUnsignedLong(k);  // the singleton, a new reference
        if (o == nullptr) throw py::error_already_set();
        make_permanent(o);
        small_[k] = o;
      }
    }
    std::vector<uint8_t> ready((n + kPage - 1) / kPage, 0);
    void* raw = std::calloc(n * kSlot + 64, 1);
    if (raw == nullptr) return;  // ids_to_list makes ints one by one
    base_ = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(raw) + 63) & ~uintptr_t{63});
    ready_.swap(ready);
    // The old flags are kept, should a put_ints in progress still read them (none can today:
    // fill() runs no Python code, so no encoder is built in the middle of a list).
    retired_.push_back(std::move(ready));
    limit_ = n;
#else
    (void)n;
#endif
  }
  // items[i] = a reference to the int ids[i] (a new reference in effect: a permanent int is never
  // released), for i < n; false with a Python error set if an int could not be made (the items
  // not set are then NULL). The members are read once, into locals: stores to items
  // might alias them, and reloading them at every id cost ~1 ns per id (perf, steady o200k).
  bool put_ints(const uint32_t* ids, size_t n, PyObject** items) {
    const size_t limit = limit_;
    char* const base = base_;
    const uint8_t* const ready = ready_.data();  // (fill() writes its bytes, never moves them)
    PyObject* const* const small = small_;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t id = ids[i];
      PyObject* v;
      if (id < limit) {
        if (!ready[id / kPage] && !fill(id / kPage)) return unset_from(items, i, n);
        // Without a branch: ids below 257 are ~30% of a text's, mixed with the others (a branch
        // on it was mispredicted often).
        const uintptr_t in_block = reinterpret_cast<uintptr_t>(base + size_t{id} * kSlot);
        const uintptr_t singleton = reinterpret_cast<uintptr_t>(small[id < kSmall ? id : 0]);
        const uintptr_t is_small = uintptr_t{0} - static_cast<uintptr_t>(id < kSmall);
        v = reinterpret_cast<PyObject*>((singleton & is_small) | (in_block & ~is_small));
      } else {
        v = PyLong_FromUnsignedLong(id);
        if (v == nullptr) return unset_from(items, i, n);
      }
      items[i] = v;
    }
    return true;
  }

 private:
  static bool unset_from(PyObject** items, size_t i, size_t n) {
    std::fill(items + i, items + n, nullptr);
    return false;
  }
  static constexpr size_t kSlot = 32, kPage = 128;
  static constexpr uint32_t kSmall = 257;
  // Whether an int of one digit fits in a slot: true on 3.9-3.14.
  static bool usable() {
    return PyLong_Type.tp_basicsize + PyLong_Type.tp_itemsize <= static_cast<Py_ssize_t>(kSlot) &&
           digit_bits() >= 15;
  }
  // sys.int_info.bits_per_digit (30, or 15 on some builds), 0 if unknown.
  static unsigned digit_bits() {
    static const unsigned bits = [] {
      PyObject* info = PyLong_GetInfo();
      if (info == nullptr) {
        PyErr_Clear();
        return 0u;
      }
      const long b = PyLong_AsLong(PyStructSequence_GetItem(info, 0));
      Py_DECREF(info);
      if (b < 0) PyErr_Clear();
      return b > 0 && b <= 30 ? static_cast<unsigned>(b) : 0u;
    }();
    return bits;
  }
  static void make_permanent(PyObject* o) {
#if PY_VERSION_HEX >= 0x030C0000
    if (!_Py_IsImmortal(o)) o->ob_refcnt = 0xFFFFFFFFu;  // 3.12/3.13's _Py_IMMORTAL_REFCNT
#else
    Py_SET_REFCNT(o, Py_REFCNT(o) + (Py_ssize_t{1} << 60));
#endif
  }
  bool fill(size_t page) {
    const size_t first = std::max<size_t>(page * kPage, kSmall), last = std::min(limit_, (page + 1) * kPage);
    for (size_t k = first; k < last; ++k) {
      PyObject* o = PyLong_FromSize_t(k);
      if (o == nullptr) return false;
      char* slot = base_ + k * kSlot;
      std::memcpy(slot, o, static_cast<size_t>(PyLong_Type.tp_basicsize + PyLong_Type.tp_itemsize));
      Py_DECREF(o);
      make_permanent(reinterpret_cast<PyObject*>(slot));  // (the copy's count was o's, 1)
    }
    ready_[page] = 1;
    return true;
  }
  char* base_ = nullptr;
  size_t limit_ = 0;
  std::vector<uint8_t> ready_;
  std::vector<std::vector<uint8_t>> retired_;  // earlier ready_ flags (a few KB at most)
  PyObject* small_[kSmall] = {};  // (all set, or the last one null)
};

void ensure_ints(size_t n) { IdInts::get().reserve(n); }

// Encoder::encode, with the GIL released for texts of 1 KiB or more: for shorter ones a release
// and re-acquire costs more than the encoding (a few hundred ns), and other Python threads wait
// at most ~10 us.
void encode_text(const Encoder& e, std::string_view text, const SpecialPolicy& policy,
                 std::vector<uint32_t>& ids) {
  if (text.size() < 1024) return e.encode(text, policy, ids);
  GilRelease release;
  e.encode(text, policy, ids);
}

// The merges an Encoder is built from: a sequence of (a, b) pairs, or a flat buffer of uint32
// (array('I'): a0, b0, a1, b1, ...; a Hugging Face tokenizer's Pairs), read without a Python
// tuple per merge.
// A flat buffer of uint32 pairs (array('I')), checked: its info (ptr, size = 2 x the pairs).
py::buffer_info flat_pairs(const py::object& obj) {
  py::buffer_info info = py::reinterpret_borrow<py::buffer>(obj).request();
  if (info.ndim != 1 || info.itemsize != 4 || info.format != py::format_descriptor<uint32_t>::format() ||
      info.strides[0] != 4 || info.size % 2 != 0) {
    throw std::invalid_argument("merges: a flat buffer must hold uint32 pairs (array('I'))");
  }
  return info;
}

std::vector<std::pair<uint32_t, uint32_t>> merges_of(const py::object& obj) {
  if (!PyObject_CheckBuffer(obj.ptr())) return obj.cast<std::vector<std::pair<uint32_t, uint32_t>>>();
  const py::buffer_info info = flat_pairs(obj);
  const auto* p = static_cast<const uint32_t*>(info.ptr);
  std::vector<std::pair<uint32_t, uint32_t>> out(static_cast<size_t>(info.size / 2));
  for (size_t k = 0; k < out.size(); ++k) out[k] = {p[2 * k], p[2 * k + 1]};
  return out;
}

// Whether a pair occurs twice in a flat buffer of uint32 pairs (a tokenizer.json's merges): a
// sorted copy of the pairs as uint64, ~5 ms for Qwen2.5's 151k, without NumPy (~80 ms to import)
// or a Python set of 151k ints (~20 ms, ~13 MB).
bool has_repeated_pairs(const py::object& obj) {
  const py::buffer_info info = flat_pairs(obj);
  const auto* p = static_cast<const uint32_t*>(info.ptr);
  std::vector<uint64_t> keys(static_cast<size_t>(info.size / 2));
  GilRelease release;
  for (size_t k = 0; k < keys.size(); ++k) keys[k] = uint64_t{p[2 * k]} << 32 | p[2 * k + 1];
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

// A uint32 vector as bytes in native order (array('I', b) reads them back).
py::bytes uint32_bytes(const std::vector<uint32_t>& v) {
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(uint32_t));
}

// A list of n items, every one still to be set (a NULL item must not reach Python code). It is
// PyList_New(n) without the zero fill of the item array (a calloc): the array comes from
// PyMem_Malloc, which is what list_dealloc frees it with (PyMem_Free) in every build with a GIL,
// 3.9-3.14. perf, o200k_base, 1 MB of English or Chinese per call through encode_ordinary: the
// memset was 1.2-2.0% of the samples, steady and cold (0.02% after).
// subtle: the list is tracked by the garbage collector, which would read the unset items; no
// collection can run before put_ints has set them: it allocates ints only (which the collector
// does not track, so they never trigger one) and runs no Python code.
PyObject* new_list_unset(size_t n) {
#if !defined(Py_GIL_DISABLED)
  if (n > 0 && n <= static_cast<size_t>(PY_SSIZE_T_MAX) / sizeof(PyObject*)) {
    PyObject* list = PyList_New(0);
    if (list == nullptr) return nullptr;
    auto** items = static_cast<PyObject**>(PyMem_Malloc(n * sizeof(PyObject*)));
    if (items == nullptr) {
      Py_DECREF(list);
      return PyErr_NoMemory();
    }
    auto* l = reinterpret_cast<PyListObject*>(list);
    l->ob_item = items;
    l->allocated = static_cast<Py_ssize_t>(n);
    Py_SET_SIZE(l, static_cast<Py_ssize_t>(n));
    return list;
  }
#endif
  return PyList_New(static_cast<Py_ssize_t>(n));
}

py::list ids_to_list(const uint32_t* ids, size_t n) {
  PyObject* list = new_list_unset(n);
  if (list == nullptr) throw py::error_already_set();
  if (!IdInts::get().put_ints(ids, n, reinterpret_cast<PyListObject*>(list)->ob_item)) {
    Py_DECREF(list);  // (its unset items are NULL)
    throw py::error_already_set();
  }
  return py::reinterpret_steal<py::list>(list);
}

py::list ids_to_list(const std::vector<uint32_t>& ids) { return ids_to_list(ids.data(), ids.size()); }

// uint16 when every id fits, else uint32.
py::array ids_to_array(const Encoder& enc, const uint32_t* ids, size_t n) {
  if (enc.n_ids() <= 65536) {
    py::array_t<uint16_t> a(static_cast<py::ssize_t>(n));
    uint16_t* dst = a.mutable_data();
    for (size_t i = 0; i < n; ++i) dst[i] = static_cast<uint16_t>(ids[i]);
    return std::move(a);
  }
  return py::array_t<uint32_t>(static_cast<py::ssize_t>(n), ids);
}

py::object ids_out(const Encoder& enc, const std::vector<uint32_t>& ids, bool numpy) {
  if (numpy) return ids_to_array(enc, ids.data(), ids.size());
  return ids_to_list(ids);
}

// _core.InvalidTokenId, raised for an id that is not in the vocabulary: an IndexError (this
// package's documented error) that is also a KeyError (what tiktoken raises), so code written for
// either catches it. Created once at import (make_invalid_token_id); std::out_of_range from the
// encoder (Encoder::token_bytes) is translated to it.
PyObject* g_invalid_token_id = nullptr;
// Its subclass for a value that cannot be a token id at all (negative, or >= 2^32): also an
// OverflowError, which is what tiktoken raises there.
PyObject* g_token_id_overflow = nullptr;

[[noreturn]] void throw_invalid_id(const std::string& value) {
  PyErr_SetString(g_token_id_overflow, ("token id " + value + " is not in the vocabulary").c_str());
  throw py::error_already_set();
}

void make_invalid_token_id(py::module_& m) {
  py::tuple bases = py::make_tuple(py::handle(PyExc_IndexError), py::handle(PyExc_KeyError));
  py::dict ns;
  // KeyError's __str__ would quote the message ("'token id 5 ...'"); keep the plain one.
  ns["__str__"] = py::handle(PyExc_BaseException).attr("__str__");
  g_invalid_token_id = PyErr_NewExceptionWithDoc(
      "tokenizer._core.InvalidTokenId",
      "A token id that is not in the vocabulary: both an IndexError and a KeyError (tiktoken's).",
      bases.ptr(), ns.ptr());
  if (g_invalid_token_id == nullptr) throw py::error_already_set();
  m.attr("InvalidTokenId") = py::handle(g_invalid_token_id);
  py::tuple sub = py::make_tuple(py::handle(g_invalid_token_id), py::handle(PyExc_OverflowError));
  g_token_id_overflow = PyErr_NewExceptionWithDoc(
      "tokenizer._core.TokenIdOverflow",
      "An InvalidTokenId that cannot be a token id at all (negative, or >= 2**32): also an "
      "OverflowError, as tiktoken raises there.",
      sub.ptr(), nullptr);
  if (g_token_id_overflow == nullptr) throw py::error_already_set();
  m.attr("TokenIdOverflow") = py::handle(g_token_id_overflow);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const std::out_of_range& e) {  // still an IndexError, as pybind11's default
      PyErr_SetString(g_invalid_token_id, e.what());
    }
  });
}

// One token id from a Python int (or anything with __index__; floats are a TypeError);
// InvalidTokenId when it cannot be a token id at all (negative or >= 2^32).
uint32_t id_from(const py::handle& item) {
  // subtle: __index__ first. Python 3.9's PyLong_AsLongLong* still took __int__ (a float became
  // an id, with only a DeprecationWarning); 3.10 and later take __index__ only.
  PyObject* obj = item.ptr();
  py::object index;
  if (!PyLong_Check(obj)) {
    index = py::reinterpret_steal<py::object>(PyNumber_Index(obj));
    if (!index) throw py::error_already_set();
    obj = index.ptr();
  }
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (overflow || v < 0 || v > 0xFFFFFFFFll) {
    throw_invalid_id(std::string(py::str(item)));
  }
  return static_cast<uint32_t>(v);
}

// Token ids from a list/tuple/iterable of ints or a 1-D integer (or object) NumPy array (a float
// or 2-D array is a TypeError, not truncated or flattened); InvalidTokenId as in id_from.
std::vector<uint32_t> ids_from(const py::handle& obj) {
  std::vector<uint32_t> ids;
  if (py::isinstance<py::array>(obj)) {
    auto any = py::reinterpret_borrow<py::array>(obj);
    char kind = any.dtype().kind();
    if (any.size() == 0) return ids;  // np.array([]) is float64: still an empty list of ids
    if (kind == 'O' && any.ndim() == 1) {  // Python ints in an object array: each checked
      for (py::handle item : obj) ids.push_back(id_from(item));
      return ids;
    }
    if ((kind != 'i' && kind != 'u') || any.ndim() != 1) {
      throw py::type_error("token ids must be a 1-D integer array, not " +
                           std::to_string(any.ndim()) + "-D " + std::string(py::str(any.dtype())));
    }
    ids.resize(static_cast<size_t>(any.size()));
    if (kind == 'u') {
      auto arr = py::array_t<uint64_t, py::array::c_style | py::array::forcecast>::ensure(obj);
      const uint64_t* p = arr.data();
      for (size_t i = 0; i < ids.size(); ++i) {
        if (p[i] > 0xFFFFFFFFull) throw_invalid_id(std::to_string(p[i]));
        ids[i] = static_cast<uint32_t>(p[i]);
      }
      return ids;
    }
    auto arr = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(obj);
    const int64_t* p = arr.data();
    for (size_t i = 0; i < ids.size(); ++i) {
      if (p[i] < 0 || p[i] > 0xFFFFFFFFll) throw_invalid_id(std::to_string(p[i]));
      ids[i] = static_cast<uint32_t>(p[i]);
    }
    return ids;
  }
  for (py::handle item : obj) ids.push_back(id_from(item));
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Fast calls: one str -> ids (or their number) without pybind11's dispatch
// ---------------------------------------------------------------------------------------------
// pybind11's dispatch (overload resolution, an argument caster per argument, a type lookup for
// the policy object) cost ~250 ns per call: `Encoder.encode("")` took 275 ns, more than tiktoken
// spends on "hello world" in all (o200k: 640 ns). Encoder.fast(policy, count) returns a plain
// CPython function (METH_O) over a capsule that holds the encoder and the policy (and keeps
// both alive): one exact str in, a list of ids (or their number) out; anything else, or a str
// that is not valid UTF-8 (lone surrogates), returns NotImplemented and the Python method takes
// its general path. Errors are those of the pybind11 methods (ValueError for a disallowed
// special token, MemoryError, ...). The id buffer is a per-thread scratch (scratch.h): no
// allocation for short texts.
struct FastCall {
  const Encoder* enc;
  const SpecialPolicy* policy;
  PyObject* keep_enc;  // strong references: the Python Encoder that owns `enc`, and the
  PyObject* keep_policy;  // SpecialPolicy (encoding), None (decoding) or the pybind11 method
                          // that token_bytes / lookup fall back on
  enum Output : uint8_t { list, count, numpy, str, bytes, token, lookup } output;
};
constexpr const char* kFastCapsule = "codebpe._core.FastCall";

void fast_capsule_free(PyObject* capsule) {
  auto* fc = static_cast<FastCall*>(PyCapsule_GetPointer(capsule, kFastCapsule));
  if (fc == nullptr) {
    PyErr_Clear();
    return;
  }
  Py_XDECREF(fc->keep_enc);
  Py_XDECREF(fc->keep_policy);
  delete fc;
}

struct IdsTag;
using IdsScratch = Scratch<std::vector<uint32_t>, IdsTag, size_t{1} << 20>;

// Inside a catch: set the Python error for the C++ exception being handled, as pybind11 would
// translate it, and return nullptr.
PyObject* raise_current() {
  try {
    throw;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::out_of_range& e) {
    PyErr_SetString(g_invalid_token_id, e.what());
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

PyObject* fast_call(PyObject* self, PyObject* arg) {
  if (!PyUnicode_CheckExact(arg)) Py_RETURN_NOTIMPLEMENTED;
  auto* fc = static_cast<FastCall*>(PyCapsule_GetPointer(self, kFastCapsule));
  if (fc == nullptr) return nullptr;
  try {
    const BatchText t = text_of(arg);
    std::string_view text(static_cast<const char*>(t.data), t.size);
    std::optional<Utf8Scratch> utf8;  // (an ASCII str takes no buffer)
    if (t.kind != 0) {
      utf8.emplace();
      size_t bad = 0;
      if (!ucs_view(t.data, t.size, t.kind, utf8->v, text, bad)) Py_RETURN_NOTIMPLEMENTED;  // surrogates
    }
    IdsScratch ids;
    encode_text(*fc->enc, text, *fc->policy, ids.v);
    if (fc->output == FastCall::count) return PyLong_FromSize_t(ids.v.size());
    if (fc->output == FastCall::numpy) return ids_to_array(*fc->enc, ids.v.data(), ids.v.size()).release().ptr();
    return ids_to_list(ids.v).release().ptr();
  } catch (...) {
    return raise_current();
  }
}

PyMethodDef g_fast_encode = {"encode", fast_call, METH_O,
                             "encode(text: str) -> list[int] | NotImplemented (fast path)"};
PyMethodDef g_fast_count = {"count", fast_call, METH_O,
                            "count(text: str) -> int | NotImplemented (fast path)"};
PyMethodDef g_fast_numpy = {"encode_to_numpy", fast_call, METH_O,
                            "encode_to_numpy(text: str) -> array | NotImplemented (fast path)"};

// The bytes of one id (Encoder.fast_token_bytes): an exact int is answered here, anything else
// (a NumPy integer, an int subclass) goes to the pybind11 method in keep_policy.
// StreamDecoder.feed calls it once per id.
PyObject* fast_token_bytes(PyObject* self, PyObject* arg) {
  auto* fc = static_cast<FastCall*>(PyCapsule_GetPointer(self, kFastCapsule));
  if (fc == nullptr) return nullptr;
  if (!PyLong_CheckExact(arg)) return PyObject_CallOneArg(fc->keep_policy, arg);
  try {
    const std::string_view b = fc->enc->token_bytes(id_from(arg));
    return PyBytes_FromStringAndSize(b.data(), static_cast<Py_ssize_t>(b.size()));
  } catch (...) {
    return raise_current();
  }
}

// The id of exact bytes, None if they are not a token (Encoder.fast_lookup); anything else goes
// to the pybind11 method in keep_policy.
PyObject* fast_lookup(PyObject* self, PyObject* arg) {
  auto* fc = static_cast<FastCall*>(PyCapsule_GetPointer(self, kFastCapsule));
  if (fc == nullptr) return nullptr;
  if (!PyBytes_CheckExact(arg)) return PyObject_CallOneArg(fc->keep_policy, arg);
  const uint32_t id = fc->enc->model().lookup(
      std::string_view(PyBytes_AS_STRING(arg), static_cast<size_t>(PyBytes_GET_SIZE(arg))));
  if (id == kNoId) Py_RETURN_NONE;
  return PyLong_FromUnsignedLong(id);
}

PyMethodDef g_fast_lookup = {"lookup", fast_lookup, METH_O, "lookup(token: bytes) -> int | None (fast path)"};

PyMethodDef g_fast_token_bytes = {"token_bytes", fast_token_bytes, METH_O,
                                  "token_bytes(id: int) -> bytes (fast path)"};

// A fast function (`def`) over a capsule of (encoder, policy): for encoding outputs `policy` is
// the SpecialPolicy, for decoders None, for token_bytes/lookup the fallback method.
py::object make_fast_fn(PyMethodDef* def, py::object encoder, py::object policy, FastCall::Output output) {
  auto fc = std::make_unique<FastCall>();
  fc->enc = &encoder.cast<const Encoder&>();
  const bool encodes = output == FastCall::list || output == FastCall::count || output == FastCall::numpy;
  fc->policy = encodes ? &policy.cast<const SpecialPolicy&>() : nullptr;
  fc->output = output;
  fc->keep_enc = encoder.inc_ref().ptr();
  fc->keep_policy = policy.inc_ref().ptr();
  FastCall* raw = fc.release();
  PyObject* capsule = PyCapsule_New(raw, kFastCapsule, fast_capsule_free);
  if (capsule == nullptr) {
    Py_DECREF(raw->keep_enc);
    Py_DECREF(raw->keep_policy);
    delete raw;
    throw py::error_already_set();
  }
  PyObject* fn = PyCFunction_New(def, capsule);
  Py_DECREF(capsule);  // the function holds it
  if (fn == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(fn);
}

py::object make_fast(py::object encoder, py::object policy, const std::string& output) {
  if (!encoder.cast<const Encoder&>().has_pattern()) {
    throw std::invalid_argument("fast calls need a native pre-tokenizer");
  }
  if (policy.is_none()) throw py::type_error("a SpecialPolicy is needed");
  if (output == "list") return make_fast_fn(&g_fast_encode, encoder, policy, FastCall::list);
  if (output == "count") return make_fast_fn(&g_fast_count, encoder, policy, FastCall::count);
  if (output == "numpy") return make_fast_fn(&g_fast_numpy, encoder, policy, FastCall::numpy);
  throw std::invalid_argument("output must be 'list', 'count' or 'numpy'");
}

// Decoding likewise: Encoder.fast_decode(as_bytes) returns a plain function (METH_FASTCALL)
// (ids[, errors]) -> str (as_bytes: bytes, no errors argument) for an exact list or tuple of exact
// ints, NotImplemented for anything else (NumPy arrays, iterables, int subclasses: the pybind11
// method, which may run Python code per item). The bytes go into a per-thread buffer, then into
// the result (bytes) or through CPython's UTF-8 codec with `errors` (str), instead of a
// std::string, a bytes copy and bytes.decode, through two pybind11 calls.
struct DecodeTag;
using DecodeScratch = Scratch<std::string, DecodeTag, size_t{1} << 22>;

PyObject* fast_decode(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  auto* fc = static_cast<FastCall*>(PyCapsule_GetPointer(self, kFastCapsule));
  if (fc == nullptr) return nullptr;
  const bool as_bytes = fc->output == FastCall::bytes;
  if (nargs < 1 || nargs > (as_bytes ? 1 : 2)) Py_RETURN_NOTIMPLEMENTED;
  PyObject* seq = args[0];
  if (!PyList_CheckExact(seq) && !PyTuple_CheckExact(seq)) Py_RETURN_NOTIMPLEMENTED;
  const char* errors = "replace";
  if (nargs == 2) {
    if (!PyUnicode_CheckExact(args[1])) Py_RETURN_NOTIMPLEMENTED;
    errors = PyUnicode_AsUTF8(args[1]);
    if (errors == nullptr) return nullptr;
  }
  const Encoder& e = *fc->enc;
  try {
    IdsScratch ids;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    ids.v.reserve(static_cast<size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* item = PySequence_Fast_GET_ITEM(seq, i);
      if (!PyLong_CheckExact(item)) Py_RETURN_NOTIMPLEMENTED;  // (no Python code runs here)
      ids.v.push_back(id_from(item));
    }
    DecodeScratch buf;
    e.decode(ids.v.data(), ids.v.size(), buf.v);  // std::out_of_range for an unknown id
    const auto size = static_cast<Py_ssize_t>(buf.v.size());
    return as_bytes ? PyBytes_FromStringAndSize(buf.v.data(), size)
                    : PyUnicode_DecodeUTF8(buf.v.data(), size, errors);
  } catch (...) {
    return raise_current();
  }
}

PyMethodDef g_fast_decode = {"decode", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_decode)),
                             METH_FASTCALL, "decode(ids, errors='replace') -> str | NotImplemented (fast path)"};
PyMethodDef g_fast_decode_bytes = {
    "decode_bytes", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_decode)), METH_FASTCALL,
    "decode_bytes(ids) -> bytes | NotImplemented (fast path)"};

// Tokenizer methods without their Python frame (fast_method)
// ---------------------------------------------------------------------------------------------
// tok.encode_ordinary("hello") went through the Python method, which called the fast function: ~45
// of its ~120 ns (cl100k; the fast function alone ~76 ns). For encode_ordinary, count, encode,
// encode_to_numpy, decode, decode_bytes and decode_single_token_bytes the class attribute is a
// FastDescriptor: a method descriptor (Py_TPFLAGS_METHOD_DESCRIPTOR, so `tok.encode(x)` calls it
// with tok first and creates no bound object) that runs the instance's fast function for plain
// positional arguments and, for anything else or when that answers NotImplemented, calls the
// method (a plain Python function) with the same arguments. So results and errors are the
// method's. The fast functions are in a tuple in a slot of the instance (Tokenizer._fast, read at
// a fixed offset); a subclass that overrides a method, or mock.patch.object on the class, replaces
// the descriptor in the lookup as it would replace a function.
//
// Earlier each Tokenizer kept callables bound to itself in its own __dict__: a reference cycle, so
// a dropped tokenizer (and its tables, ~20 MB for o200k) waited for the cyclic garbage collector,
// which few allocations trigger: 60 tokenizers made and dropped in a loop held 1.1 GB.
//
// On the class, Tokenizer.encode is the function itself; on an instance, tok.encode is a
// FastMethod (a bound method that keeps the fast path: map(tok.encode_ordinary, texts)).
struct FastDescriptor {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* func;          // the method, a plain function: func(owner, *args, **kwargs)
  PyObject* name;          // func.__name__, interned
  PyTypeObject* owner;     // the class whose instances have the slot (Tokenizer)
  Py_ssize_t offset;       // the slot's offset in an instance: a tuple of fast functions or NULL
  Py_ssize_t index;        // this method's fast function in that tuple (None: there is none)
  Py_ssize_t max_nargs;    // positional arguments the fast function takes: 1..max_nargs
};

struct FastMethod {  // a FastDescriptor bound to an instance
  PyObject_HEAD
  vectorcallfunc vectorcall;
  FastDescriptor* descr;
  PyObject* self;
};

using FastFn = PyObject* (*)(PyObject*, PyObject* const*, Py_ssize_t);

// One of Encoder's fast functions (fast, fast_decode, fast_token_bytes): the tuple lives in a
// writable slot, so what a call finds there is checked each time (a C function of another kind,
// say len or a METH_VARARGS one, would be called with the wrong arguments). 1: METH_O, 2: FASTCALL.
int fast_kind(PyObject* f) {
  if (!PyCFunction_Check(f)) return 0;
  PyCFunction fn = PyCFunction_GET_FUNCTION(f);
  if (fn == fast_call || fn == fast_token_bytes) return 1;
  return fn == reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(fast_decode)) ? 2 : 0;
}

// The fast function's result for args, or NotImplemented (new reference) when it has none or it
// declines; nullptr with an error set.
PyObject* fast_try(FastDescriptor* d, PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                   PyObject* kwnames) {
  if (d->owner != nullptr && kwnames == nullptr && nargs >= 1 && nargs <= d->max_nargs &&
      PyObject_TypeCheck(self, d->owner)) {
    PyObject* table = *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(self) + d->offset);
    if (table != nullptr && PyTuple_CheckExact(table) && PyTuple_GET_SIZE(table) > d->index) {
      PyObject* fast = PyTuple_GET_ITEM(table, d->index);
      const int kind = fast_kind(fast);
      PyObject* fself = kind ? PyCFunction_GET_SELF(fast) : nullptr;
      if (kind == 1 && nargs == 1) return PyCFunction_GET_FUNCTION(fast)(fself, args[0]);
      if (kind == 2) return fast_decode(fself, args, nargs);
    }
  }
  Py_INCREF(Py_NotImplemented);
  return Py_NotImplemented;
}

// A FastDescriptor made from Python (type(Tokenizer.__dict__["encode"])()) has no function.
bool fast_descriptor_unset(FastDescriptor* d) {
  if (d->func != nullptr) return false;
  PyErr_SetString(PyExc_TypeError, "this FastDescriptor stands for no method");
  return true;
}

PyObject* fast_descriptor_call(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* d = reinterpret_cast<FastDescriptor*>(callable);
  if (fast_descriptor_unset(d)) return nullptr;
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  if (nargs >= 1) {
    PyObject* r = fast_try(d, args[0], args + 1, nargs - 1, kwnames);
    if (r != Py_NotImplemented) return r;  // (nullptr: its error)
    Py_DECREF(r);
  }
  return PyObject_Vectorcall(d->func, args, nargsf, kwnames);
}

PyObject* fast_method_new(FastDescriptor* d, PyObject* self);

PyObject* fast_descriptor_get(PyObject* descr, PyObject* obj, PyObject*) {
  auto* d = reinterpret_cast<FastDescriptor*>(descr);
  if (obj == nullptr || obj == Py_None) {  // on the class: the descriptor, as str.upper is one
    Py_INCREF(descr);
    return descr;
  }
  if (fast_descriptor_unset(d)) return nullptr;
  return fast_method_new(d, obj);
}

int fast_descriptor_traverse(PyObject* self, visitproc visit, void* arg) {
  auto* d = reinterpret_cast<FastDescriptor*>(self);
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(d->func);
  Py_VISIT(reinterpret_cast<PyObject*>(d->owner));
  return 0;
}

int fast_descriptor_clear(PyObject* self) {
  auto* d = reinterpret_cast<FastDescriptor*>(self);
  Py_CLEAR(d->func);
  Py_CLEAR(d->name);
  Py_CLEAR(d->owner);
  return 0;
}

void fast_dealloc(PyObject* self) {
  PyTypeObject* tp = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  tp->tp_clear(self);
  tp->tp_free(self);
  Py_DECREF(tp);
}

// Attributes this type does not have come from `func` (__name__, __qualname__, __doc__, __code__,
// __defaults__, ...), as a bound method's do; the error names the object asked, not the function.
PyObject* getattr_or_func(PyObject* self, PyObject* name, PyObject* func) {
  PyObject* r = PyObject_GenericGetAttr(self, name);
  if (r != nullptr || func == nullptr || !PyErr_ExceptionMatches(PyExc_AttributeError)) return r;
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  r = PyObject_GetAttr(func, name);
  if (r != nullptr || !PyErr_ExceptionMatches(PyExc_AttributeError)) {
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return r;
  }
  PyErr_Clear();
  PyErr_Restore(type, value, tb);
  return nullptr;
}

PyObject* fast_descriptor_getattro(PyObject* self, PyObject* name) {
  return getattr_or_func(self, name, reinterpret_cast<FastDescriptor*>(self)->func);
}

PyObject* fast_descriptor_func(PyObject* self, void*) {
  PyObject* f = reinterpret_cast<FastDescriptor*>(self)->func;
  if (f == nullptr) Py_RETURN_NONE;
  Py_INCREF(f);
  return f;
}

PyObject* fast_descriptor_doc(PyObject* self, void*) {
  PyObject* f = reinterpret_cast<FastDescriptor*>(self)->func;
  if (f == nullptr) Py_RETURN_NONE;
  return PyObject_GetAttrString(f, "__doc__");
}

PyObject* fast_descriptor_repr(PyObject* self) {
  auto* d = reinterpret_cast<FastDescriptor*>(self);
  if (d->func == nullptr || d->owner == nullptr) return PyUnicode_FromString("<unset FastDescriptor>");
  return PyUnicode_FromFormat("<fast method %U of %s objects>", d->name, d->owner->tp_name);
}

// (getattr, (obj, name)): what __reduce__ returns to pickle a method by its name.
PyObject* reduce_to_getattr(PyObject* obj, PyObject* name) {
  PyObject* builtins = PyImport_ImportModule("builtins");
  if (builtins == nullptr) return nullptr;
  PyObject* getattr = PyObject_GetAttrString(builtins, "getattr");
  Py_DECREF(builtins);
  if (getattr == nullptr) return nullptr;
  return Py_BuildValue("(N(OO))", getattr, obj, name);
}

// Pickles as the class attribute it is (getattr(owner, name)).
PyObject* fast_descriptor_reduce(PyObject* self, PyObject*) {
  auto* d = reinterpret_cast<FastDescriptor*>(self);
  if (d->func == nullptr || d->owner == nullptr) {
    PyErr_SetString(PyExc_TypeError, "cannot pickle an unset FastDescriptor");
    return nullptr;
  }
  return reduce_to_getattr(reinterpret_cast<PyObject*>(d->owner), d->name);
}

PyMethodDef g_fast_descriptor_methods[] = {
    {"__reduce__", fast_descriptor_reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef g_fast_descriptor_getset[] = {
    {"__func__", fast_descriptor_func, nullptr, nullptr, nullptr},
    {"__wrapped__", fast_descriptor_func, nullptr, nullptr, nullptr},
    {"__doc__", fast_descriptor_doc, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMemberDef g_fast_descriptor_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(FastDescriptor, vectorcall), READONLY, nullptr},
    {"__objclass__", T_OBJECT, offsetof(FastDescriptor, owner), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

// These types are made only here (Python 3.10+: type(x)() is a TypeError; before, every function
// of theirs also checks for the empty object that would give).
#ifdef Py_TPFLAGS_DISALLOW_INSTANTIATION
constexpr unsigned long kNotFromPython = Py_TPFLAGS_DISALLOW_INSTANTIATION;
#else
constexpr unsigned long kNotFromPython = 0;
#endif

// A GC-tracked callable type (vectorcall) with fast_dealloc and these slots besides.
PyTypeObject* new_callable_type(const char* name, int basicsize, unsigned long flags,
                                std::vector<PyType_Slot> slots) {
  static std::vector<std::unique_ptr<std::vector<PyType_Slot>>> keep;  // (the spec's slots live on)
  slots.push_back({Py_tp_dealloc, reinterpret_cast<void*>(fast_dealloc)});
  slots.push_back({Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)});
  slots.push_back({0, nullptr});
  keep.push_back(std::make_unique<std::vector<PyType_Slot>>(std::move(slots)));
  static std::vector<std::unique_ptr<PyType_Spec>> specs;
  specs.push_back(std::make_unique<PyType_Spec>(PyType_Spec{
      name, basicsize, 0,
      static_cast<unsigned int>(Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL | flags),
      keep.back()->data()}));
  PyObject* t = PyType_FromSpec(specs.back().get());
  if (t == nullptr) throw py::error_already_set();
  return reinterpret_cast<PyTypeObject*>(t);  // kept for the life of the process
}

PyTypeObject* fast_descriptor_type() {
  static PyTypeObject* type =
      new_callable_type("tokenizer._core.FastDescriptor", sizeof(FastDescriptor),
                        Py_TPFLAGS_METHOD_DESCRIPTOR | kNotFromPython,
                        {{Py_tp_traverse, reinterpret_cast<void*>(fast_descriptor_traverse)},
                         {Py_tp_clear, reinterpret_cast<void*>(fast_descriptor_clear)},
                         {Py_tp_descr_get, reinterpret_cast<void*>(fast_descriptor_get)},
                         {Py_tp_repr, reinterpret_cast<void*>(fast_descriptor_repr)},
                         {Py_tp_getset, g_fast_descriptor_getset},
                         {Py_tp_methods, g_fast_descriptor_methods},
                         {Py_tp_getattro, reinterpret_cast<void*>(fast_descriptor_getattro)},
                         {Py_tp_members, g_fast_descriptor_members}});
  return type;
}

// The bound form.
PyObject* fast_method_call(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* m = reinterpret_cast<FastMethod*>(callable);
  if (m->descr == nullptr) {  // made from Python (type(tok.encode)()): never set up
    PyErr_SetString(PyExc_TypeError, "this FastMethod is not bound to a tokenizer");
    return nullptr;
  }
  const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
  PyObject* r = fast_try(m->descr, m->self, args, nargs, kwnames);
  if (r != Py_NotImplemented) return r;
  Py_DECREF(r);
  PyObject* bound = PyMethod_New(m->descr->func, m->self);
  if (bound == nullptr) return nullptr;
  r = PyObject_Vectorcall(bound, args, static_cast<size_t>(nargs), kwnames);
  Py_DECREF(bound);
  return r;
}

int fast_method_traverse(PyObject* self, visitproc visit, void* arg) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(reinterpret_cast<PyObject*>(m->descr));
  Py_VISIT(m->self);
  return 0;
}

int fast_method_clear(PyObject* self) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  Py_CLEAR(m->descr);
  Py_CLEAR(m->self);
  return 0;
}

PyObject* fast_method_wrapped(PyObject* self, void*) {  // the plain bound method (signature)
  auto* m = reinterpret_cast<FastMethod*>(self);
  if (m->descr == nullptr) Py_RETURN_NONE;
  return PyMethod_New(m->descr->func, m->self);
}

PyObject* fast_method_func(PyObject* self, void*) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  PyObject* f = m->descr != nullptr ? m->descr->func : Py_None;
  Py_INCREF(f);
  return f;
}

// inspect.signature of the plain bound method (self dropped). Without it, the method's own
// __signature__ (the tiktoken keyword wrapper gives one) would come through getattro, self and all.
PyObject* fast_method_signature(PyObject* self, void*) {
  PyObject* bound = fast_method_wrapped(self, nullptr);
  if (bound == nullptr || bound == Py_None) return bound;
  PyObject* inspect = PyImport_ImportModule("inspect");
  PyObject* r = inspect ? PyObject_CallMethod(inspect, "signature", "O", bound) : nullptr;
  Py_XDECREF(inspect);
  Py_DECREF(bound);
  return r;
}

PyObject* fast_method_doc(PyObject* self, void*) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  if (m->descr == nullptr) Py_RETURN_NONE;
  return PyObject_GetAttrString(m->descr->func, "__doc__");
}

PyObject* fast_method_repr(PyObject* self) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  if (m->descr == nullptr) return PyUnicode_FromString("<unbound FastMethod>");
  PyObject* name = PyObject_GetAttrString(m->descr->func, "__qualname__");
  if (name == nullptr) return nullptr;
  PyObject* r = PyUnicode_FromFormat("<bound method %U of %R>", name, m->self);
  Py_DECREF(name);
  return r;
}

// Pickles as a bound method does, getattr(self, name) (multiprocessing's pool.map(tok.encode,
// texts) pickles the function; the tokenizer pickles by its own __reduce__).
PyObject* fast_method_reduce(PyObject* self, PyObject*) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  if (m->descr == nullptr) {
    PyErr_SetString(PyExc_TypeError, "cannot pickle an unbound FastMethod");
    return nullptr;
  }
  return reduce_to_getattr(m->self, m->descr->name);
}

PyObject* fast_method_getattro(PyObject* self, PyObject* name) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  return getattr_or_func(self, name, m->descr != nullptr ? m->descr->func : nullptr);
}

// __get__ gives the object itself, as a bound method's does: with it, inspect.isroutine is True
// (a method descriptor to it), so help() and pydoc show the method, not "encode = <bound ...>".
PyObject* fast_method_descr_get(PyObject* self, PyObject*, PyObject*) {
  Py_INCREF(self);
  return self;
}

PyObject* fast_method_richcompare(PyObject* a, PyObject* b, int op) {
  // Equal when bound to the same object for the same method, as bound methods are.
  if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  auto* x = reinterpret_cast<FastMethod*>(a);
  auto* y = reinterpret_cast<FastMethod*>(b);
  const bool eq = x->descr == y->descr && x->self == y->self;
  return PyBool_FromLong(eq == (op == Py_EQ));
}

Py_hash_t fast_method_hash(PyObject* self) {
  auto* m = reinterpret_cast<FastMethod*>(self);
  // by identity, as a bound method hashes its self (Tokenizer's __eq__ is identity too)
  const uintptr_t a = reinterpret_cast<uintptr_t>(m->self), b = reinterpret_cast<uintptr_t>(m->descr);
  Py_hash_t h = static_cast<Py_hash_t>((a >> 4 | a << (8 * sizeof(a) - 4)) ^ (b >> 4) * 1000003u);
  return h == -1 ? -2 : h;
}

PyMethodDef g_fast_method_methods[] = {
    {"__reduce__", fast_method_reduce, METH_NOARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

PyGetSetDef g_fast_method_getset[] = {
    {"__wrapped__", fast_method_wrapped, nullptr, nullptr, nullptr},
    {"__signature__", fast_method_signature, nullptr, nullptr, nullptr},
    {"__doc__", fast_method_doc, nullptr, nullptr, nullptr},
    {"__func__", fast_method_func, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr}};

PyMemberDef g_fast_method_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(FastMethod, vectorcall), READONLY, nullptr},
    {"__self__", T_OBJECT, offsetof(FastMethod, self), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr}};

PyTypeObject* fast_method_type() {
  static PyTypeObject* type =
      new_callable_type("tokenizer._core.FastMethod", sizeof(FastMethod), kNotFromPython,
                        {{Py_tp_traverse, reinterpret_cast<void*>(fast_method_traverse)},
                         {Py_tp_clear, reinterpret_cast<void*>(fast_method_clear)},
                         {Py_tp_repr, reinterpret_cast<void*>(fast_method_repr)},
                         {Py_tp_richcompare, reinterpret_cast<void*>(fast_method_richcompare)},
                         {Py_tp_descr_get, reinterpret_cast<void*>(fast_method_descr_get)},
                         {Py_tp_hash, reinterpret_cast<void*>(fast_method_hash)},
                         {Py_tp_getset, g_fast_method_getset},
                         {Py_tp_methods, g_fast_method_methods},
                         {Py_tp_getattro, reinterpret_cast<void*>(fast_method_getattro)},
                         {Py_tp_members, g_fast_method_members}});
  return type;
}

PyObject* fast_method_new(FastDescriptor* d, PyObject* self) {
  auto* m = PyObject_GC_New(FastMethod, fast_method_type());
  if (m == nullptr) return nullptr;
  m->vectorcall = fast_method_call;
  Py_INCREF(reinterpret_cast<PyObject*>(d));
  m->descr = d;
  Py_INCREF(self);
  m->self = self;
  PyObject_GC_Track(reinterpret_cast<PyObject*>(m));
  return reinterpret_cast<PyObject*>(m);
}

// fast_method(func, owner, slot, index, max_nargs): the class attribute standing for func. `slot`
// is owner's member descriptor (owner.__dict__["_fast"]) of an object slot; instances keep there a
// tuple whose item `index` is the fast function (or None).
py::object fast_method(py::object func, py::object owner, py::object slot, Py_ssize_t index,
                       Py_ssize_t max_nargs) {
  if (!PyFunction_Check(func.ptr())) throw py::type_error("fast_method: `func` must be a function");
  if (!PyType_Check(owner.ptr())) throw py::type_error("fast_method: `owner` must be a class");
  if (Py_TYPE(slot.ptr()) != &PyMemberDescr_Type) {
    throw py::type_error("fast_method: `slot` must be a __slots__ member of `owner`");
  }
  auto* md = reinterpret_cast<PyMemberDescrObject*>(slot.ptr());
  if (md->d_common.d_type != reinterpret_cast<PyTypeObject*>(owner.ptr()) ||
      md->d_member->type != T_OBJECT_EX || (md->d_member->flags & READONLY)) {
    throw py::type_error("fast_method: `slot` must be a writable __slots__ member of `owner`");
  }
  if (index < 0 || max_nargs < 1) throw std::invalid_argument("fast_method: index >= 0, max_nargs >= 1");
  auto* d = PyObject_GC_New(FastDescriptor, fast_descriptor_type());
  if (d == nullptr) throw py::error_already_set();
  d->vectorcall = fast_descriptor_call;
  d->func = func.inc_ref().ptr();
  d->owner = reinterpret_cast<PyTypeObject*>(owner.inc_ref().ptr());
  d->offset = md->d_member->offset;
  d->index = index;
  d->max_nargs = max_nargs;
  d->name = PyObject_GetAttrString(func.ptr(), "__name__");
  if (d->name == nullptr || !PyUnicode_Check(d->name)) {
    Py_DECREF(reinterpret_cast<PyObject*>(d));  // (GC-untracked: dealloc clears the fields)
    if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "fast_method: func.__name__ must be a str");
    throw py::error_already_set();
  }
  PyUnicode_InternInPlace(&d->name);
  PyObject_GC_Track(reinterpret_cast<PyObject*>(d));
  return py::reinterpret_steal<py::object>(reinterpret_cast<PyObject*>(d));
}

// The tuple for the slot: each item one of Encoder's fast functions (METH_O, or METH_FASTCALL for
// more than one argument) or None, checked here so that a call needs no check.
py::tuple fast_table(const py::sequence& fasts) {
  py::tuple out(fasts.size());
  for (size_t i = 0; i < fasts.size(); ++i) {
    py::object f = fasts[i];
    if (!f.is_none() && fast_kind(f.ptr()) == 0) {
      throw py::type_error("fast_table: each item must be one of Encoder's fast functions or None");
    }
    out[i] = f;
  }
  return out;
}

SpecialPolicy make_policy(const std::vector<bool>& allowed, const std::vector<bool>& disallowed) {
  SpecialPolicy p;
  p.allowed.assign(allowed.begin(), allowed.end());
  p.disallowed.assign(disallowed.begin(), disallowed.end());
  return p;
}

// The texts of a batch, checked here rather than by a Python loop over the batch (~30 ns a text):
// str only (tiktoken refuses bytes; the C++ side would take them as text), and bytes too when
// allow_bytes (the stream encoder's blocks, which need not be UTF-8). A str that is not ASCII is
// converted to UTF-8 by the thread that encodes it (BatchText).
std::vector<BatchText> batch_texts_of(const py::list& texts, bool allow_bytes = false) {
  std::vector<BatchText> out;
  out.reserve(texts.size());
  for (py::handle item : texts) {
    if (!PyUnicode_Check(item.ptr()) && !(allow_bytes && PyBytes_Check(item.ptr()))) {
      const std::string kind = Py_TYPE(item.ptr())->tp_name;
      throw py::type_error("texts must be str, not " + kind + " (item " + std::to_string(out.size()) + ")" +
                           (kind == "bytes" ? " (bytes: encode_bytes)" : ""));
    }
    out.push_back(text_of(item.ptr()));
  }
  return out;
}

// After a batch of `ids` ids: hand freed heap back to the system when it was large. glibc keeps
// freed memory for reuse (its mmap threshold grows after large frees), so a process that encoded
// a large batch once stayed 250-350 MB bigger, creeping up over calls.
void release_free_memory(size_t ids) {
#if defined(__GLIBC__)
  if (ids >= (size_t{1} << 24)) malloc_trim(0);
#else
  (void)ids;
#endif
}

// Encoder.encode_batch (the binding adds the UnicodeEncodeError of a str with lone surrogates).
py::object encode_batch_py(const Encoder& e, const py::list& texts, const SpecialPolicy& policy,
                           size_t num_threads, bool numpy, bool allow_bytes) {
  const std::vector<BatchText> views = batch_texts_of(texts, allow_bytes);
  BatchIds results;
  if (!numpy) {
    // Lists are built on this thread, under the GIL, while the pool keeps encoding.
    py::list out(views.size());
    {
      GilRelease release;
      encode_batch(e, views, policy, num_threads, results, [&](size_t c, size_t d) {
        with_gil(release, [&] {
          for (; c < d; ++c) {
            const size_t first = results.bounds[c], count = results.bounds[c + 1] - first;
            for (size_t k = 0; k < count; ++k) {
              const auto [ids, n] = results.text(c, k);
              PyObject* list = ids_to_list(ids, n).release().ptr();
              PyObject_GC_UnTrack(list);  // tracked again below, see there
              PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(first + k), list);
            }
            std::vector<uint32_t>().swap(results.ids[c]);
          }
          // Ctrl-C (or any signal handler raising) stops a long batch here.
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();
        });
      });
    }
    // subtle: the inner lists are built untracked by the garbage collector and tracked
    // here, once all exist. The collections that allocating them triggers would
    // otherwise traverse every id of every list built so far, again and again (a full
    // collection visits each item): 72 k lines (3 MB), 1 thread, GC enabled / disabled
    // in the same process, 0.80 of the speed before, ~1.0 after. Nothing else can
    // reach them in between, and a list of ints cannot be part of a cycle then.
    for (py::handle list : out) PyObject_GC_Track(list.ptr());
    return py::object(out);
  }
  {
    // Ctrl-C stops this batch too: this thread looks for signals between chunks, at most every
    // 20 ms (taking the GIL each time would wait on other Python threads). Before, a 300 MB
    // batch answered Ctrl-C only when it had finished (2.3 s later, 2 cores).
    GilRelease release;
    auto last = std::chrono::steady_clock::now();
    encode_batch(e, views, policy, num_threads, results, [&](size_t, size_t) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last < std::chrono::milliseconds(20)) return;
      last = now;
      with_gil(release, [] {
        if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      });
    });
  }
  // The result array is filled chunk by chunk, each chunk's ids freed once copied; there is no
  // flat vector in between (256 MB of text: the peak was ~3.4x the ids, chunks + flat + array).
  size_t total = 0;
  for (const auto& ids : results.ids) total += ids.size();
  const bool narrow = e.n_ids() <= 65536;
  py::array flat = narrow ? py::array(py::array_t<uint16_t>(static_cast<py::ssize_t>(total)))
                          : py::array(py::array_t<uint32_t>(static_cast<py::ssize_t>(total)));
  py::array_t<int64_t> offsets(static_cast<py::ssize_t>(views.size() + 1));
  int64_t* off = offsets.mutable_data();
  void* dst = flat.mutable_data();
  {
    GilRelease release;
    off[0] = 0;
    size_t base = 0;
    for (size_t c = 0; c < results.chunks(); ++c) {
      std::vector<uint32_t>& ids = results.ids[c];
      for (size_t k = 0; k < results.ends[c].size(); ++k) {
        off[results.bounds[c] + k + 1] = static_cast<int64_t>(base + results.ends[c][k]);
      }
      if (narrow) {
        uint16_t* out = static_cast<uint16_t*>(dst) + base;
        for (size_t i = 0; i < ids.size(); ++i) out[i] = static_cast<uint16_t>(ids[i]);
      } else if (!ids.empty()) {
        std::memcpy(static_cast<uint32_t*>(dst) + base, ids.data(), ids.size() * sizeof(uint32_t));
      }
      base += ids.size();
      std::vector<uint32_t>().swap(ids);
    }
    release_free_memory(total);
  }
  return py::object(py::make_tuple(flat, offsets));
}

void bind_encode(py::module_& m) {
  m.def(
      "hash_bytes", [](py::bytes b) { const std::string_view v(b); return hash_bytes(v.data(), v.size()); },
      py::arg("data"), "The encoder's 64-bit hash of a byte string (its piece cache's; for tests).");
  m.def(
      "count_hash", [](py::bytes b) { const std::string_view v(b); return count_hash(v.data(), v.size()); },
      py::arg("data"), "The trainer's 64-bit hash of a piece (count files', pruning's; for tests).");
  m.def(
      "parse_tiktoken",
      [](const py::bytes& data) -> py::object {
        char* buf = nullptr;
        Py_ssize_t size = 0;
        if (PyBytes_AsStringAndSize(data.ptr(), &buf, &size) != 0) throw py::error_already_set();
        py::dict ranks;
        bool failed = false;  // a Python error (no memory): raised, not a fall-back
        const bool ok = parse_tiktoken_canonical(
            std::string_view(buf, static_cast<size_t>(size)), [&](std::string_view tok, int64_t rank) {
              py::object key = py::reinterpret_steal<py::object>(
                  PyBytes_FromStringAndSize(tok.data(), static_cast<Py_ssize_t>(tok.size())));
              py::object value = py::reinterpret_steal<py::object>(PyLong_FromLongLong(rank));
              if (!key || !value) return !(failed = true);
              PyObject* had = PyDict_SetDefault(ranks.ptr(), key.ptr(), value.ptr());
              if (had == nullptr) return !(failed = true);
              return had == value.ptr();  // a repeated token: the Python parser says where
            });
        if (failed) throw py::error_already_set();
        if (!ok) return py::none();
        return std::move(ranks);
      },
      py::arg("data"),
      "The ranks of a .tiktoken file's bytes ({token: rank}) when every line is canonical "
      "('<base64> <rank>', b64encode's own padding) and no token repeats; None otherwise (the "
      "Python parser then reads it and reports the exact error).");
  py::class_<HFModelScan>(m, "HFModelScan",
                          "model.vocab and model.merges of a tokenizer.json, read by scan_hf_model.")
      .def_property_readonly(
          "remainder", [](const HFModelScan& s) { return py::bytes(s.remainder); },
          "The file with model.vocab as {} and model.merges as [].")
      .def_property_readonly(
          "ids", [](const HFModelScan& s) { return uint32_bytes(s.ids); },
          "Every key's id in file order, as native uint32 bytes (array('I', ids)).")
      .def_property_readonly(
          "merges", [](const HFModelScan& s) { return uint32_bytes(s.merges); },
          "The merges as native uint32 bytes: a0, b0, a1, b1, ... in file order.")
      .def_property_readonly(
          "odd_keys",
          [](const HFModelScan& s) {
            py::list out;
            for (size_t k = 0; k < s.odd_keys.size(); ++k) {
              out.append(py::make_tuple(py::bytes(s.odd_keys[k]), s.odd_ids[k]));
            }
            return out;
          },
          "(JSON string literal, id) of each key that is not byte-level, in file order.")
      .def(
          "tokens",
          [](const HFModelScan& s, size_t size) {
            py::bytes empty("");
            py::list out(size);
            for (size_t i = 0; i < size; ++i) out[i] = empty;
            for (size_t k = 0; k < s.key_ids.size(); ++k) {
              if (s.key_ids[k] >= size) throw py::value_error("tokens: an id is >= size");
              const size_t from = k ? s.ends[k - 1] : 0;
              out[s.key_ids[k]] = py::bytes(s.blob.data() + from, s.ends[k] - from);
            }
            return out;
          },
          py::arg("size"), "tokens[id] = the bytes of each byte-level key (b'' for other ids).")
      .def(
          "lookup",
          [](const HFModelScan& s, const py::bytes& token) -> py::object {
            const uint32_t id = s.find(std::string_view(token));
            if (id == kNoId) return py::none();
            return py::int_(id);
          },
          py::arg("token"), "The id of the byte-level key with these bytes, or None.")
      .def("longest_run", &HFModelScan::longest_run,
           "The most slots in a row taken in the key index (how far a lookup may walk). For tests.");
  m.def("has_repeated_pairs", &has_repeated_pairs, py::arg("flat"),
        "Whether a pair occurs twice in a flat buffer of uint32 pairs (array('I'): a0, b0, a1, b1, "
        "...).");
  m.def(
      "scan_hf_model",
      [](const py::bytes& data) -> py::object {
        const std::string_view view(data);
        auto scan = std::make_unique<HFModelScan>();
        bool ok;
        {
          GilRelease release;
          ok = scan_hf_model(view, *scan);
        }
        if (!ok) return py::none();
        return py::cast(std::move(scan));
      },
      py::arg("data"),
      "model.vocab and model.merges of a tokenizer.json's bytes (HFModelScan), or None when the "
      "file is anything this reader does not read exactly as json.loads and the Python parser "
      "would (see csrc/hf_json.cc; the Python path then reads it and reports the exact error).");
  m.def("fast_method", &fast_method, py::arg("func"), py::arg("owner"), py::arg("slot"), py::arg("index"),
        py::arg("max_nargs"),
        "The class attribute standing for method `func` of `owner`: a method descriptor that calls "
        "the instance's fast function (item `index` of the tuple in its __slots__ member `slot`) "
        "for 1..max_nargs positional arguments, else (or when it returns NotImplemented) func. "
        "See FastDescriptor.");
  m.def("fast_table", &fast_table, py::arg("fasts"),
        "The tuple of fast functions (or None) an instance keeps for its FastDescriptors.");
  py::class_<SpecialPolicy>(m, "SpecialPolicy",
                            "Which special tokens (by index in Encoder.specials) are allowed / an error.")
      .def(py::init(&make_policy), py::arg("allowed"), py::arg("disallowed"));

  py::class_<Encoder>(m, "Encoder", "BPE encoder for one vocabulary (immutable, thread-safe).")
      .def(py::init([](const std::vector<py::bytes>& tokens, const py::object& merge_pairs,
                       const std::vector<std::tuple<py::bytes, uint32_t, bool, bool>>& specials,
                       const std::optional<std::string>& pattern, bool whole_piece_lookup) {
             std::vector<std::pair<uint32_t, uint32_t>> merges = merges_of(merge_pairs);
             std::vector<std::string> toks(tokens.begin(), tokens.end());
             std::vector<SpecialToken> sp;
             for (const auto& [b, id, always, in_gaps] : specials) {
               sp.push_back(SpecialToken{std::string(b), id, always ? SpecialKind::always : SpecialKind::special,
                                         in_gaps});
             }
             int pat = pattern ? static_cast<int>(pattern_from_name(*pattern)) : -1;
             std::unique_ptr<Encoder> enc;
             {
               GilRelease release;
               enc = std::make_unique<Encoder>(toks, merges, std::move(sp), pat, whole_piece_lookup);
             }
             ensure_ints(enc->n_ids());
             return enc;
           }),
           py::arg("tokens"), py::arg("merges"), py::arg("specials"), py::arg("pattern"),
           py::arg("whole_piece_lookup"),
           "tokens[id] bytes (b'' for unused ids); merges: [] for rank BPE, else the merge list "
           "(id pairs, or a flat array('I') a0, b0, a1, b1, ...); "
           "specials: (bytes, id, always, in_gaps); pattern: native matcher name or None (pieces "
           "given).")
      .def("fast", &make_fast, py::arg("policy"), py::arg("output") = "list",
           "A plain function text -> encode(text, policy) as a list, its length (output='count') "
           "or a NumPy array ('numpy') for an exact str, NotImplemented for anything else; "
           "without pybind11's per-call dispatch.")
      .def(
          "fast_decode",
          [](py::object self, bool as_bytes) {
            return make_fast_fn(as_bytes ? &g_fast_decode_bytes : &g_fast_decode, self, py::none(),
                                as_bytes ? FastCall::bytes : FastCall::str);
          },
          py::arg("as_bytes") = false,
          "A plain function (ids[, errors]) -> str (as_bytes: ids -> bytes) for a list or tuple of "
          "ints, NotImplemented for anything else; without pybind11's per-call dispatch.")
      .def(
          "fast_lookup",
          [](py::object self) { return make_fast_fn(&g_fast_lookup, self, self.attr("lookup"), FastCall::lookup); },
          "A plain function bytes -> lookup(bytes), the same for every argument, without "
          "pybind11's per-call dispatch for exact bytes.")
      .def(
          "fast_token_bytes",
          [](py::object self) {
            return make_fast_fn(&g_fast_token_bytes, self, self.attr("token_bytes"), FastCall::token);
          },
          "A plain function id -> token_bytes(id), the same for every argument, without "
          "pybind11's per-call dispatch for an exact int.")
      .def_property_readonly("n_ids", &Encoder::n_ids)
      .def_property_readonly("has_pattern", &Encoder::has_pattern)
      .def(
          "encode",
          [](const Encoder& e, py::object text, const SpecialPolicy& policy, bool numpy) {
            std::vector<uint32_t> ids;
            encode_text(e, Utf8Of(text).view, policy, ids);
            return ids_out(e, ids, numpy);
          },
          py::arg("text"), py::arg("policy"), py::arg("numpy") = false)
      .def(
          "count",
          [](const Encoder& e, py::object text, const SpecialPolicy& policy) {
            std::vector<uint32_t> ids;
            encode_text(e, Utf8Of(text).view, policy, ids);
            return ids.size();
          },
          py::arg("text"), py::arg("policy"))
      .def(
          "encode_pieces",
          [](const Encoder& e, py::list pieces, bool numpy) {
            const Utf8Texts utf8(items_of(pieces));
            const std::vector<std::string_view>& views = utf8.views;
            std::vector<uint32_t> ids;
            {
              GilRelease release;
              e.encode_pieces(views, ids);
            }
            return ids_out(e, ids, numpy);
          },
          py::arg("pieces"), py::arg("numpy") = false, "Encode pre-split pieces (str or bytes).")
      .def(
          "encode_batch",
          [](const Encoder& e, py::list texts, const SpecialPolicy& policy, size_t num_threads, bool numpy,
             bool allow_bytes) {
            try {
              return encode_batch_py(e, texts, policy, num_threads, numpy, allow_bytes);
            } catch (const LoneSurrogate& bad) {
              raise_surrogate(PyList_GET_ITEM(texts.ptr(), static_cast<Py_ssize_t>(bad.text)), bad.index);
            }
          },
          py::arg("texts"), py::arg("policy"), py::arg("num_threads") = 0, py::arg("numpy") = false,
          py::arg("allow_bytes") = false,
          "Encode texts on a thread pool: a list of lists, or (flat ids, offsets) with numpy=True; "
          "allow_bytes=True also takes bytes items (encoded losslessly, as encode_bytes).")
      .def(
          "decode",
          [](const Encoder& e, py::object ids) {
            std::vector<uint32_t> v = ids_from(ids);
            std::string out;
            {
              GilRelease release;
              e.decode(v.data(), v.size(), out);
            }
            return py::bytes(out);
          },
          py::arg("ids"), "Concatenated bytes of the ids (IndexError for an unknown id).")
      .def(
          "token_bytes",
          [](const Encoder& e, py::handle id) { return py::bytes(std::string(e.token_bytes(id_from(id)))); },
          py::arg("id"))
      .def(
          "lookup",
          [](const Encoder& e, py::bytes b) -> py::object {
            uint32_t id = e.model().lookup(std::string_view(b));
            if (id == kNoId) return py::none();
            return py::int_(id);
          },
          py::arg("token"), "Id of the ordinary token with these bytes, or None.")
      .def(
          "bpe",
          [](const Encoder& e, py::bytes b) {
            std::vector<uint32_t> ids;
            e.model().merge(std::string_view(b), ids);
            return ids_to_list(ids);
          },
          py::arg("piece"), "Plain BPE of one piece (no whole-piece shortcut, no cache).")
      .def(
          "safe_cuts", [](const Encoder& e, py::bytes b) { return ids_to_list(e.safe_cuts(std::string_view(b))); },
          py::arg("piece"),
          "Positions where the encoder cuts this piece before BPE (no token can span them).")
      .def(
          "may_cross",
          [](const Encoder& e, py::bytes b, size_t k) {
            std::string_view p(b);
            if (k == 0 || k >= p.size() || !BpeModel::cut_candidate(static_cast<unsigned char>(p[k - 1]),
                                                                    static_cast<unsigned char>(p[k]))) {
              throw py::value_error("k must be a cut candidate inside the piece");
            }
            return e.model().may_cross(p.data(), k, p.size());
          },
          py::arg("piece"), py::arg("k"),
          "Full test behind safe_cuts at k (no memo, no shortcut): True if a token may span k.")
      .def(
          "table_runs",
          [](const Encoder& e) {
            const BpeModel::TableRuns r = e.model().table_runs();
            py::dict d;
            d["short_tokens"] = r.short_tokens;
            d["long_tokens"] = r.long_tokens;
            d["pairs"] = r.pairs;
            d["fragments"] = r.fragments;
            return d;
          },
          "The most slots in a row taken in each of the vocabulary's hash tables (how far a "
          "lookup may walk): {'short_tokens', 'long_tokens', 'pairs', 'fragments'}. For tests.")
      .def_static("clear_thread_cache", &clear_thread_cache,
                  "Forget the calling thread's piece cache (for cold-cache benchmarks).")
      .def_static("clear_caches", &clear_caches,
                  "Forget every thread's piece caches, the batch pool's included, each at that "
                  "thread's next call (for cold-cache benchmarks of batches).")
      .def_static(
          "piece_cache_stats",
          []() {
            const PieceCacheStats s = piece_cache_stats();
            py::dict d;
            d["entries"] = s.entries;
            d["slots"] = s.slots;
            d["max_probe"] = s.max_probe;
            return d;
          },
          "The calling thread's most recent piece cache: {'entries', 'slots', 'max_probe'} "
          "(max_probe: the largest distance of an entry from its home slot). For tests.");
}

// ---------------------------------------------------------------------------------------------
// training
// ---------------------------------------------------------------------------------------------
void bind_train(py::module_& m) {
  py::class_<PieceCounter>(m, "PieceCounter",
                           "Counts of unique pre-tokenized pieces (bytes -> u64), sharded over "
                           "threads (16 shards under a cap, whatever the thread count); prunes "
                           "the rarest pieces when over max_memory bytes (0: no cap).")
      .def(py::init<int, uint64_t>(), py::arg("threads") = 1, py::arg("max_memory") = 0)
      .def(
          "count",
          [](PieceCounter& c, const std::string& pattern, const py::list& docs,
             const std::vector<std::string>& specials) {
            PatternId id = pattern_from_name(pattern);
            const Utf8Texts utf8(items_of(docs));
            uint64_t bytes = 0;
            for (std::string_view v : utf8.views) bytes += v.size();
            const SpecialCutter cutter(specials);
            GilRelease release;
            c.count_documents(id, utf8.views, cutter);
            return bytes;
          },
          py::arg("pattern"), py::arg("docs"), py::arg("specials") = std::vector<std::string>(),
          "Split each document (str as UTF-8, or bytes) with the built-in matcher and count its "
          "pieces; returns the bytes counted. Occurrences of `specials` (str as UTF-8) are "
          "boundaries, not text (leftmost, then longest); they add to special_cuts.")
      .def(
          "add_counts",
          [](PieceCounter& c, const py::dict& counts) {
            std::vector<PyObject*> keys;
            std::vector<uint64_t> values;
            keys.reserve(counts.size());
            values.reserve(counts.size());
            for (const auto& kv : counts) {
              keys.push_back(kv.first.ptr());
              values.push_back(kv.second.cast<uint64_t>());
            }
            const Utf8Texts utf8(keys);
            GilRelease release;
            c.add_pieces(utf8.views, values);
          },
          py::arg("counts"), "Add {piece (str or bytes): count} (pieces split in Python).")
      .def(
          "merge",
          [](PieceCounter& c, const PieceCounter& other) {
            if (&c == &other) throw std::invalid_argument("cannot merge a counter into itself");
            GilRelease release;
            c.merge_from(other);
          },
          py::arg("other"), "Add every count of another counter (reduce step).")
      .def(
          "save",
          [](const PieceCounter& c, const std::string& path, const std::string& metadata) {
            GilRelease release;
            c.save(path, metadata);
          },
          py::arg("path"), py::arg("metadata") = "{}")
      .def(
          "load",
          [](PieceCounter& c, const std::string& path) {
            std::string meta;
            {
              GilRelease release;
              meta = c.load(path);
            }
            return py::bytes(meta);
          },
          py::arg("path"), "Add a saved table's counts; returns its metadata bytes.")
      .def("items",
           [](const PieceCounter& c) {
             py::dict out;
             c.for_each([&](std::string_view p, uint64_t n) {
               out[py::bytes(p.data(), p.size())] = py::int_(n);
             });
             return out;
           })
      .def("clear", &PieceCounter::clear)
      .def("longest_run", &PieceCounter::longest_run,
           "The most slots in a row taken in any shard's table (how far a lookup may walk; "
           "diagnostics).")
      .def("content", &PieceCounter::content, py::arg("threshold") = 0,
           "(unique pieces, their bytes) of the pieces counted more than `threshold` times.")
      .def(
          "prune",
          [](PieceCounter& c, uint64_t threshold, int64_t bucket) {
            if (bucket < -1 || bucket > PieceShard::kAllBuckets)
              throw py::value_error("bucket must be in [-1, 65535]");
            GilRelease release;
            c.prune(threshold, bucket);
          },
          py::arg("threshold"), py::arg("bucket") = PieceShard::kAllBuckets,
          "Drop the pieces counted at most `threshold` times (0: none), adding them to "
          "pruned_unique / pruned_mass; with `bucket` below 65535, also those counted "
          "threshold + 1 times whose hash bucket (see class_costs) is above it.")
      .def(
          "class_costs",
          [](const PieceCounter& c, uint64_t count, uint64_t per_piece, uint64_t per_byte) {
            std::vector<uint64_t> costs;
            {
              GilRelease release;
              costs = c.class_costs(count, per_piece, per_byte);
            }
            return costs;
          },
          py::arg("count"), py::arg("per_piece"), py::arg("per_byte"),
          "Per hash bucket (65536: the top 16 bits of the 32-bit hash of a piece's bytes), "
          "per_piece + per_byte * length summed over the pieces counted exactly `count` times.")
      .def_property_readonly("prune_threshold", &PieceCounter::prune_threshold,
                             "Pieces counted at most this many times were pruned (0: none).")
      .def_property_readonly("unique", &PieceCounter::unique)
      .def_property_readonly("total", &PieceCounter::total)
      .def_property_readonly("memory", &PieceCounter::memory)
      .def_property_readonly("pruned_unique", &PieceCounter::pruned_unique)
      .def_property_readonly("pruned_mass", &PieceCounter::pruned_mass)
      .def_property_readonly("special_cuts", &PieceCounter::special_cuts,
                             "Special tokens cut out of the counted text.")
      .def("add_special_cuts", &PieceCounter::add_special_cuts, py::arg("n"),
           "Add special-token cuts made elsewhere (Python splitting, loaded count files).")
      .def_property_readonly("threads", &PieceCounter::threads)
      .def_property_readonly("max_memory", &PieceCounter::max_memory);

  m.def(
      "train_bpe",
      [](PieceCounter& counter, const std::vector<std::pair<uint32_t, uint32_t>>& forced,
         uint64_t vocab_size, uint64_t min_frequency, uint64_t max_token_length, bool consume,
         py::object progress) {
        TrainOptions opt;
        opt.vocab_size = vocab_size;
        opt.min_frequency = min_frequency;
        opt.max_token_length = max_token_length;
        const bool report = !progress.is_none();
        TrainResult r;
        {
          GilRelease release;
          std::function<void(uint64_t, uint64_t)> cb;
          if (report) {
            cb = [&progress, &release](uint64_t done, uint64_t target) {
              with_gil(release, [&] {  // (the C API: see with_gil)
                if (PyErr_CheckSignals() != 0) throw py::error_already_set();
                PyObject* r = PyObject_CallFunction(progress.ptr(), "KK",
                                                    static_cast<unsigned long long>(done),
                                                    static_cast<unsigned long long>(target));
                if (r == nullptr) throw py::error_already_set();
                Py_DECREF(r);
              });
            };
          }
          r = train_bpe(counter, forced, opt, consume, cb);
        }
        py::list tokens;
        for (const std::string& t : r.tokens) tokens.append(py::bytes(t));
        py::dict out;
        out["merges"] = r.merges;
        out["tokens"] = tokens;
        out["words"] = r.words;
        out["peak_bytes"] = r.peak_bytes;
        return out;
      },
      py::arg("counter"), py::arg("forced"), py::arg("vocab_size"), py::arg("min_frequency") = 1,
      py::arg("max_token_length") = 0, py::arg("consume") = false, py::arg("progress") = py::none(),
      "Train BPE on the counter's pieces (rules of tokenizer._reference). Returns a dict with "
      "merges, tokens, words and peak_bytes.");
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "codebpe native core: pre-tokenization, BPE training and encoding.";
  m.attr("__version__") = CODEBPE_VERSION;
  make_invalid_token_id(m);
  bind_pretokenize(m);
  bind_encode(m);
  bind_train(m);
}
