#pragma once
// Python renderings of the description tables (fwd/describe): dicts of described structs, enums
// with their values' docs, and JSON twins as Python dicts/lists (never JSON strings to re-parse).
#include <pybind11/pybind11.h>

#include <string>

#include "fwd/describe/field.hpp"
#include "fwd/describe/json.hpp"

namespace fwd::py {

/// A JSON value as the Python object json.loads would give (dict, list, str, int, float, bool, None).
pybind11::object to_python(const describe::json::value& v);

/// The described fields of `s` as a dict (name -> int), in table order.
template <class S>
pybind11::dict fields_dict(const S& s) {
  pybind11::dict d;
  for (const auto& f : describe::Fields<S>::list) d[pybind11::str(f.name.data(), f.name.size())] = s.*f.member;
  return d;
}

/// A pybind11 enum whose values and docstring come from the enum's table ('-' becomes '_').
template <class E>
pybind11::enum_<E> bind_enum(pybind11::module_& m, const char* name, const std::string& doc) {
  static const std::string full = doc + "\n\nValues:\n" + describe::enumerators_doc<E>();
  pybind11::enum_<E> e(m, name, full.c_str());
  for (const auto& v : describe::Enumerators<E>::list) {
    std::string n(v.name);
    for (char& c : n)
      if (c == '-' || c == '.') c = '_';
    e.value(n.c_str(), v.value, v.doc.data());  // pybind11 copies both strings
  }
  return e;
}

}  // namespace fwd::py
