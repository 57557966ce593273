// fwd._fwd.l2: MacTable, flap detection and Switch. Times are float seconds (or int ns with the
// *_ns forms); frames are bytes-like; ports and links may be given by name or id.
#include <pybind11/stl.h>

#include <cmath>

#include <fmt/format.h>

#include "describe.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "settings.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/lag/lag.hpp"
#include "ovs_bond_settings.hpp"

namespace fwd::py {

namespace pyb = pybind11;
using namespace fwd::l2;

namespace {

// ---- LagConfig's keywords ------------------------------------------------------------------------
// Its own settings (its table) and the OVS bond's settings that an ovs-3.1 spec can spell
// (lag::OvsBondConfig's table, read as fwd.lag.OvsBond reads them), written into `spec` by
// lag::ovs_bond_spec. first_rebalance is LagConfig's own (the phase, as a time since 0);
// start_up has no spec option (the switch brings the members up itself).
const std::initializer_list<std::string_view> lag_not_bond_settings = {"first_rebalance", "start_up"};

// first_rebalance_ms: the old spelling, integer milliseconds (None: unset), for one release.
void set_first_rebalance_ms(LagConfig& c, const pyb::handle& v) {
  if (v.is_none()) {
    c.first_rebalance.reset();
    return;
  }
  constexpr std::int64_t max_ms = INT64_MAX / 1'000'000;  // what int64 nanoseconds hold
  c.first_rebalance = Time::from_ms(int_arg(v, "first_rebalance_ms", -max_ms, max_ms));
}
const SettingAlias<LagConfig> lag_aliases[] = {
    {"first_rebalance_ms", "first_rebalance as integer milliseconds (old spelling, accepted for one release)",
     "first_rebalance", &set_first_rebalance_ms},
};

// The OVS bond setting a keyword sets (`updelay` for updelay, updelay_ns and updelay_ms).
std::string_view bond_setting_of(const std::string& key) {
  for (const auto& a : ovs_bond_ms_aliases())
    if (key == a.name) return a.sets;
  for (const auto& f : describe::Settings<lag::OvsBondConfig>::list)
    if (key == f.name || (settings_detail::is_time<lag::OvsBondConfig>(f) && key.size() == f.name.size() + 3 &&
                          key.starts_with(f.name) && key.ends_with("_ns")))
      return f.name;
  return {};
}

// Every keyword LagConfig accepts (for the unknown-keyword error), the `_ns` twins left to a note.
std::string lag_keywords_accepted() {
  std::string out;
  auto add = [&](std::string_view k) { out += (out.empty() ? "" : ", ") + std::string(k); };
  for (const auto& f : describe::Settings<LagConfig>::list)
    if (f.name != "members") add(f.name);
  for (const auto& a : lag_aliases) add(a.name);
  for (const auto& f : describe::Settings<lag::OvsBondConfig>::list)
    if (!settings_detail::contains(lag_not_bond_settings, f.name)) add(f.name);
  for (const auto& a : ovs_bond_ms_aliases()) add(a.name);
  return out + " (times also as <name>_ns)";
}

std::string bond_keywords() {
  std::string out;
  for (const auto& f : describe::Settings<lag::OvsBondConfig>::list)
    if (!settings_detail::contains(lag_not_bond_settings, f.name)) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

LagConfig lag_config_from_python(const pyb::object& members, const pyb::kwargs& kw) {
  LagConfig c;
  settings_detail::from_python(c.members, members, "members", "");
  const auto own_keys = setting_keywords<LagConfig>(lag_aliases);
  pyb::dict own, bond;
  std::vector<std::string_view> given;  // the bond settings given (None: not given)
  for (auto item : kw) {
    const std::string key = pyb::str(item.first);
    if (std::find(own_keys.begin(), own_keys.end(), key) != own_keys.end() && key != "members") {
      own[item.first] = item.second;
      continue;
    }
    const std::string_view setting = bond_setting_of(key);
    if (setting.empty() || settings_detail::contains(lag_not_bond_settings, setting))
      throw pyb::type_error(
          fmt::format("LagConfig() got an unexpected keyword argument '{}': accepted {}", key, lag_keywords_accepted()));
    // None, and an empty primary (no primary), are as if not given: no spec of their own.
    if (item.second.is_none() || (setting == "primary" && pyb::isinstance<pyb::str>(item.second) &&
                                  item.second.cast<std::string>().empty()))
      continue;
    bond[item.first] = item.second;
    given.push_back(setting);
  }
  apply_settings(c, pyb::reinterpret_borrow<pyb::kwargs>(own), "LagConfig", {"members"}, {}, lag_aliases);
  if (given.empty()) return c;
  if (!c.spec.empty())
    throw pyb::value_error(
        fmt::format("LagConfig: give either spec or the OVS bond keywords ({}), not both", bond_keywords()));
  lag::OvsBondConfig b;
  apply_settings(b, pyb::reinterpret_borrow<pyb::kwargs>(bond), "LagConfig", lag_not_bond_settings, {},
                 ovs_bond_ms_aliases());
  c.spec = lag::ovs_bond_spec(b, given);  // validates b
  return c;
}

}  // namespace

// A LagConfig given as a dict (PortConfig(lag={...}), PortConfig pickles) takes what the
// constructor takes: members plus its keywords.
template <>
LagConfig config_from_dict<LagConfig>(const LagConfig&, const pyb::handle& d, const std::string&) {
  pyb::kwargs kw;
  pyb::object members = pyb::list();
  for (auto item : pyb::reinterpret_borrow<pyb::dict>(d)) {
    if (pyb::str(item.first).cast<std::string>() == "members") members = pyb::reinterpret_borrow<pyb::object>(item.second);
    else kw[item.first] = item.second;
  }
  return lag_config_from_python(members, kw);
}

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
  // Python's FlapConfig(...) turns detection on unless enabled=False says otherwise.
  static const FlapConfig flap_py_defaults = [] {
    FlapConfig c;
    c.enabled = true;
    return c;
  }();
  static const std::string flap_init_doc =
      "Flap detection settings; every setting a keyword.\n\n" + settings_kwargs_doc<FlapConfig>(&flap_py_defaults);
  pyb::class_<FlapConfig> flap_config(m, "FlapConfig", flap_doc.c_str());
  def_settings_properties<FlapConfig>(flap_config);
  flap_config
      .def(pyb::init([](const pyb::kwargs& kw) {
             FlapConfig c = flap_py_defaults;
             apply_settings(c, kw, "FlapConfig");
             c.validate();
             return c;
           }),
           flap_init_doc.c_str())
      .def_static("preset", &FlapConfig::preset, pyb::arg("name"),
                  "Preset by name: linux-6.x, freebsd-9.3, freebsd-14, juniper-ex, hpe-comware, huawei, "
                  "evpn-rfc7432, cisco-ios, vendor, ovs-3.1.")
      .def_static("preset_names", &FlapConfig::preset_names, "Names accepted by preset().")
      .def("to_json", [](const FlapConfig& c) { return to_python(describe::settings_json(c)); },
           "The settings as a dict (times in seconds, enums by name), from the same table as the docstring;\n"
           "FlapConfig(**d) rebuilds it.")
      .def(settings_pickle<FlapConfig>("FlapConfig"))
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
      .def(pyb::init([](const std::string& profile, const pyb::kwargs& kw) {
             TableConfig c;
             switch (parse_profile(profile)) {
               case Profile::linux_bridge: c = TableConfig::linux_bridge(); break;
               case Profile::freebsd_bridge: c = TableConfig::freebsd_bridge(); break;
               case Profile::ovs_3_1: c = TableConfig::ovs(); break;
               case Profile::vendor: c = TableConfig::vendor(); break;
             }
             apply_settings(c, kw, "MacTable", {}, {"record_learned"});
             if (kw.contains("record_learned") && bool_arg(kw["record_learned"], "record_learned"))
               c.events = event_mask::all;
             return std::make_unique<MacTable>(c);
           }),
           pyb::arg("profile") = "linux-bridge",
           ("A forwarding database with the profile's table behaviour (linux-bridge, freebsd-bridge, ovs-3.1, "
            "vendor).\n\n" +
            settings_kwargs_doc<TableConfig>(
                nullptr, {}, "  record_learned: record every event kind, learned and flushed included (events=all)"))
               .c_str())
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
          pyb::arg("mac"), pyb::arg("port"), pyb::arg("vlan") = 0, pyb::arg("sticky") = false,
          "Adds a static entry: it never ages, moves only on profiles whose static entries move (Linux), never\n"
          "when sticky.")
      .def(
          "remove", [](MacTable& t, const pyb::object& mac, long long vlan) { return t.remove(vlan_arg(vlan), mac_arg(mac)); },
          pyb::arg("mac"), pyb::arg("vlan") = 0, "Removes the entry of (mac, vlan), of any kind; False if there was none.")
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
      .def_property_readonly("config", [](const MacTable& t) { return to_python(describe::settings_json(t.config())); },
                             ("The table's settings as a dict (times in seconds):\n" +
                              describe::settings_doc<TableConfig>()).c_str())
      .def("__len__", &MacTable::size)
      .def("__repr__", [](const MacTable& t) {
        const auto max = t.config().max_entries;
        return fmt::format("<MacTable entries={} max={} ageing={}s>", t.size(), max ? std::to_string(max) : "none",
                           t.config().ageing.seconds());
      });

