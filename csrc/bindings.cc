// The only file that includes pybind11. It converts types and releases the GIL; no logic here.
// Each stage binds its functions in its own static function below (one section per stage).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "count.h"
#include "pretokenize.h"
#include "train.h"

namespace py = pybind11;
using namespace codebpe;

#ifndef CODEBPE_VERSION
#define CODEBPE_VERSION "dev"
#endif

namespace {

// Bytes or str (as UTF-8) viewed without copying. The view is valid while `obj` lives.
std::string_view as_bytes_view(const py::handle& obj) {
  if (PyBytes_Check(obj.ptr())) {
    return std::string_view(PyBytes_AS_STRING(obj.ptr()), PyBytes_GET_SIZE(obj.ptr()));
  }
  if (PyUnicode_Check(obj.ptr())) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(obj.ptr(), &size);
    if (data == nullptr) throw py::error_already_set();
    return std::string_view(data, static_cast<size_t>(size));
  }
  throw py::type_error("expected str or bytes");
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
        std::string_view view = as_bytes_view(text);
        PatternId id = pattern_from_name(pattern);
        std::vector<uint32_t> ends;
        {
          py::gil_scoped_release release;
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
        std::string_view view = as_bytes_view(text);
        PatternId id = pattern_from_name(pattern);
        std::vector<uint32_t> ends;
        {
          py::gil_scoped_release release;
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
        "The regex module release the Unicode class tables were generated from.");
}

// ---------------------------------------------------------------------------------------------
// encoding
// ---------------------------------------------------------------------------------------------
void bind_encode(py::module_& m) {
  (void)m;
}

// ---------------------------------------------------------------------------------------------
// training
// ---------------------------------------------------------------------------------------------
void bind_train(py::module_& m) {
  py::class_<PieceCounter>(m, "PieceCounter",
                           "Counts of unique pre-tokenized pieces (bytes -> u64), sharded over "
                           "threads; prunes the rarest pieces when over max_memory bytes (0: no cap).")
      .def(py::init<int, uint64_t>(), py::arg("threads") = 1, py::arg("max_memory") = 0)
      .def(
          "count",
          [](PieceCounter& c, const std::string& pattern, const py::list& docs) {
            PatternId id = pattern_from_name(pattern);
            std::vector<std::string_view> views;
            views.reserve(docs.size());
            uint64_t bytes = 0;
            for (const py::handle& d : docs) {
              views.push_back(as_bytes_view(d));
              bytes += views.back().size();
            }
            py::gil_scoped_release release;
            c.count_documents(id, views);
            return bytes;
          },
          py::arg("pattern"), py::arg("docs"),
          "Split each document (str as UTF-8, or bytes) with the built-in matcher and count its "
          "pieces; returns the bytes counted.")
      .def(
          "add_counts",
          [](PieceCounter& c, const py::dict& counts) {
            std::vector<std::string_view> views;
            std::vector<uint64_t> values;
            views.reserve(counts.size());
            values.reserve(counts.size());
            for (const auto& kv : counts) {
              views.push_back(as_bytes_view(kv.first));
              values.push_back(kv.second.cast<uint64_t>());
            }
            py::gil_scoped_release release;
            c.add_pieces(views, values);
          },
          py::arg("counts"), "Add {piece (str or bytes): count} (pieces split in Python).")
      .def(
          "merge",
          [](PieceCounter& c, const PieceCounter& other) {
            if (&c == &other) throw std::invalid_argument("cannot merge a counter into itself");
            py::gil_scoped_release release;
            c.merge_from(other);
          },
          py::arg("other"), "Add every count of another counter (reduce step).")
      .def(
          "save",
          [](const PieceCounter& c, const std::string& path, const std::string& metadata) {
            py::gil_scoped_release release;
            c.save(path, metadata);
          },
          py::arg("path"), py::arg("metadata") = "{}")
      .def(
          "load",
          [](PieceCounter& c, const std::string& path) {
            std::string meta;
            {
              py::gil_scoped_release release;
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
      .def_property_readonly("unique", &PieceCounter::unique)
      .def_property_readonly("total", &PieceCounter::total)
      .def_property_readonly("memory", &PieceCounter::memory)
      .def_property_readonly("pruned_unique", &PieceCounter::pruned_unique)
      .def_property_readonly("pruned_mass", &PieceCounter::pruned_mass)
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
        std::function<void(uint64_t, uint64_t)> cb;
        if (!progress.is_none()) {
          cb = [&progress](uint64_t done, uint64_t target) {
            py::gil_scoped_acquire acquire;
            if (PyErr_CheckSignals() != 0) throw py::error_already_set();
            progress(done, target);
          };
        }
        TrainResult r;
        {
          py::gil_scoped_release release;
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
  bind_pretokenize(m);
  bind_encode(m);
  bind_train(m);
}
