// The only file that includes pybind11. It converts types and releases the GIL; no logic here.
// Each stage binds its functions in its own static function below (one section per stage).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <string_view>
#include <vector>

#include "pretokenize.h"

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
  (void)m;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "codebpe native core: pre-tokenization, BPE training and encoding.";
  m.attr("__version__") = CODEBPE_VERSION;
  bind_pretokenize(m);
  bind_encode(m);
  bind_train(m);
}