  static const std::string lag_doc = describe::settings_doc<LagConfig>();
  static const LagConfig lag_defaults;
  static const std::string lag_init_doc =
      "LagConfig(members, **settings): members are the member link names.\n\n" +
      settings_kwargs_doc<LagConfig>(&lag_defaults, {"members"}, {}, lag_aliases) + "\n\n" +
      settings_kwargs_doc<lag::OvsBondConfig>(
          nullptr, lag_not_bond_settings, {}, ovs_bond_ms_aliases(),
          "OVS bond keywords (fwd.lag.OvsBond's settings, checked the same way), written into an ovs-3.1 spec "
          "instead of giving `spec` (the delays in integer ms, as OVS's other_config); a setting not given, or "
          "None, keeps the spec's default for the mode (balance-tcp: lacp active, recirculation on):");
  pyb::class_<LagConfig> lag_config(m, "LagConfig", lag_doc.c_str());
  def_settings_properties<LagConfig>(lag_config);
  lag_config
      .def_property(
          "first_rebalance_ms",
          [](const LagConfig& c) -> pyb::object {
            if (!c.first_rebalance) return pyb::none();
            if (c.first_rebalance->ns % 1'000'000 == 0) return pyb::int_(c.first_rebalance->ns / 1'000'000);
            return pyb::float_(static_cast<double>(c.first_rebalance->ns) / 1e6);
          },
          [](LagConfig& c, const pyb::object& v) { set_first_rebalance_ms(c, v); },
          "first_rebalance in milliseconds (integer when whole; old spelling, accepted for one release)")
      .def(pyb::init(&lag_config_from_python), pyb::arg("members"), lag_init_doc.c_str())
      .def("to_json", [](const LagConfig& c) { return to_python(describe::settings_json(c)); },
           "The settings as a dict, from the same table as the docstring; LagConfig(**d) rebuilds it.")
      .def(settings_pickle<LagConfig>("LagConfig"))
      .def("__repr__", [](const LagConfig& c) {
        return fmt::format("LagConfig({} members, spec='{}')", c.members.size(), c.spec);
      });

