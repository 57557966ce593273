// fwd.describe: the registry of followed systems, and the JSON -> Python conversion every
// binding uses for its to_json() twins.
#include "describe.hpp"

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "fwd/describe/system.hpp"
#include "fwd/error.hpp"

namespace pyb = pybind11;

namespace fwd::py {

pyb::object to_python(const describe::json::value& v) {
  namespace json = describe::json;
  switch (v.kind()) {
    case json::kind::null: return pyb::none();
    case json::kind::bool_: return pyb::bool_(v.get_bool());
    case json::kind::int64: return pyb::int_(v.get_int64());
    case json::kind::uint64: return pyb::int_(v.get_uint64());
    case json::kind::double_: return pyb::float_(v.get_double());
    case json::kind::string: return pyb::str(v.get_string().data(), v.get_string().size());
    case json::kind::array: {
      pyb::list l;
      for (const auto& e : v.get_array()) l.append(to_python(e));
      return l;
    }
    case json::kind::object: {
      pyb::dict d;
      for (const auto& [k, e] : v.get_object()) d[pyb::str(k.data(), k.size())] = to_python(e);
      return d;
    }
  }
  return pyb::none();
}

void bind_describe(pyb::module_& m) {
  m.def(
      "systems",
      [] {
        pyb::list out;
        for (const auto& s : describe::systems()) {
          pyb::dict d;
          d["name"] = std::string(s.name);
          d["version"] = std::string(s.version);
          d["follows"] = std::string(s.follows);
          pyb::list aliases;
          for (auto a : s.aliases) aliases.append(std::string(a));
          d["aliases"] = aliases;
          pyb::list layers;
          for (auto l : describe::all_layers)
            if (s.in(l)) layers.append(std::string(to_string(l)));
          d["layers"] = layers;
          d["l2_profile"] = s.l2_profile.empty() ? pyb::object(pyb::none()) : pyb::str(std::string(s.l2_profile));
          out.append(d);
        }
        return out;
      },
      "Every real system libfwd follows: a list of dicts with name (canonical), version, follows,\n"
      "aliases, layers ('hash', 'lag', 'l2', 'sim': a fwd.sim host os) and l2_profile (the switch profile\n"
      "name, or None).\n"
      "A name or alias means the same system in every layer; 'freebsd' alone is ambiguous and rejected.");
  m.def(
      "find_system",
      [](const std::string& name, const std::string& layer) {
        for (auto l : describe::all_layers)
          if (layer == to_string(l)) return std::string(describe::find_system(name, l, "system").name);
        throw Error("unknown layer '" + layer + "': expected hash, lag, l2 or sim");
      },
      pyb::arg("name"), pyb::arg("layer"),
      "The canonical name of the system `name` (a name or alias) in `layer` ('hash', 'lag', 'l2' or 'sim').\n"
      "ValueError for an unknown or ambiguous name, or a layer that does not model the system.");
}

}  // namespace fwd::py
