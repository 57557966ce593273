// fwd.describe: the registry of followed systems, and the JSON -> Python conversion every
// binding uses for its to_json() twins.
#include "describe.hpp"

#include <pybind11/stl.h>

#include "bindings.hpp"
#include "fwd/describe/system.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/crc.hpp"
#include "fwd/hash/dpdk.hpp"
#include "fwd/hash/freebsd.hpp"
#include "fwd/hash/linux.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/hash/toeplitz.hpp"
#include "fwd/hash/vendor.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/lag/lag.hpp"

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

namespace {
// One enum's table as {name: doc}, in value order.
template <class E>
void add_enum(pyb::dict& out, const char* key) {
  pyb::dict values;
  for (const auto& v : describe::Enumerators<E>::list)
    values[pyb::str(v.name.data(), v.name.size())] = pyb::str(v.doc.data(), v.doc.size());
  out[key] = values;
}

pyb::dict enums() {
  pyb::dict d;
  add_enum<hash::linux_bond::XmitHashPolicy>(d, "hash.linux.xmit_hash_policy");
  add_enum<hash::dpdk::XmitPolicy>(d, "hash.dpdk.xmit_policy");
  add_enum<hash::ovs::BondMode>(d, "hash.ovs.bond_mode");
  add_enum<hash::toeplitz::HashType>(d, "hash.toeplitz.hash_type");
  add_enum<hash::bmv2::Algorithm>(d, "hash.bmv2.algorithm");
  add_enum<hash::freebsd::Flags>(d, "hash.freebsd.lagghash");
  add_enum<hash::vendor::Field>(d, "hash.vendor.field");
  add_enum<hash::vendor::Function>(d, "hash.vendor.function");
  add_enum<hash::vendor::Mapping>(d, "hash.vendor.mapping");
  add_enum<lag::LaggProto>(d, "lag.freebsd.laggproto");
  add_enum<lag::LinuxBondMode>(d, "lag.linux.mode");
  add_enum<lag::AdSelect>(d, "lag.linux.ad_select");
  add_enum<lag::PrimaryReselect>(d, "lag.linux.primary_reselect");
  add_enum<lag::OvsBondMode>(d, "lag.ovs.bond_mode");
  add_enum<lag::OvsLacpStatus>(d, "lag.ovs.lacp_status");
  add_enum<lag::Admission>(d, "lag.ovs.admission");
  add_enum<lag::DpdkMode>(d, "lag.dpdk.mode");
  add_enum<lag::VendorMode>(d, "lag.vendor.mode");
  add_enum<l2::VlanMode>(d, "l2.vlan_mode");
  add_enum<l2::Verdict>(d, "l2.verdict");
  add_enum<l2::DropReason>(d, "l2.drop_reason");
  add_enum<l2::LearnStatus>(d, "l2.learn_status");
  add_enum<l2::EventKind>(d, "l2.event_kind");
  add_enum<l2::Overflow>(d, "l2.overflow");
  add_enum<l2::FlapAction>(d, "l2.flap_action");
  add_enum<l2::FlapWindow>(d, "l2.flap_window");
  add_enum<l2::FlapScope>(d, "l2.flap_scope");
  add_enum<l2::FlapEmit>(d, "l2.flap_emit");
  return d;
}
}  // namespace

void bind_describe(pyb::module_& m) {
  m.def("enums", &enums,
        "Every described enum as {key: {name: doc}} in value order, from the same tables that name the\n"
        "values in C++ (to_string / parsing), spec strings, JSON and docstrings. Keys are\n"
        "'<layer>.<system>.<option>' ('hash.linux.xmit_hash_policy', 'lag.ovs.bond_mode', 'l2.drop_reason', ...).");
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
