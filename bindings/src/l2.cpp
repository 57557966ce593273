// fwd._fwd.l2: MacTable, flap detection and Switch. Times are float seconds (or int ns with the
// *_ns forms); frames are bytes-like; ports and links may be given by name or id.
#include <pybind11/stl.h>

#include <cmath>

#include <fmt/format.h>

#include "describe.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/l2/switch.hpp"

namespace fwd::py {

namespace pyb = pybind11;
using namespace fwd::l2;

namespace {



std::uint16_t vlan_arg(long long v) {
  if (v < 0 || v > 4095) throw pyb::value_error(fmt::format("invalid VLAN id {}: expected 0..4095", v));
  return static_cast<std::uint16_t>(v);
}

std::optional<std::uint16_t> opt_vlan(const pyb::object& v) {
  if (v.is_none()) return std::nullopt;
  return vlan_arg(v.cast<long long>());
}

PortId port_arg(const Switch& sw, const pyb::handle& h) {
  if (pyb::isinstance<pyb::str>(h)) return sw.port_id(h.cast<std::string>());
  const auto v = h.cast<long long>();
  if (v < 0 || static_cast<std::size_t>(v) >= sw.port_count())
    throw pyb::value_error(fmt::format("invalid port id {}: the switch has {} ports", v, sw.port_count()));
  return static_cast<PortId>(v);
}

LinkId link_arg(const Switch& sw, const pyb::handle& h) {
  if (pyb::isinstance<pyb::str>(h)) return sw.link_id(h.cast<std::string>());
  const auto v = h.cast<long long>();
  if (v < 0 || static_cast<std::size_t>(v) >= sw.link_count())
    throw pyb::value_error(fmt::format("invalid link id {}: the switch has {} links", v, sw.link_count()));
  return static_cast<LinkId>(v);
}

pyb::dict event_dict(const Event& e, const Switch* sw) {
  pyb::dict d;
  d["time"] = e.time.seconds();
  d["kind"] = to_string(e.kind);
  d["mac"] = e.mac.to_string();
  d["vlan"] = e.vlan;
  auto port = [&](PortId p) -> pyb::object {
    if (p == no_port) return pyb::none();
    if (sw) return pyb::str(sw->port_name(p));
    return pyb::int_(p);
  };
  d["from_port"] = port(e.from);
  d["to_port"] = port(e.to);
  d["count"] = e.count;
  d["action"] = to_string(e.action);
  return d;
}

pyb::list events_list(const std::vector<Event>& ev, const Switch* sw) {
  pyb::list l;
  for (const auto& e : ev) l.append(event_dict(e, sw));
  return l;
}

// A decision with the egress copies rendered, as Python sees it.
struct PyDecision {
  Decision d;
  std::vector<std::tuple<std::string, std::string, pyb::bytes>> egress;  // port, link, bytes
};

PyDecision make_decision(Switch& sw, const Decision& d, const std::vector<std::uint8_t>& frame) {
  PyDecision out;
  out.d = d;
  for (const auto& e : d.egress) {
    const auto b = Switch::render(net::Bytes(frame.data(), frame.size()), e);
    out.egress.emplace_back(sw.port_name(e.port), sw.link_name(e.link),
                            pyb::bytes(reinterpret_cast<const char*>(b.data()), b.size()));
  }
  return out;
}

Datapath datapath_arg(const std::string& s) {
  if (s == "automatic" || s == "auto") return Datapath::automatic;
  if (s == "miss" || s == "none") return Datapath::miss;
  if (s == "hit") return Datapath::hit;
  throw pyb::value_error(fmt::format("unknown datapath '{}': expected automatic, miss or hit", s));
}

/// Pickled forms of the l2 configurations: every field, as plain values; enums by value, checked.
template <class E> E enum_state(const pyb::handle& v, int count, const char* what) {
  const int i = v.cast<int>();
  if (i < 0 || i >= count) throw pyb::value_error(fmt::format("{} pickle: value {} out of range 0..{}", what, i, count - 1));
  return static_cast<E>(i);
}
pyb::tuple lag_config_state(const LagConfig& c) {
  return pyb::make_tuple(c.members, c.spec, c.first_rebalance_ms ? pyb::cast(*c.first_rebalance_ms) : pyb::none());
}
LagConfig lag_config_from(const pyb::tuple& t) {
  if (t.size() != 3) throw pyb::value_error("LagConfig pickle: expected (members, spec, first_rebalance_ms)");
  LagConfig c;
  c.members = t[0].cast<std::vector<std::string>>();
  c.spec = t[1].cast<std::string>();
  if (!t[2].is_none()) c.first_rebalance_ms = t[2].cast<std::int64_t>();
  return c;
}
pyb::tuple port_config_state(const PortConfig& p) {
  const auto opt = [](const auto& o) { return o ? pyb::cast(*o) : pyb::none(); };
  return pyb::make_tuple(p.name, p.mac ? pyb::cast(p.mac->to_string()) : pyb::none(), p.learning, p.flood,
                         p.mcast_flood, p.bcast_flood, p.hairpin, p.locked, p.sticky, static_cast<int>(p.vlan_mode),
                         opt(p.tag), p.trunks, opt(p.pvid), p.vlans, p.untagged,
                         p.lag ? pyb::object(lag_config_state(*p.lag)) : pyb::none());
}
PortConfig port_config_from(const pyb::tuple& t) {
  if (t.size() != 16) throw pyb::value_error("PortConfig pickle: expected 16 fields");
  PortConfig p;
  p.name = t[0].cast<std::string>();
  if (!t[1].is_none()) p.mac = net::Mac::parse(t[1].cast<std::string>());
  p.learning = t[2].cast<bool>();
  p.flood = t[3].cast<bool>();
  p.mcast_flood = t[4].cast<bool>();
  p.bcast_flood = t[5].cast<bool>();
  p.hairpin = t[6].cast<bool>();
  p.locked = t[7].cast<bool>();
  p.sticky = t[8].cast<bool>();
  p.vlan_mode = enum_state<VlanMode>(t[9], 6, "PortConfig.vlan_mode");
  if (!t[10].is_none()) p.tag = t[10].cast<std::uint16_t>();
  p.trunks = t[11].cast<std::vector<std::uint16_t>>();
  if (!t[12].is_none()) p.pvid = t[12].cast<std::uint16_t>();
  p.vlans = t[13].cast<std::vector<std::uint16_t>>();
  p.untagged = t[14].cast<std::vector<std::uint16_t>>();
  if (!t[15].is_none()) p.lag = lag_config_from(t[15].cast<pyb::tuple>());
  return p;
}

}  // namespace

void bind_l2(pyb::module_& m) {
  pyb::enum_<Profile>(m, "Profile", "The real system a switch follows.")
      .value("linux_bridge", Profile::linux_bridge)
      .value("freebsd_bridge", Profile::freebsd_bridge)
      .value("ovs_3_1", Profile::ovs_3_1)
      .value("vendor", Profile::vendor);
  bind_enum<FlapAction>(m, "FlapAction", "What a flap detector does when a key crosses its threshold.");
  bind_enum<FlapWindow>(m, "FlapWindow", "How a flap detector counts moves in time.");
  bind_enum<FlapScope>(m, "FlapScope", "What a flap detector counts moves of.");
  bind_enum<FlapEmit>(m, "FlapEmit", "When a flap detector emits an event.");
  pyb::enum_<Overflow>(m, "Overflow")
      .value("refuse", Overflow::refuse)
      .value("evict_lru_of_busiest_port", Overflow::evict_lru_of_busiest_port);

  static const std::string flap_doc = describe::settings_doc<FlapConfig>();
  pyb::class_<FlapConfig>(m, "FlapConfig", flap_doc.c_str())
      .def(pyb::init([](bool enabled, unsigned threshold, const pyb::object& window_s, FlapWindow window_kind, FlapScope scope,
                        FlapEmit emit, const pyb::object& log_rate_limit_s, FlapAction action, const pyb::object& action_hold_s,
                        unsigned tracked_keys) {
             FlapConfig c;
             c.enabled = enabled;
             c.threshold = threshold;
             c.window = time_arg(window_s, "window");
             c.window_kind = window_kind;
             c.scope = scope;
             c.emit = emit;
             c.log_rate_limit = time_arg(log_rate_limit_s, "log_rate_limit");
             c.action = action;
             c.action_hold = time_arg(action_hold_s, "action_hold");
             c.tracked_keys = tracked_keys;
             c.validate();
             return c;
           }),
           pyb::arg("enabled") = true, pyb::arg("threshold") = 3, pyb::arg("window") = 1.0,
           pyb::arg("window_kind") = FlapWindow::sliding, pyb::arg("scope") = FlapScope::per_mac_vlan,
           pyb::arg("emit") = FlapEmit::once_per_window, pyb::arg("log_rate_limit") = 0.0,
           pyb::arg("action") = FlapAction::none, pyb::arg("action_hold") = 0.0, pyb::arg("tracked_keys") = 1024)
      .def_static("preset", &FlapConfig::preset, pyb::arg("name"),
                  "Preset by name: linux-6.x, freebsd-9.3, freebsd-14, juniper-ex, hpe-comware, huawei, "
                  "evpn-rfc7432, cisco-ios, vendor, ovs-3.1.")
      .def_static("preset_names", &FlapConfig::preset_names, "Names accepted by preset().")
      .def("to_json", [](const FlapConfig& c) { return to_python(describe::settings_json(c)); },
           "The settings as a dict (times in seconds, enums by name), from the same table as the docstring.")
      .def_readwrite("enabled", &FlapConfig::enabled, "Flap detection on.")
      .def_readwrite("threshold", &FlapConfig::threshold, "N moves within `window` make a flap.")
      .def_property("window", [](const FlapConfig& c) { return c.window.seconds(); },
                    [](FlapConfig& c, const pyb::object& s) { c.window = time_arg(s, "window"); },
                    "The window T in seconds (set: any time form).")
      .def_readwrite("window_kind", &FlapConfig::window_kind, "FlapWindow: sliding or fixed.")
      .def_readwrite("scope", &FlapConfig::scope, "FlapScope: per (MAC, VLAN) or per port.")
      .def_readwrite("emit", &FlapConfig::emit, "FlapEmit: when events are emitted.")
      .def_readwrite("action", &FlapConfig::action, "FlapAction taken at the threshold.")
      .def_property("action_hold", [](const FlapConfig& c) { return c.action_hold.seconds(); },
                    [](FlapConfig& c, const pyb::object& s) { c.action_hold = time_arg(s, "action_hold"); },
                    "How long an action holds, in seconds (0: until cleared).")
      .def(pyb::pickle(  // every field, times in ns, enums by value
               [](const FlapConfig& c) {
                 return pyb::make_tuple(c.enabled, c.threshold, c.window.ns, static_cast<int>(c.window_kind),
                                        static_cast<int>(c.scope), static_cast<int>(c.emit), c.log_rate_limit.ns,
                                        static_cast<int>(c.action), c.action_hold.ns, c.tracked_keys);
               },
               [](const pyb::tuple& t) {
                 if (t.size() != 10) throw pyb::value_error("FlapConfig pickle: expected 10 fields");
                 FlapConfig c;
                 c.enabled = t[0].cast<bool>();
                 c.threshold = t[1].cast<std::uint32_t>();
                 c.window = Time::from_ns(t[2].cast<std::int64_t>());
                 c.window_kind = enum_state<FlapWindow>(t[3], 2, "FlapConfig.window_kind");
                 c.scope = enum_state<FlapScope>(t[4], 2, "FlapConfig.scope");
                 c.emit = enum_state<FlapEmit>(t[5], 3, "FlapConfig.emit");
                 c.log_rate_limit = Time::from_ns(t[6].cast<std::int64_t>());
                 c.action = enum_state<FlapAction>(t[7], 5, "FlapConfig.action");
                 c.action_hold = Time::from_ns(t[8].cast<std::int64_t>());
                 c.tracked_keys = t[9].cast<std::uint32_t>();
                 c.validate();
                 return c;
               }))
      .def("__repr__", [](const FlapConfig& c) {
        return fmt::format("<FlapConfig enabled={} threshold={} window={}s {} {} emit={} action={}>", c.enabled,
                           c.threshold, c.window.seconds(), to_string(c.window_kind), to_string(c.scope),
                           to_string(c.emit), to_string(c.action));
      });

  pyb::class_<MacTable>(m, "MacTable",
                        "Forwarding database (VLAN, MAC) -> port with ageing, capacity, moves and flap "
                        "detection. Ports are integers; times are seconds.\n\n"
                        "Thread rules: safe to share between Python threads. Every method holds the GIL for "
                        "the whole call (none releases it), so calls from two threads run one after the other, "
                        "never interleaved; the order between threads is the scheduler's.")
      .def(pyb::init([](const std::string& profile, pyb::object ageing, pyb::object max_entries, int ports,
                        pyb::object flap, std::size_t event_capacity, bool record_learned) {
             TableConfig c;
             switch (parse_profile(profile)) {
               case Profile::linux_bridge: c = TableConfig::linux_bridge(); break;
               case Profile::freebsd_bridge: c = TableConfig::freebsd_bridge(); break;
               case Profile::ovs_3_1: c = TableConfig::ovs(); break;
               case Profile::vendor: c = TableConfig::vendor(); break;
             }
             if (!ageing.is_none()) c.ageing = time_arg(ageing, "ageing");
             if (!max_entries.is_none()) c.max_entries = max_entries.cast<std::size_t>();
             if (ports < 1 || ports >= no_port)
               throw pyb::value_error(fmt::format("invalid ports={}: expected 1..65534", ports));
             c.ports = static_cast<PortId>(ports);
             if (!flap.is_none()) c.flap = flap.cast<FlapConfig>();
             c.event_capacity = event_capacity;
             if (record_learned) c.events = event_mask::all;
             return std::make_unique<MacTable>(c);
           }),
           pyb::arg("profile") = "linux-bridge", pyb::arg("ageing") = pyb::none(),
           pyb::arg("max_entries") = pyb::none(), pyb::arg("ports") = 256, pyb::arg("flap") = pyb::none(),
           pyb::arg("event_capacity") = 4096, pyb::arg("record_learned") = false)
      .def(
          "learn",
          [](MacTable& t, const pyb::object& mac, int port, const pyb::object& now, long long vlan, bool gratuitous_arp,
             bool from_bond) {
            if (port < 0 || port >= t.config().ports)
              throw pyb::value_error(fmt::format("invalid port {}: expected 0..{}", port, t.config().ports - 1));
            const auto r = t.learn(vlan_arg(vlan), mac_arg(mac), static_cast<PortId>(port), time_arg(now, "now"),
                                   LearnOptions(gratuitous_arp, from_bond, false));
            pyb::dict d;
            d["status"] = to_string(r.status);
            d["from_port"] = r.from == no_port ? pyb::object(pyb::none()) : pyb::object(pyb::int_(r.from));
            d["flap_event"] = r.flap_event;
            return d;
          },
          pyb::arg("mac"), pyb::arg("port"), pyb::arg("now"), pyb::arg("vlan") = 0,
          pyb::arg("gratuitous_arp") = false, pyb::arg("from_bond") = false,
          "A frame from `mac` arrived on `port`: returns {status, from_port, flap_event}.")
      .def(
          "lookup",
          [](MacTable& t, const pyb::object& mac, const pyb::object& now, long long vlan) -> pyb::object {
            const Hit h = t.lookup(vlan_arg(vlan), mac_arg(mac), time_arg(now, "now"));
            if (!h) return pyb::none();
            return pyb::int_(h.port);
          },
          pyb::arg("mac"), pyb::arg("now"), pyb::arg("vlan") = 0, "Port of `mac` or None if unknown/expired.")
      .def(
          "add_static",
          [](MacTable& t, const pyb::object& mac, int port, long long vlan, bool sticky) {
            if (port < 0 || port >= t.config().ports)
              throw pyb::value_error(fmt::format("invalid port {}: expected 0..{}", port, t.config().ports - 1));
            t.add_static(vlan_arg(vlan), mac_arg(mac), static_cast<PortId>(port), sticky);
          },
          pyb::arg("mac"), pyb::arg("port"), pyb::arg("vlan") = 0, pyb::arg("sticky") = false)
      .def(
          "remove", [](MacTable& t, const pyb::object& mac, long long vlan) { return t.remove(vlan_arg(vlan), mac_arg(mac)); },
          pyb::arg("mac"), pyb::arg("vlan") = 0)
      .def(
          "flush",
          [](MacTable& t, pyb::object port, pyb::object vlan, bool include_static) {
            if (!port.is_none()) return t.flush_port(static_cast<PortId>(port.cast<int>()), include_static);
            if (!vlan.is_none()) return t.flush_vlan(vlan_arg(vlan.cast<long long>()), include_static);
            return t.flush(include_static);
          },
          pyb::arg("port") = pyb::none(), pyb::arg("vlan") = pyb::none(), pyb::arg("include_static") = false,
          "Removes dynamic entries (of one port / VLAN if given; static ones too with include_static); returns "
          "how many.")
      .def("age", [](MacTable& t, const pyb::object& now) { return t.age(time_arg(now, "now")); }, pyb::arg("now"),
           "Removes entries expired at `now`; returns how many.")
      .def(
          "entries",
          [](const MacTable& t, const pyb::object& now) {
            pyb::list l;
            for (const auto& e : t.entries(time_arg(now, "now"))) {
              pyb::dict d;
              d["mac"] = e.mac.to_string();
              d["vlan"] = e.vlan;
              d["port"] = e.port;
              d["static"] = e.is_static;
              d["sticky"] = e.sticky;
              d["age"] = e.age_s;
              d["updated"] = e.updated.seconds();
              l.append(d);
            }
            return l;
          },
          pyb::arg("now"), "Live entries sorted by MAC then VLAN.")
      .def_property_readonly("counters", [](const MacTable& t) { return fields_dict(t.counters()); },
                             describe::fields_doc<TableCounters>().c_str())
      .def_property_readonly("flap_counters", [](const MacTable& t) { return fields_dict(t.flap().counters()); },
                             describe::fields_doc<FlapCounters>().c_str())
      .def("drain_events", [](MacTable& t) { return events_list(t.drain_events(), nullptr); },
           "Table events since the last call (moves, flaps, expiries, ...) as dicts.")
      .def_property_readonly("memory_bytes", &MacTable::memory_bytes, "Bytes the table holds (buckets and state).")
      .def("__len__", &MacTable::size)
      .def("__repr__", [](const MacTable& t) {
        const auto max = t.config().max_entries;
        return fmt::format("<MacTable entries={} max={} ageing={}s>", t.size(), max ? std::to_string(max) : "none",
                           t.config().ageing.seconds());
      });

  pyb::class_<LagConfig>(m, "LagConfig",
                         "A LAG port: member links and a fwd.lag spec string (one parser for every LAG setting).")
      .def(pyb::init([](std::vector<std::string> members, std::string spec, pyb::object mode, pyb::object basis,
                        pyb::object rebalance_interval_ms, pyb::object primary, pyb::object lacp,
                        pyb::object updelay_ms, pyb::object downdelay_ms, pyb::object first_rebalance_ms) {
             LagConfig c;
             c.members = std::move(members);
             // The OVS bond columns as keywords are spelled into an ovs-3.1 spec, which
             // fwd::lag::Lag::from_spec validates like any other.
             std::string opts;
             auto add = [&](const char* key, const pyb::object& v) {
               if (!v.is_none()) opts += fmt::format(";{}={}", key, pyb::str(v).cast<std::string>());
             };
             add("basis", basis);
             add("rebalance_interval", rebalance_interval_ms);
             if (!primary.is_none() && !primary.cast<std::string>().empty()) add("primary", primary);
             add("lacp", lacp);
             add("updelay", updelay_ms);
             add("downdelay", downdelay_ms);
             if (!spec.empty() && (!mode.is_none() || !opts.empty()))
               throw pyb::value_error("LagConfig: give either spec or the OVS bond keywords (mode, basis, "
                                      "rebalance_interval_ms, primary, lacp, updelay_ms, downdelay_ms), not both");
             if (!mode.is_none() || !opts.empty())
               spec = "ovs-3.1:" + (mode.is_none() ? std::string("balance-slb") : mode.cast<std::string>()) + opts;
             c.spec = std::move(spec);
             if (!first_rebalance_ms.is_none()) c.first_rebalance_ms = first_rebalance_ms.cast<std::int64_t>();
             return c;
           }),
           pyb::arg("members"), pyb::arg("spec") = "", pyb::arg("mode") = pyb::none(), pyb::arg("basis") = pyb::none(),
           pyb::arg("rebalance_interval_ms") = pyb::none(), pyb::arg("primary") = pyb::none(),
           pyb::arg("lacp") = pyb::none(), pyb::arg("updelay_ms") = pyb::none(), pyb::arg("downdelay_ms") = pyb::none(),
           pyb::arg("first_rebalance_ms") = pyb::none(),
           "members: member link names. spec: a fwd.lag spec (default: the switch profile's). The keywords "
           "mode/basis/rebalance_interval_ms/primary/lacp (off, active, passive)/updelay_ms/downdelay_ms "
           "build an ovs-3.1 bond spec instead. first_rebalance_ms: OVS rebalance timer phase.")
      .def_readwrite("members", &LagConfig::members)
      .def_readwrite("spec", &LagConfig::spec)
      .def(pyb::pickle(&lag_config_state, &lag_config_from))
      .def("__repr__", [](const LagConfig& c) {
        return fmt::format("LagConfig({} members, spec='{}')", c.members.size(), c.spec);
      });

  pyb::class_<PortConfig>(m, "PortConfig", "One port: flags, VLAN settings, LAG members.")
      .def(pyb::init([](std::string name, pyb::object mac, bool learning, bool flood, bool mcast_flood,
                        bool bcast_flood, bool hairpin, bool locked, bool sticky, pyb::object tag,
                        std::vector<int> trunks, std::string vlan_mode, pyb::object pvid, std::vector<int> vlans,
                        std::vector<int> untagged, pyb::object lag) {
             PortConfig p;
             p.name = std::move(name);
             if (!mac.is_none()) p.mac = mac_arg(mac);
             p.learning = learning;
             p.flood = flood;
             p.mcast_flood = mcast_flood;
             p.bcast_flood = bcast_flood;
             p.hairpin = hairpin;
             p.locked = locked;
             p.sticky = sticky;
             if (!tag.is_none()) p.tag = vlan_arg(tag.cast<long long>());
             for (int v : trunks) p.trunks.push_back(vlan_arg(v));
             if (vlan_mode.empty() || vlan_mode == "automatic") p.vlan_mode = VlanMode::automatic;
             else if (vlan_mode == "access") p.vlan_mode = VlanMode::access;
             else if (vlan_mode == "trunk") p.vlan_mode = VlanMode::trunk;
             else if (vlan_mode == "native-untagged") p.vlan_mode = VlanMode::native_untagged;
             else if (vlan_mode == "native-tagged") p.vlan_mode = VlanMode::native_tagged;
             else if (vlan_mode == "linux") p.vlan_mode = VlanMode::linux;
             else
               throw pyb::value_error(fmt::format(
                   "unknown vlan_mode '{}': expected automatic, access, trunk, native-untagged, native-tagged, linux",
                   vlan_mode));
             if (!pvid.is_none()) p.pvid = vlan_arg(pvid.cast<long long>());
             for (int v : vlans) p.vlans.push_back(vlan_arg(v));
             for (int v : untagged) p.untagged.push_back(vlan_arg(v));
             if (!lag.is_none()) p.lag = lag.cast<LagConfig>();
             return p;
           }),
           pyb::arg("name"), pyb::arg("mac") = pyb::none(), pyb::arg("learning") = true, pyb::arg("flood") = true,
           pyb::arg("mcast_flood") = true, pyb::arg("bcast_flood") = true, pyb::arg("hairpin") = false,
           pyb::arg("locked") = false, pyb::arg("sticky") = false, pyb::arg("tag") = pyb::none(),
           pyb::arg("trunks") = std::vector<int>{}, pyb::arg("vlan_mode") = "automatic",
           pyb::arg("pvid") = pyb::none(), pyb::arg("vlans") = std::vector<int>{},
           pyb::arg("untagged") = std::vector<int>{}, pyb::arg("lag") = pyb::none())
      .def_readonly("name", &PortConfig::name, "The port's name.")
      .def(pyb::pickle(&port_config_state, &port_config_from))
      .def("__repr__", [](const PortConfig& p) {
        return fmt::format("PortConfig('{}'{}{}{})", p.name, p.lag ? ", lag" : "", p.tag ? fmt::format(", tag={}", *p.tag) : "",
                           p.vlan_mode == VlanMode::automatic ? "" : fmt::format(", vlan_mode={}", to_string(p.vlan_mode)));
      });

  pyb::class_<PyDecision>(m, "Decision", "What the switch did with one frame.")
      .def_property_readonly("verdict", [](const PyDecision& d) { return to_string(d.d.verdict); },
                             ("What happened to the frame:\n" + describe::enumerators_doc<Verdict>()).c_str())
      .def_property_readonly("reason", [](const PyDecision& d) -> pyb::object {
        if (d.d.reason == DropReason::none) return pyb::none();
        return pyb::str(to_string(d.d.reason));
      }, ("Why the frame was dropped (None if it was not):\n" + describe::enumerators_doc<DropReason>()).c_str())
      .def_property_readonly("vlan", [](const PyDecision& d) -> pyb::object {
        if (d.d.vlan == 0xffff) return pyb::none();
        return pyb::int_(d.d.vlan);
      }, "The VLAN the frame was classified into (None: no VLAN).")
      .def_property_readonly("learn", [](const PyDecision& d) { return to_string(d.d.learn); },
                             ("How learning the source ended:\n" + describe::enumerators_doc<LearnStatus>()).c_str())
      .def_property_readonly("learn_deferred", [](const PyDecision& d) { return d.d.learn_deferred; },
                             "OVS: the frame hit a cached flow; its learning is applied hit_learning_delay later.")
      .def_property_readonly("datapath_hit", [](const PyDecision& d) { return d.d.datapath_hit; },
                             "OVS: the frame hit the datapath flow cache.")
      .def_property_readonly("egress", [](const PyDecision& d) {
        pyb::dict out;  // link name -> bytes (a list when a link got more than one copy)
        for (const auto& [port, link, bytes] : d.egress) {
          pyb::str k(link);
          if (out.contains(k)) {
            pyb::object prev = out[k];
            pyb::list l;
            if (pyb::isinstance<pyb::list>(prev)) l = prev.cast<pyb::list>();
            else l.append(prev);
            l.append(bytes);
            out[k] = l;
          } else {
            out[k] = bytes;
          }
        }
        return out;
      }, "Copies sent: link name -> frame bytes (a list when a link got more than one copy).")
      .def_property_readonly("egress_ports", [](const PyDecision& d) {
        std::vector<std::string> v;
        for (const auto& e : d.egress) v.push_back(std::get<0>(e));
        return v;
      }, "The port of each copy, in order.")
      .def("__repr__", [](const PyDecision& d) {
        std::string links;
        for (const auto& e : d.egress) links += (links.empty() ? "" : ",") + std::get<1>(e);
        return fmt::format("<Decision {}{}{} egress=[{}]>", to_string(d.d.verdict),
                           d.d.reason == DropReason::none ? "" : " reason=", d.d.reason == DropReason::none ? "" : to_string(d.d.reason), links);
      });

  pyb::class_<Switch>(m, "Switch",
                      "An L2 switch following a named system: linux-bridge, freebsd-bridge, ovs-3.1, vendor.\n\n"
                      "ovs-3.1: a frame that hits a cached datapath flow has its learning and its bond load applied "
                      "at the next revalidator dump; dumps run every revalidator_interval seconds (OVS default "
                      "0.5) at revalidator_phase (seconds, the time of one dump; the phase is fixed when the "
                      "bridge starts). Bond rebalances run at the first dump after they are due.\n\n"
                      "Thread rules: safe to share between Python threads. Every method holds the GIL for the "
                      "whole call (none releases it), so calls from two threads run one after the other, never "
                      "interleaved; the order between threads is the scheduler's. The Lag and OvsBond objects "
                      "a Switch hands out (lag(), bond()) belong to it: use them under the same rule.")
            .def(pyb::init([](const std::string& profile, const pyb::object& port_list, pyb::object ageing,
                        pyb::object max_entries, const pyb::object& vlan_aware_arg, pyb::object bridge_mac, int group_fwd_mask,
                        bool no_linklocal_learn, bool stp, bool forward_bpdu, const pyb::object& revalidator_interval,
                        const pyb::object& revalidator_phase,
                        pyb::object flap, std::string name, std::size_t event_capacity, bool record_learned) {
             // Ports: PortConfig objects or plain names; converted here so a wrong element names
             // itself instead of producing a pybind11 signature dump.
             std::vector<PortConfig> ports;
             if (pyb::isinstance<pyb::str>(port_list) || !pyb::isinstance<pyb::iterable>(port_list))
               throw pyb::type_error("ports: expected a list of port names or fwd.l2.PortConfig");
             for (auto p : port_list) {
               if (pyb::isinstance<PortConfig>(p)) ports.push_back(p.cast<PortConfig>());
               else if (pyb::isinstance<pyb::str>(p)) ports.push_back(PortConfig{.name = p.cast<std::string>()});
               else
                 throw pyb::type_error(fmt::format("ports: expected port names or fwd.l2.PortConfig; got {}",
                                                   std::string(pyb::str(p.get_type().attr("__name__")))));
             }
             const bool vlan_aware = bool_arg(vlan_aware_arg, "vlan_aware");
             SwitchConfig c = SwitchConfig::defaults(parse_profile(profile));
             c.name = std::move(name);
             if (!ageing.is_none()) c.ageing = time_arg(ageing, "ageing");
             if (!max_entries.is_none()) c.max_entries = max_entries.cast<std::size_t>();
             if (vlan_aware) c.vlan_aware = true;
             if (!bridge_mac.is_none()) c.bridge_mac = mac_arg(bridge_mac);
             if (group_fwd_mask < 0 || group_fwd_mask > 0xffff)
               throw pyb::value_error(fmt::format("invalid group_fwd_mask {}: expected 0..0xfff8", group_fwd_mask));
             c.group_fwd_mask = static_cast<std::uint16_t>(group_fwd_mask);
             c.no_linklocal_learn = no_linklocal_learn;
             c.stp = stp;
             c.forward_bpdu = forward_bpdu;
             c.revalidator_interval = time_arg(revalidator_interval, "revalidator_interval");
             c.revalidator_phase = time_arg(revalidator_phase, "revalidator_phase");
             if (!flap.is_none()) c.flap = flap.cast<FlapConfig>();
             c.event_capacity = event_capacity;
             if (record_learned) c.events = event_mask::all;
             return std::make_unique<Switch>(std::move(c), std::move(ports));
           }),
           pyb::arg("profile"), pyb::arg("ports"), pyb::arg("ageing") = pyb::none(),
           pyb::arg("max_entries") = pyb::none(), pyb::arg("vlan_aware") = false, pyb::arg("bridge_mac") = pyb::none(),
           pyb::arg("group_fwd_mask") = 0, pyb::arg("no_linklocal_learn") = false, pyb::arg("stp") = false,
           pyb::arg("forward_bpdu") = false, pyb::arg("revalidator_interval") = 0.5,
           pyb::arg("revalidator_phase") = 0.0, pyb::arg("flap") = pyb::none(),
           pyb::arg("name") = "br0", pyb::arg("event_capacity") = 4096, pyb::arg("record_learned") = false)
      .def_property_readonly("profile", [](const Switch& s) { return to_string(s.profile()); },
                             "The followed system's profile: linux-bridge, freebsd-bridge, ovs-3.1 or vendor.")
      .def_property_readonly("ports", [](const Switch& s) {
        std::vector<std::string> v;
        for (PortId p = 0; p < s.port_count(); ++p) v.push_back(s.port_name(p));
        return v;
      }, "Port names in port-id order (a LAG is one port).")
      .def_property_readonly("links", [](const Switch& s) {
        std::vector<std::string> v;
        for (LinkId l = 0; l < s.link_count(); ++l) v.push_back(s.link_name(l));
        return v;
      }, "Physical link names in link-id order (a LAG has one link per member).")
      .def("__repr__", [](Switch& s) {
        return fmt::format("<Switch {} {} ports={} fdb={} rx={}>", s.config().name, to_string(s.profile()),
                           s.port_count(), s.fdb().size(), s.counters().rx);
      })
      .def(
          "receive",
          [](Switch& sw, const pyb::object& link, const pyb::object& frame, const pyb::object& now, const std::string& datapath) {
            const LinkId l = link_arg(sw, link);
            const auto bytes = frame_bytes(frame);
            Decision d;
            sw.receive(l, net::Bytes(bytes.data(), bytes.size()), time_arg(now, "now"), d, datapath_arg(datapath));
            return make_decision(sw, d, bytes);
          },
          pyb::arg("link"), pyb::arg("frame"), pyb::arg("now"), pyb::arg("datapath") = "automatic",
          "A frame arrives on `link` (port or LAG member, by name or id) at `now` seconds.")
      .def(
          "set_port_admin",
          [](Switch& sw, const pyb::object& port, bool up, const pyb::object& now) { sw.set_port_admin(port_arg(sw, port), up, time_arg(now, "now")); },
          pyb::arg("port"), pyb::arg("up"), pyb::arg("now"),
          "Administrative state of a port; Linux/FreeBSD/vendor flush its dynamic entries when it goes down.")
      .def(
          "set_link_carrier",
          [](Switch& sw, const pyb::object& link, bool up, const pyb::object& now) {
            sw.set_link_carrier(link_arg(sw, link), up, time_arg(now, "now"));
          },
          pyb::arg("link"), pyb::arg("up"), pyb::arg("now"),
          "Carrier of a link (a LAG member's link state).")
      .def("port_is_up", [](const Switch& sw, const pyb::object& port, const pyb::object& now) {
             return sw.port_is_up(port_arg(sw, port), time_arg(now, "now"));
           }, pyb::arg("port"), pyb::arg("now"), "Whether a port forwards at `now` (admin up, carrier, not err-disabled).")
      .def("advance", [](Switch& sw, const pyb::object& now) { sw.advance(time_arg(now, "now")); }, pyb::arg("now"),
           "Applies deferred work due by `now` (OVS cached-flow learning, expiry sweeps).")
      .def(
          "fdb_add",
          [](Switch& sw, const pyb::object& mac, const pyb::object& port, pyb::object vlan, bool is_static,
             bool sticky, bool replace, const pyb::object& now) {
            AddOptions o;
            o.is_static = is_static;
            o.sticky = sticky;
            o.replace = replace;
            return sw.fdb_add(mac_arg(mac), port_arg(sw, port), opt_vlan(vlan), o, time_arg(now, "now"));
          },
          pyb::arg("mac"), pyb::arg("port"), pyb::arg("vlan") = pyb::none(), pyb::arg("static") = true,
          pyb::arg("sticky") = false, pyb::arg("replace") = false, pyb::arg("now") = 0.0,
          "bridge fdb add/replace: returns 0 or an errno (EEXIST, EINVAL, EPERM).")
      .def(
          "fdb_del",
          [](Switch& sw, const pyb::object& mac, const pyb::object& port, pyb::object vlan, const pyb::object& now) {
            return sw.fdb_del(mac_arg(mac), port_arg(sw, port), opt_vlan(vlan), time_arg(now, "now"));
          },
          pyb::arg("mac"), pyb::arg("port"), pyb::arg("vlan") = pyb::none(), pyb::arg("now") = 0.0,
          "bridge fdb del / ovs-appctl fdb/del: returns 0 or an errno (ENOENT, ...).")
      .def(
          "fdb_flush",
          [](Switch& sw, pyb::object port, pyb::object vlan, bool include_static) {
            std::optional<PortId> p;
            if (!port.is_none()) p = port_arg(sw, port);
            return sw.fdb_flush(p, opt_vlan(vlan), include_static);
          },
          pyb::arg("port") = pyb::none(), pyb::arg("vlan") = pyb::none(), pyb::arg("include_static") = false,
          "Removes dynamic entries (of one port / VLAN if given; static ones too with include_static); returns how many.")
      .def(
          "fdb",
          [](Switch& sw, const pyb::object& now) {
            pyb::list l;
            for (const auto& r : sw.fdb_rows(time_arg(now, "now"))) {
              pyb::dict d;
              d["mac"] = r.mac.to_string();
              d["vlan"] = r.vlan ? pyb::object(pyb::int_(*r.vlan)) : pyb::object(pyb::none());
              d["port"] = r.port;
              d["static"] = r.is_static;
              d["sticky"] = r.sticky;
              d["age"] = r.age_s;
              l.append(d);
            }
            return l;
          },
          pyb::arg("now"), "FDB rows at `now`, sorted by MAC then VLAN.")
      .def(
          "fdb_show", [](Switch& sw, const pyb::object& now) { return sw.fdb_show(time_arg(now, "now")); }, pyb::arg("now"),
          "ovs-appctl fdb/show style text at `now` (its JSON twin: to_json(now)).")
      .def(
          "fdb_stats", [](Switch& sw, const pyb::object& now) { return sw.fdb_stats(time_arg(now, "now")); }, pyb::arg("now"),
          "ovs-appctl fdb/stats-show style text at `now`, then every counter (its JSON twin: to_json(now)).")
      .def(
          "to_json", [](Switch& sw, const pyb::object& now) { return to_python(sw.to_json(time_arg(now, "now"))); }, pyb::arg("now"),
          "The JSON twin of the show methods as a dict: bridge, profile, current, maximum, static, entries\n"
          "(fdb/show rows), counters, table_counters, flap_counters, bonds (OVS bond port -> bond/show).")
      .def_property_readonly(
          "counters", [](const Switch& sw) { return to_python(counters_json(sw.counters())); },
          (describe::fields_doc<SwitchCounters>() + "\n  dropped_by: reason -> frames (non-zero only)").c_str())
      .def_property_readonly(
          "table_counters", [](const Switch& sw) { return fields_dict(sw.fdb().counters()); },
          describe::fields_doc<TableCounters>().c_str())
      .def_property_readonly(
          "flap_counters", [](const Switch& sw) { return fields_dict(sw.fdb().flap().counters()); },
          describe::fields_doc<FlapCounters>().c_str())
      .def("fdb_size", [](const Switch& sw) { return sw.fdb().size(); }, "Entries in the FDB now (without ageing).")
      .def("fdb_maximum", [](const Switch& sw) { return sw.fdb().config().max_entries; },
           "The FDB's capacity (0: no cap).")
      .def("fdb_static_count", [](const Switch& sw) { return sw.fdb().static_count(); }, "Static entries in the FDB.")
      .def("fdb_learned_count", [](const Switch& sw) { return sw.fdb().learned_count(); },
           "Learned (dynamic) entries in the FDB.")
      .def("drain_events", [](Switch& sw) { return events_list(sw.drain_events(), &sw); },
           "Table events since the last call (moves, flaps, expiries, ...) as dicts, port names resolved.")
      .def(
          "bond_show",
          [](Switch& sw, const pyb::object& port, const pyb::object& now) { return sw.bond_show(port_arg(sw, port), time_arg(now, "now")); },
          pyb::arg("port"), pyb::arg("now"),
          "ovs-appctl bond/show of an OVS bond port (its JSON twin: to_json(now)['bonds'][port]).")
      .def("is_lag", [](const Switch& sw, const pyb::object& port) { return sw.is_lag(port_arg(sw, port)); },
           pyb::arg("port"), "Whether a port (name or id) is a LAG.");

  m.def(
      "slb_bucket",
      [](const pyb::object& mac, long long vlan, std::uint32_t basis) {
        return hash::ovs::hash_mac(mac_arg(mac), vlan_arg(vlan), basis) & 0xffu;
      },
      pyb::arg("mac"), pyb::arg("vlan"), pyb::arg("basis") = 0,
      "OVS balance-slb bucket of a source MAC in a VLAN (ovs-appctl bond/hash).");
}

}  // namespace fwd::py