  static const std::string port_doc = describe::settings_doc<PortConfig>();
  static const PortConfig port_defaults;
  static const std::string port_init_doc =
      "PortConfig(name, **settings): an ordinary port of the switch's profile unless the settings say otherwise.\n\n" +
      settings_kwargs_doc<PortConfig>(&port_defaults, {"name"});
  pyb::class_<PortConfig> port_config(m, "PortConfig", port_doc.c_str());
  def_settings_properties<PortConfig>(port_config, {"name"});
  port_config
      .def(pyb::init([](const pyb::object& name, const pyb::kwargs& kw) {
             PortConfig p;
             settings_detail::from_python(p.name, name, "name", "");
             apply_settings(p, kw, "PortConfig", {"name"});
             return p;
           }),
           pyb::arg("name"), port_init_doc.c_str())
      .def("to_json", [](const PortConfig& p) { return to_python(describe::settings_json(p)); },
           "The settings as a dict (lag nested), from the same table as the docstring; PortConfig(**d) rebuilds it.")
      .def_readonly("name", &PortConfig::name, "The port's name.")
      .def(settings_pickle<PortConfig>("PortConfig"))
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

  static const std::string switch_init_doc =
      "Switch(profile, ports, **settings): profile is the followed system (linux-bridge, freebsd-bridge, ovs-3.1, "
      "vendor, or a system name such as linux-6.12); ports are port names or PortConfig objects.\n\n" +
      settings_kwargs_doc<SwitchConfig>(
          nullptr, {"profile"}, "  record_learned: record every event kind, learned and flushed included (events=all)");
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
      .def(pyb::init([](const std::string& profile, const pyb::object& port_list, const pyb::kwargs& kw) {
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
             SwitchConfig c = SwitchConfig::defaults(parse_profile(profile));
             const bool ovs_or_vendor = c.vlan_aware;  // always VLAN-aware: vlan_aware=False keeps it on
             apply_settings(c, kw, "Switch", {"profile"}, {"record_learned"});
             c.vlan_aware = c.vlan_aware || ovs_or_vendor;
             if (kw.contains("record_learned") && bool_arg(kw["record_learned"], "record_learned"))
               c.events = event_mask::all;
             return std::make_unique<Switch>(std::move(c), std::move(ports));
           }),
           pyb::arg("profile"), pyb::arg("ports"), switch_init_doc.c_str())
      .def_property_readonly("config", [](const Switch& s) { return to_python(describe::settings_json(s.config())); },
                             ("The switch's settings as a dict (times in seconds; flap None: the profile's preset):\n" +
                              describe::settings_doc<SwitchConfig>()).c_str())
      .def("port_config", [](const Switch& s, const pyb::object& port) { return s.port_config(port_arg(s, port)); },
           pyb::arg("port"), "The PortConfig of a port (name or id), a copy.")
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
