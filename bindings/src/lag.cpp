// fwd._fwd.lag: Lag (member selection of real systems), OvsBond (OVS bucket state), what-if.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "describe.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "fwd/lag/lag.hpp"
#include "object_lock.hpp"
#include "ovs_bond_settings.hpp"
#include "parallel.hpp"
#include "settings.hpp"

namespace fwd::py {

namespace pyb = pybind11;
using lag::Lag;
using lag::LagExplanation;
using lag::MemberIndex;
using lag::OvsBond;
using lag::Outcome;
using lag::Selection;

// Declared in ovs_bond_settings.hpp.
template <>
lag::OvsLacpStatus enum_from_text<lag::OvsLacpStatus>(std::string_view text) {
  return lag::ovs_lacp_status(text);
}

namespace {

// OvsBond's keywords before its settings table: the three delays as integer milliseconds.
// Accepted for one release (README, renames); each sets the setting it names.
template <Time lag::OvsBondConfig::*M>
void set_ms(lag::OvsBondConfig& c, const pyb::handle& v, const char* name) {
  c.*M = Time::from_ms(int_arg(v, name, 0, lag::OvsBondConfig::max_ms));
}
const SettingAlias<lag::OvsBondConfig> ovs_bond_aliases[] = {
    {"rebalance_interval_ms", "rebalance_interval as integer milliseconds (old spelling, accepted for one release)",
     "rebalance_interval",
     [](lag::OvsBondConfig& c, const pyb::handle& v) {
       set_ms<&lag::OvsBondConfig::rebalance_interval>(c, v, "rebalance_interval_ms");
     }},
    {"updelay_ms", "updelay as integer milliseconds (old spelling, accepted for one release)", "updelay",
     [](lag::OvsBondConfig& c, const pyb::handle& v) { set_ms<&lag::OvsBondConfig::updelay>(c, v, "updelay_ms"); }},
    {"downdelay_ms", "downdelay as integer milliseconds (old spelling, accepted for one release)", "downdelay",
     [](lag::OvsBondConfig& c, const pyb::handle& v) { set_ms<&lag::OvsBondConfig::downdelay>(c, v, "downdelay_ms"); }},
};
}  // namespace

SettingAliases<lag::OvsBondConfig> ovs_bond_ms_aliases() { return ovs_bond_aliases; }

namespace {

pyb::object kwarg_or_none(const pyb::kwargs& kw, const char* key) {
  return kw.contains(key) ? pyb::object(kw[key]) : pyb::object(pyb::none());
}

/// A selection with names resolved, as Python sees it.
struct PySelection {
  std::string outcome;  // "member", "broadcast", "dropped"
  std::string reason;   // for dropped
  pyb::object member;   // name or None
  pyb::object index;    // int or None
  std::vector<std::string> copies;
  int code = 0;         // as select_batch: index, -1 dropped, -2 broadcast
};

PySelection to_py(const Lag& l, Selection s) {
  PySelection p;
  p.code = Lag::encode(s);
  p.member = pyb::none();
  p.index = pyb::none();
  p.outcome = std::string(lag::outcome_key(s.outcome));  // names and reasons: the Outcome table
  switch (s.outcome) {
    case Outcome::member:
      p.member = pyb::str(l.name(s.member));
      p.index = pyb::int_(s.member);
      break;
    case Outcome::broadcast:
      for (MemberIndex m : l.broadcast_members()) p.copies.push_back(l.name(m));
      break;
    case Outcome::no_member:
    case Outcome::transit:
      p.reason = std::string(lag::drop_reason(s.outcome));
      break;
  }
  return p;
}

template <class Named>
MemberIndex member_arg(const Named& l, const pyb::handle& m) {
  if (pyb::isinstance<pyb::str>(m)) {
    if constexpr (std::is_same_v<Named, Lag>) return l.index_of(m.cast<std::string>());
    else return l.member_index(m.cast<std::string>());
  }
  if (pyb::isinstance<pyb::int_>(m)) {
    const long long i = m.cast<long long>();
    if (i < 0 || static_cast<std::size_t>(i) >= l.size())
      throw pyb::index_error(fmt::format("member index {} out of range: the LAG has {} members", i, l.size()));
    return static_cast<MemberIndex>(i);
  }
  throw pyb::type_error(fmt::format("member must be a name (str) or an index (int), got {}",
                                    std::string(pyb::str(m.get_type().attr("__name__")))));
}

std::vector<std::string> names_arg(const pyb::object& members) {
  if (pyb::isinstance<pyb::bool_>(members) || pyb::isinstance<pyb::float_>(members))
    throw pyb::type_error(fmt::format("members: expected a count (int), a list of names or 'a,b,c'; got {}",
                                      std::string(pyb::str(members.get_type().attr("__name__")))));
  if (pyb::isinstance<pyb::int_>(members) || pyb::hasattr(members, "__index__")) {
    const long long n = int_arg(members, "members", 1, static_cast<long long>(lag::max_members));
    std::vector<std::string> out;
    for (long long i = 0; i < n; ++i) out.push_back(fmt::format("m{}", i));
    return out;
  }
  if (pyb::isinstance<pyb::str>(members)) {
    // "a,b,c"
    std::vector<std::string> out;
    std::string s = members.cast<std::string>(), cur;
    for (char c : s) {
      if (c == ',') { out.push_back(cur); cur.clear(); }
      else cur.push_back(c);
    }
    out.push_back(cur);
    return out;
  }
  std::vector<std::string> out;
  if (!pyb::isinstance<pyb::iterable>(members))
    throw pyb::type_error(fmt::format("members: expected a count (int), a list of names or 'a,b,c'; got {}",
                                      std::string(pyb::str(members.get_type().attr("__name__")))));
  for (auto m : members) {
    if (!pyb::isinstance<pyb::str>(m))
      throw pyb::type_error(fmt::format("members: expected member names (str); got {} {}",
                                        std::string(pyb::str(m.get_type().attr("__name__"))), std::string(pyb::repr(m))));
    out.push_back(m.cast<std::string>());
  }
  return out;
}


/// kwargs without now / time_ns (the rest is packet metadata).
std::pair<std::optional<Time>, net::PacketMeta> split_kwargs(const pyb::kwargs& kw) {
  pyb::kwargs rest;
  std::optional<Time> t;
  pyb::object now = pyb::none(), ns = pyb::none();
  for (auto item : kw) {
    const std::string k = item.first.cast<std::string>();
    if (k == "now") now = pyb::reinterpret_borrow<pyb::object>(item.second);
    else if (k == "time_ns") ns = pyb::reinterpret_borrow<pyb::object>(item.second);
    else {
      rest[item.first] = item.second;
    }
  }
  if (!now.is_none() || !ns.is_none()) t = time_either(now, ns);
  return {t, packet_meta(rest)};
}

pyb::object name_or_none(const OvsBond& b, MemberIndex m) {
  return m == lag::no_member ? pyb::object(pyb::none()) : pyb::object(pyb::str(b.member_name(m)));
}

std::vector<std::string> str_list(const pyb::object& o, const char* what) {
  if (o.is_none()) return {};
  if (pyb::isinstance<pyb::str>(o)) return {o.cast<std::string>()};
  try {
    return o.cast<std::vector<std::string>>();
  } catch (const pyb::cast_error&) {
    throw pyb::type_error(fmt::format("{} must be a member name or a list of names", what));
  }
}

/// The lock of a Lag: its OvsBond's when it has one, so lag.bond.<method>() and lag.<method>()
/// exclude each other (see object_lock.hpp).
const void* lag_key(const Lag& l) {
  if (const OvsBond* b = l.ovs_bond()) return b;
  return &l;
}
const void* lock_key(const Lag& l) { return lag_key(l); }
const void* lock_key(const OvsBond& b) { return &b; }

/// A member function bound with the object's lock held.
template <class C, class R, class... A> auto locked(R (C::*f)(A...)) {
  return [f](C& c, A... a) -> R { ObjectLock g(lock_key(c)); return (c.*f)(a...); };
}
template <class C, class R, class... A> auto locked(R (C::*f)(A...) const) {
  return [f](const C& c, A... a) -> R { ObjectLock g(lock_key(c)); return (c.*f)(a...); };
}

/// Frames per chunk of a multi-threaded select_batch: hashes of a chunk in parallel, then the
/// distributor over them in order (32 MB of hashes at most).
constexpr std::size_t select_chunk = std::size_t{1} << 22;

}  // namespace

void bind_lag(pyb::module_& m) {
  pyb::class_<PySelection>(m, "Selection", "The member chosen for one frame.")
      .def_readonly("outcome", &PySelection::outcome, "'member', 'broadcast' or 'dropped'")
      .def_readonly("reason", &PySelection::reason, "why a frame was dropped")
      .def_readonly("member", &PySelection::member, "the member's name, or None")
      .def_readonly("index", &PySelection::index, "the member's index, or None")
      .def_readonly("copies", &PySelection::copies, "every member that gets a copy (broadcast)")
      .def_readonly("code", &PySelection::code, "the select_batch code of this outcome (index, -1 dropped, -2 broadcast)")
      .def("__repr__", [](const PySelection& s) {
        if (s.outcome == "member") return fmt::format("<Selection {} (index {})>", s.member.cast<std::string>(), s.index.cast<int>());
        if (s.outcome == "broadcast") return std::string("<Selection broadcast>");
        return fmt::format("<Selection dropped: {}>", s.reason);
      });

  pyb::class_<LagExplanation>(m, "Explanation", "Where the hash came from, the hash walk and the distributor's step.")
      .def_readonly("lag", &LagExplanation::lag_spec, "The canonical LAG spec.")
      .def_readonly("follows", &LagExplanation::follows, "Which real system, version and mode.")
      .def_readonly("hash_source", &LagExplanation::hash_source, "Where the hash came from (policy, flow id, none).")
      .def_readonly("hash", &LagExplanation::hash, "The value the distributor used.")
      .def_readonly("hash_walk", &LagExplanation::hash_walk, "The policy's hash walk (fwd.hash.Explanation) or None.")
      .def_readonly("step", &LagExplanation::step, "The distributor's step, e.g. 'usable_slaves [...] % 3 = 2 -> eth2'.")
      .def_property_readonly("member", [](const LagExplanation& e) -> pyb::object {
        return e.member.empty() ? pyb::object(pyb::none()) : pyb::object(pyb::str(e.member));
      }, "The chosen member's name, or None (dropped, broadcast).")
      .def_readonly("copies", &LagExplanation::copies, "Broadcast: every member that gets a copy.")
      .def("to_text", &LagExplanation::to_text, "The explanation as text (also str()).")
      .def("__repr__", [](const LagExplanation& e) {
        return fmt::format("<lag.Explanation {} hash=0x{:x} -> {}>", e.lag_spec, e.hash, e.member.empty() ? "none" : e.member);
      })
      .def("to_json", [](const LagExplanation& e) { return to_python(e.to_json()); }, "The explanation as a dict (the JSON twin of str()).")
      .def("__str__", &LagExplanation::to_text);

  pyb::class_<lag::WhatIf>(m, "WhatIf", "Per-member flow counts before and after failing / adding members.")
      .def_readonly("lag", &lag::WhatIf::lag_spec, "The canonical LAG spec.")
      .def_readonly("members", &lag::WhatIf::members, "Members after the change, in order.")
      .def_readonly("failed", &lag::WhatIf::failed, "Members failed by the change.")
      .def_readonly("added", &lag::WhatIf::added, "Members added by the change.")
      .def_readonly("before", &lag::WhatIf::before, "Flows per member before the change.")
      .def_readonly("after", &lag::WhatIf::after, "Flows per member after the change.")
      .def_readonly("flows", &lag::WhatIf::flows, "Flows compared.")
      .def_readonly("dropped_before", &lag::WhatIf::dropped_before, "Flows no member carried before.")
      .def_readonly("dropped_after", &lag::WhatIf::dropped_after, "Flows no member carries after.")
      .def_readonly("moved", &lag::WhatIf::moved, "Flows whose member changed.")
      .def_readonly("min_moved", &lag::WhatIf::min_moved, "The fewest flows any distributor must move (those on failed members or taken by added ones).")
      .def_property_readonly("moved_share", &lag::WhatIf::moved_share, "moved / flows.")
      .def("to_text", &lag::WhatIf::to_text, "The comparison as a table (also str()).")
      .def("__repr__", [](const lag::WhatIf& w) {
        return fmt::format("<WhatIf {} flows={} moved={} min_moved={}>", w.lag_spec, w.flows, w.moved, w.min_moved);
      })
      .def("to_json", [](const lag::WhatIf& w) { return to_python(w.to_json()); }, "The comparison as a dict (the JSON twin of str()).")
      .def("__str__", &lag::WhatIf::to_text);

  static const lag::OvsBondConfig ovs_bond_defaults;
  static const std::string ovs_bond_init_doc =
      "OvsBond(name, members, *, now=None, time_ns=None, **settings): a bond named `name` over `members` (a "
      "count, a list of names or 'a,b,c'), its members getting carrier in member order at now (any time form) or "
      "time_ns (default 0). The settings are OvsBondConfig's, checked by the validate() the bond of an ovs-3.1 "
      "LAG spec passes too (the spec spells the three delays in integer ms, as OVS's other_config does; here "
      "they take any time form, in whole ms). An unknown keyword raises TypeError listing "
      "the accepted ones; a bad value TypeError/ValueError naming it. OvsBond(name, members, **bond.config) "
      "rebuilds the settings.\n\n" +
      settings_kwargs_doc<lag::OvsBondConfig>(&ovs_bond_defaults, {},
                                              "  now: when the bond is created (any time form; default 0)\n"
                                              "  time_ns: the same as integer nanoseconds",
                                              ovs_bond_aliases);
  static const std::string ovs_bond_config_doc =
      "The bond's settings as a dict (times in seconds, enums by name), from the table of the constructor's "
      "keywords:\n" +
      describe::settings_doc<lag::OvsBondConfig>();
  pyb::class_<OvsBond>(m, "OvsBond",
                       "Open vSwitch 3.1 bond bucket state: 256 buckets, first-use round robin, failover, rebalance, "
                       "bond/show. Times take seconds, '10ms', timedelta or timedelta64 (integer nanoseconds through "
                       "time_ns=). Safe to share between Python threads (every method holds the bond's lock; a Lag's "
                       "bond shares the Lag's lock).")
      .def(pyb::init([](const std::string& name, const pyb::object& members, const pyb::kwargs& kw) {
             // The settings come from OvsBondConfig's table and are checked by its validate(), which
             // the bond of a LAG spec passes too (the spec's millisecond integers are whole ms).
             // `primary` need not be a member: a standalone bond shows it as OVS does.
             lag::OvsBondConfig c;
             apply_settings(c, kw, "OvsBond", {}, {"now", "time_ns"}, SettingAliases<lag::OvsBondConfig>(ovs_bond_aliases));
             c.validate();
             const Time now = time_either(kwarg_or_none(kw, "now"), kwarg_or_none(kw, "time_ns"));
             return OvsBond(name, names_arg(members), std::move(c), now);
           }),
           pyb::arg("name"), pyb::arg("members"), ovs_bond_init_doc.c_str())
      .def_property_readonly("config", [](const OvsBond& b) { ObjectLock lock_(lock_key(b)); return to_python(describe::settings_json(b.config())); },
                             ovs_bond_config_doc.c_str())
      .def_property_readonly("name", &OvsBond::name, "The bond's name.")
      .def_property_readonly("members", [](const OvsBond& b) { ObjectLock lock_(lock_key(b));
        std::vector<std::string> out;
        for (MemberIndex i = 0; i < b.size(); ++i) out.push_back(b.member_name(i));
        return out;
      }, "Member names, in configuration order.")
      .def_property_readonly("mode", [](const OvsBond& b) { ObjectLock lock_(lock_key(b)); return std::string(lag::to_string(b.config().mode)); }, "bond_mode: balance-slb, balance-tcp or active-backup.")
      .def_property_readonly("basis", [](const OvsBond& b) { ObjectLock lock_(lock_key(b)); return b.config().basis; }, "other_config:bond-hash-basis.")
      .def("select", [](OvsBond& b, std::uint64_t h) { ObjectLock lock_(lock_key(b)); return name_or_none(b, b.select(h)); }, pyb::arg("hash"),
           "Member for a hash (bucket = hash & 0xff), assigning the bucket on first use; None = drop.")
      .def("peek", [](const OvsBond& b, std::uint64_t h) { ObjectLock lock_(lock_key(b)); return name_or_none(b, b.peek(h)); }, pyb::arg("hash"),
           "Member a hash maps to now, without assigning its bucket; None if unassigned or dropped.")
      .def("account", locked(&OvsBond::account), pyb::arg("hash"), pyb::arg("bytes"), "Adds transmitted bytes to the hash's bucket (rebalancing load).")
      .def("admit", [](const OvsBond& b, const pyb::object& member, const std::string& dst) { ObjectLock lock_(lock_key(b));
             return std::string(lag::to_string(b.admit(member_arg(b, member), net::Mac::parse(dst))));
           }, pyb::arg("member"), pyb::arg("dst_mac"), "'accept', 'drop' or 'drop-if-moved'")
      .def_property_readonly("active_member", [](const OvsBond& b) { ObjectLock lock_(lock_key(b)); return name_or_none(b, b.active_member()); }, "The active member (None: none enabled).")
      .def("set_carrier", [](OvsBond& b, const pyb::object& member, bool up, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(b));
             b.set_carrier(member_arg(b, member), up, time_either(now, t));
           }, pyb::arg("member"), pyb::arg("up"), pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "Carrier of a member (name or index) changed at now (seconds, '10ms', timedelta) or time_ns;\n"
           "applies at once unless updelay/downdelay hold it.")
      .def("run", [](OvsBond& b, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(b)); return b.run(time_either(now, t)); },
           pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "bond_run + bond_rebalance up to now (seconds, '10ms', timedelta) or time_ns: applies expired\n"
           "up/down delays, re-chooses the active member and runs every rebalance due, each at its time.\n"
           "Returns True if a rebalance ran (whether or not it moved a bucket).")
      .def("rebalance_now", locked(&OvsBond::rebalance_now), "Runs one rebalance pass now (ovs-appctl bond/rebalance).")
      .def("migrate", [](OvsBond& b, unsigned bucket, const pyb::object& member) { ObjectLock lock_(lock_key(b));
             if (bucket > 255) throw pyb::value_error(fmt::format("bucket {} out of range: expected 0..255", bucket));
             b.migrate(static_cast<std::uint8_t>(bucket), member_arg(b, member));
           }, pyb::arg("bucket"), pyb::arg("member"),
           "ovs-appctl bond/migrate: puts bucket (0..255) on member (name or index; must be enabled).")
      .def("set_active_member", [](OvsBond& b, const pyb::object& member) { ObjectLock lock_(lock_key(b)); b.set_active_member(member_arg(b, member)); },
           pyb::arg("member"), "ovs-appctl bond/set-active-member.")
      .def("is_enabled", [](const OvsBond& b, const pyb::object& member) { ObjectLock lock_(lock_key(b)); return b.is_enabled(member_arg(b, member)); },
           pyb::arg("member"), "Whether a member is enabled (carrier up and delays passed).")
      .def("bucket_member", [](const OvsBond& b, unsigned bucket) { ObjectLock lock_(lock_key(b));
             if (bucket > 255) throw pyb::value_error(fmt::format("bucket {} out of range: expected 0..255", bucket));
             return name_or_none(b, b.bucket_member(static_cast<std::uint8_t>(bucket)));
           }, pyb::arg("bucket"), "The member of bucket (0..255), or None if unassigned (a disabled member is reported as is).")
      .def("bucket_tx_bytes", [](const OvsBond& b, unsigned bucket) { ObjectLock lock_(lock_key(b));
             if (bucket > 255) throw pyb::value_error(fmt::format("bucket {} out of range: expected 0..255", bucket));
             return b.bucket_tx_bytes(static_cast<std::uint8_t>(bucket));
           }, pyb::arg("bucket"), "Accounted (decayed) bytes of bucket (0..255), the rebalancer's load.")
      .def_property_readonly("enabled_list", [](const OvsBond& b) { ObjectLock lock_(lock_key(b));
        std::vector<std::string> out;
        for (MemberIndex m : b.enabled_list()) out.push_back(b.member_name(m));
        return out;
      }, "The enabled members, head first: the next bucket to fill goes to the head.")
      .def("show", [](const OvsBond& b, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(b)); return b.show(time_either(now, t)); },
           pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "ovs-appctl bond/show text")
      .def("to_json", [](const OvsBond& b, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(b)); return to_python(b.to_json(time_either(now, t))); },
           pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "bond/show as a dict (the JSON twin of show()).")
      .def("take_log", locked(&OvsBond::take_log), "Log lines since the last call (OVS vswitchd bond messages).")
      .def("__repr__", [](const OvsBond& b) { ObjectLock lock_(lock_key(b)); return fmt::format("<OvsBond {} {}>", b.name(), lag::to_string(b.config().mode)); });

  pyb::class_<Lag>(m, "Lag",
                   "An ordered set of named members with link and LACP state, a hash policy and the distributor of a "
                   "real system, named by a LAG spec string (see fwd.lag). Safe to share between Python threads: every method "
                   "holds the Lag's lock (batches for their whole run), so calls from several threads are serialized.")
      .def(pyb::init([](const std::string& spec, const pyb::object& members) { return Lag::from_spec(spec, names_arg(members)); }),
           pyb::arg("spec"), pyb::arg("members"))
      .def_property_readonly("spec", &Lag::spec, "The canonical LAG spec.")
      .def_property_readonly("system", &Lag::system, "The canonical system name (fwd.describe.systems()).")
      .def_property_readonly("mode", &Lag::mode, "The system's mode, e.g. 802.3ad or lacp.")
      .def_property_readonly("order_dependent", &Lag::order_dependent,
                             "True when a choice depends on earlier frames (OVS buckets assigned on first use, round "
                             "robin): frames must go through in order; False: any split of a batch gives the same choices.")
      .def_property_readonly("follows", locked(&Lag::follows), "Which real system, version and mode this follows.")
      .def_property_readonly("policy", &Lag::policy, "The hash policy (fwd.hash.Policy).")
      .def_property_readonly("members", [](const Lag& l) { ObjectLock lock_(lock_key(l)); return std::vector<std::string>(l.names().begin(), l.names().end()); },
                             "Member names in the order they were added.")
      .def("__len__", locked(&Lag::size))
      .def("index_of", locked(&Lag::index_of), pyb::arg("name"), "A member's index by name.")
      .def("state", [](const Lag& l, const pyb::object& member) { ObjectLock lock_(lock_key(l));
             const auto& s = l.state(member_arg(l, member));
             pyb::dict d;
             d["link_up"] = s.link_up;
             d["admin_up"] = s.admin_up;
             d["attached"] = s.attached;
             d["collecting"] = s.collecting;
             d["distributing"] = s.distributing;
             d["aggregator"] = s.aggregator;
             d["partner_priority"] = s.partner_priority;
             d["speed_mbps"] = s.speed_mbps;
             d["ifindex"] = s.ifindex;
             return d;
           }, pyb::arg("member"), "A member's state as a dict (link_up, admin_up, LACP flags, aggregator, speed, ifindex).")
      .def("set_link", [](Lag& l, const pyb::object& member, bool up, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(l));
             l.set_link(member_arg(l, member), up, time_either(now, t));
           }, pyb::arg("member"), pyb::arg("up"), pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(), "Carrier up or down.")
      .def("fail", [](Lag& l, const pyb::args& members, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(l));
             for (auto m : members) l.set_link(member_arg(l, m), false, time_either(now, t));
           }, "Link down on each member given (names or indexes).", pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none())
      .def("recover", [](Lag& l, const pyb::args& members, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(l));
             for (auto m : members) l.set_link(member_arg(l, m), true, time_either(now, t));
           }, "Link up on each member given.", pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none())
      .def("set_admin", [](Lag& l, const pyb::object& member, bool up, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(l));
             l.set_admin(member_arg(l, member), up, time_either(now, t));
           }, pyb::arg("member"), pyb::arg("up"), pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "Administrative state of a member (ifconfig up/down).")
      .def("set_lacp", [](Lag& l, const pyb::object& member, bool attached, bool collecting, bool distributing,
                          const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(l));
             l.set_lacp(member_arg(l, member), attached, collecting, distributing, time_either(now, t));
           }, pyb::arg("member"), pyb::arg("attached") = true, pyb::arg("collecting") = true,
           pyb::arg("distributing") = true, pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "LACP state of a member: attached to the aggregator, collecting, distributing.")
      .def("set_state", [](Lag& l, const pyb::object& member, const pyb::kwargs& kw) { ObjectLock lock_(lock_key(l));
             const MemberIndex i = member_arg(l, member);
             auto s = l.state(i);
             std::optional<Time> t;
             for (auto item : kw) {
               const std::string k = item.first.cast<std::string>();
               const auto v = item.second;
               if (k == "link_up") s.link_up = bool_arg(v, "link_up");
               else if (k == "admin_up") s.admin_up = bool_arg(v, "admin_up");
               else if (k == "attached") s.attached = bool_arg(v, "attached");
               else if (k == "collecting") s.collecting = bool_arg(v, "collecting");
               else if (k == "distributing") s.distributing = bool_arg(v, "distributing");
               else if (k == "aggregator") s.aggregator = static_cast<std::uint16_t>(int_arg(v, "aggregator", 0, 0xffff));
               else if (k == "partner_priority") s.partner_priority = static_cast<std::uint16_t>(int_arg(v, "partner_priority", 0, 0xffff));
               else if (k == "speed_mbps") s.speed_mbps = static_cast<std::uint32_t>(int_arg(v, "speed_mbps", 0, 0xffffffffLL));
               else if (k == "ifindex") s.ifindex = static_cast<std::uint32_t>(int_arg(v, "ifindex", 0, 0xffffffffLL));
               else if (k == "now") t = time_arg(v, "now");
               else if (k == "time_ns") t = time_ns_arg(v, "time_ns");
               else
                 throw pyb::type_error(fmt::format("unknown member state '{}': expected link_up, admin_up, attached, "
                                                   "collecting, distributing, aggregator, partner_priority, speed_mbps, "
                                                   "ifindex, now, time_ns", k));
             }
             l.set_state(i, s, t.value_or(Time{}));
           }, pyb::arg("member"),
           "Sets any of link_up, admin_up, attached, collecting, distributing (True/False), aggregator, "
           "partner_priority, speed_mbps, ifindex (integers) at now= or time_ns=.")
      .def("add_member", [](Lag& l, const std::string& name, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(l)); return l.add_member(name, time_either(now, t)); },
           pyb::arg("name"), pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "Adds a member (link up, LACP distributing); returns its index.")
      .def("run", [](Lag& l, const pyb::object& now, const pyb::object& t) { ObjectLock lock_(lock_key(l)); l.run(time_either(now, t)); },
           pyb::arg("now") = pyb::none(), pyb::arg("time_ns") = pyb::none(),
           "Periodic work (OVS up/down delays, rebalancing).")
      .def("end_transit", locked(&Lag::end_transit), "FreeBSD LACP: marker responses returned; the transit window ends.")
      .def("hash", [](const Lag& l, const pyb::object& frame, const pyb::kwargs& kw) { ObjectLock lock_(lock_key(l));
             const auto f = frame_bytes(frame);
             return l.hash(f, packet_meta(kw));
           }, pyb::arg("frame"), "The value the distributor uses (policy hash, or FreeBSD flowid >> shift).")
      .def("select", [](Lag& l, const pyb::object& frame, const pyb::kwargs& kw) { ObjectLock lock_(lock_key(l));
             const auto f = frame_bytes(frame);
             const auto [t, meta] = split_kwargs(kw);
             return to_py(l, t ? l.select_at(f, meta, *t) : l.select(f, meta));
           }, pyb::arg("frame"),
           "The member for one frame -> Selection. Keyword packet metadata as for Policy.hash; now=T (seconds, '10ms', timedelta) or time_ns=N also "
           "honours time windows (FreeBSD LACP transit).")
      .def("select_hash", [](Lag& l, std::uint64_t h) { ObjectLock lock_(lock_key(l)); return to_py(l, l.select_hash(h)); }, pyb::arg("hash"),
           "The member for a given hash -> Selection.")
      .def("select_batch", [](Lag& l, const pyb::object& frames, const pyb::object& lengths, const pyb::object& threads) {
             const unsigned nthreads = threads_arg(threads);
             const FrameBatch b = frame_batch(frames, lengths);
             const hash::Policy::Batch batch{b.frames.data(), b.stride, b.count, b.lengths_ptr()};
             pyb::array_t<std::int16_t> out(b.count);
             auto* o = out.mutable_data();
             ObjectLock lock(lag_key(l));  // held for the whole batch: set_link() etc. wait for it
             if (nthreads == 1) {
               // In order, slice by slice (run_batch with one thread keeps the order).
               run_batch(b.count, 1, [&](std::size_t lo, std::size_t hi) { l.select_batch(sub_batch(batch, lo, hi), o + lo); });
               return out;
             }
             // The distributor may depend on the order of frames (OVS first-use buckets, round robin),
             // so only the hashing is split: hashes of a chunk on every thread, then the distributor
             // over them in order. Same values as select_batch: the policy's hash of each row, or 0
             // when the mode does not hash.
             const bool hashed = std::visit([](const auto& d) { return d.needs_hash(); }, l.distributor());
             std::vector<std::uint64_t> h(std::min(b.count, select_chunk));
             for (std::size_t base = 0; base < b.count; base += select_chunk) {
               const std::size_t n = std::min(select_chunk, b.count - base);
               const auto chunk = sub_batch(batch, base, base + n);
               if (hashed)
                 run_batch(n, nthreads, [&](std::size_t lo, std::size_t hi) { l.policy().hash_batch(sub_batch(chunk, lo, hi), h.data() + lo); });
               run_batch(n, 1, [&](std::size_t lo, std::size_t hi) { l.select_hash_batch(h.data() + lo, hi - lo, o + base + lo); });
             }
             return out;
           }, pyb::arg("frames"), pyb::arg("lengths") = pyb::none(), pyb::kw_only(), pyb::arg("threads") = 1,
           "Member index of each row of a 2-D uint8 frame array -> numpy.int16[n] (-1 dropped, -2 broadcast), "
           "honouring member state; frames are processed in order (OVS buckets, round robin). threads: 1 (default), "
           "N, or 0 for every core: the hashing is split over threads, the distributor runs in frame order, so the "
           "result is the same for any count. A Lag is safe to share between Python threads: the batch holds the "
           "Lag's lock while it runs without the GIL, and set_link()/run()/select() from other threads wait for it. "
           "Ctrl-C interrupts (KeyboardInterrupt).")
      .def("select_hash_batch", [](Lag& l, const pyb::array_t<std::uint64_t, pyb::array::c_style | pyb::array::forcecast>& h) {
             if (h.ndim() != 1) throw pyb::type_error("hashes must be a 1-D array");
             pyb::array_t<std::int16_t> out(h.size());
             auto* o = out.mutable_data();
             const auto* in = h.data();
             const std::size_t n = static_cast<std::size_t>(h.size());
             ObjectLock lock(lag_key(l));
             run_batch(n, 1, [&](std::size_t lo, std::size_t hi) { l.select_hash_batch(in + lo, hi - lo, o + lo); });
             return out;
           }, pyb::arg("hashes"), "select_batch over precomputed hashes (the Lag's lock held, in order, interruptible).")
      .def_property_readonly("order", [](const Lag& l) { ObjectLock lock_(lock_key(l));
        std::vector<std::string> out;
        for (MemberIndex m : l.order()) out.push_back(l.name(m));
        return out;
      }, "The array the distributor takes its index over, in its order.")
      .def_property_readonly("broadcast_members", [](const Lag& l) { ObjectLock lock_(lock_key(l));
        std::vector<std::string> out;
        for (MemberIndex m : l.broadcast_members()) out.push_back(l.name(m));
        return out;
      }, "The members a broadcast copy goes to (up members, in the distributor's order).")
      .def("explain", [](const Lag& l, const pyb::object& frame, const pyb::kwargs& kw) { ObjectLock lock_(lock_key(l));
             const auto f = frame_bytes(frame);
             return l.explain(f, packet_meta(kw));
           }, pyb::arg("frame"), "The hash walk and the distributor's step for one frame (state unchanged).")
      .def_property_readonly("bond", [](Lag& l) -> OvsBond* { ObjectLock lock_(lock_key(l)); return l.ovs_bond(); }, pyb::return_value_policy::reference_internal,
                             "The OvsBond state for ovs-3.1 LAGs, else None.")
      .def("what_if", [](const Lag& l, const pyb::object& frames, const pyb::object& fail, const pyb::object& add,
                         const pyb::object& lengths) {
             const FrameBatch b = frame_batch(frames, lengths);
             const hash::Policy::Batch batch{b.frames.data(), b.stride, b.count, b.lengths_ptr()};
             const auto f = str_list(fail, "fail");
             const auto a = str_list(add, "add");
             ObjectLock lock(lag_key(l));
             pyb::gil_scoped_release nogil;
             return lag::what_if(l, batch, f, a);
           }, pyb::arg("frames"), pyb::kw_only(), pyb::arg("fail") = pyb::none(), pyb::arg("add") = pyb::none(),
           pyb::arg("lengths") = pyb::none(),
           "Flows per member before and after failing and/or adding members (this LAG is not changed).")
      .def(pyb::pickle(
               [](const Lag& l) {
                 ObjectLock lock(lag_key(l));
                 pyb::list states;
                 for (const auto& s : l.states())
                   states.append(pyb::make_tuple(s.link_up, s.admin_up, s.attached, s.collecting, s.distributing,
                                                 s.aggregator, s.partner_priority, s.speed_mbps, s.ifindex));
                 return pyb::make_tuple(l.spec(), std::vector<std::string>(l.names().begin(), l.names().end()), states);
               },
               [](const pyb::tuple& t) {
                 if (t.size() != 3) throw pyb::value_error("Lag pickle: expected (spec, members, states)");
                 Lag l = Lag::from_spec(t[0].cast<std::string>(), t[1].cast<std::vector<std::string>>());
                 const auto states = t[2].cast<pyb::list>();
                 if (states.size() != l.size()) throw pyb::value_error("Lag pickle: one state per member expected");
                 for (std::size_t i = 0; i < l.size(); ++i) {
                   const auto st = states[i].cast<pyb::tuple>();
                   lag::MemberState s{st[0].cast<bool>(), st[1].cast<bool>(), st[2].cast<bool>(), st[3].cast<bool>(),
                                      st[4].cast<bool>(), st[5].cast<std::uint16_t>(), st[6].cast<std::uint16_t>(),
                                      st[7].cast<std::uint32_t>(), st[8].cast<std::uint32_t>()};
                   const auto& now = l.state(static_cast<MemberIndex>(i));
                   const bool same = s.link_up == now.link_up && s.admin_up == now.admin_up && s.attached == now.attached &&
                                     s.collecting == now.collecting && s.distributing == now.distributing &&
                                     s.aggregator == now.aggregator && s.partner_priority == now.partner_priority &&
                                     s.speed_mbps == now.speed_mbps && s.ifindex == now.ifindex;
                   if (!same) l.set_state(static_cast<MemberIndex>(i), s);
                 }
                 return l;
               }),
           "Pickles as its spec, members and member states, re-applied in member order: the distributor's "
           "history (OVS bucket assignments, round-robin position, the order past state changes happened in) "
           "starts afresh, as in a Lag built from the same spec and states.")
      .def("copy", [](const Lag& l) { ObjectLock lock_(lock_key(l)); return Lag(l); }, "An independent copy (state included).")
      .def("__copy__", [](const Lag& l) { ObjectLock lock_(lock_key(l)); return Lag(l); })
      .def("__deepcopy__", [](const Lag& l, const pyb::object&) { ObjectLock lock_(lock_key(l)); return Lag(l); })
      .def("to_text", locked(&Lag::to_text), "Members, state and order as text (also str()).")
      .def("to_json", [](const Lag& l) { ObjectLock lock_(lock_key(l)); return to_python(l.to_json()); }, "Members, state and order as a dict (the JSON twin of str()).")
      .def("__str__", locked(&Lag::to_text))
      .def("__repr__", [](const Lag& l) { ObjectLock lock_(lock_key(l));
        std::string names;
        for (const auto& n : l.names()) names += (names.empty() ? "'" : ", '") + n + "'";
        return fmt::format("Lag('{}', [{}])", l.spec(), names);
      });

  m.attr("BATCH_DROPPED") = lag::batch_dropped;
  m.attr("BATCH_BROADCAST") = lag::batch_broadcast;
  m.attr("MAX_MEMBERS") = lag::max_members;
}

}  // namespace fwd::py
