// fwd._fwd.sim: Network, Host, Capture, PingResult. Times are float seconds (virtual time); a
// string with a unit ("10ms", "3.5s", "250us", "100ns") is accepted wherever a time is.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "describe.hpp"
#include "settings.hpp"
#include "fwd/error.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/sim/network.hpp"

namespace fwd::py {

namespace pyb = pybind11;
using namespace fwd::sim;

// A host's os: a registry name or alias of a `sim` system (fwd/describe/system.hpp).
template <>
HostOs enum_from_text<HostOs>(std::string_view text) {
  return parse_host_os(text);
}

// CARP/VRRP enums from text: profile_from_name keeps the freebsd-10 alias; an initial state is
// BACKUP or MASTER in either case (keepalived writes `state BACKUP`, topology files `backup`).
template <>
carp::Profile enum_from_text<carp::Profile>(std::string_view text) {
  return carp::profile_from_name(text);
}
template <>
carp::State enum_from_text<carp::State>(std::string_view text) {
  if (text == "backup" || text == "BACKUP") return carp::State::backup;
  if (text == "master" || text == "MASTER") return carp::State::master;
  describe::throw_unknown("initial_state", text, "backup, master");
}

namespace {
// An integer lo..hi (ValueError otherwise): the limits of Network().
long long int_field(const pyb::handle& v, const char* name, long long lo, long long hi) {
  if (pyb::isinstance<pyb::bool_>(v) || !pyb::isinstance<pyb::int_>(v))
    throw pyb::value_error(fmt::format("{}: expected an integer {}..{}, got {}", name, lo, hi,
                                       pyb::repr(v).cast<std::string>()));
  const pyb::int_ big = pyb::reinterpret_borrow<pyb::int_>(v);
  if (big < pyb::int_(lo) || big > pyb::int_(hi))
    throw pyb::value_error(fmt::format("{}: {} is out of range {}..{}", name, pyb::str(v).cast<std::string>(), lo, hi));
  return big.cast<long long>();
}
}  // namespace


namespace {

// ---- host settings: the keywords of Network.add_host come from HostConfig's table ----------
// kern.hz, the spelling add_host and topology files had before `tick`: tick = 1 s / hz.
const SettingAlias<HostConfig> host_aliases[] = {
    {"hz", "kern.hz, an int 0..1000000: sets tick to 1 s / hz (0 = exact timers)", "tick",
     [](HostConfig& c, const pyb::handle& v) {
       const auto hz = int_arg(v, "hz", 0, 1'000'000);
       c.tick = hz ? Time{1'000'000'000 / hz} : Time{};
     }},
};

const std::string& settings_doc_of_host() {
  static const std::string d =
      "The host's settings as a dict (times in seconds, os by name; add_host(name, **settings) rebuilds\n"
      "them), from HostConfig's table:\n" +
      describe::settings_doc<HostConfig>();
  return d;
}

const std::string& add_host_doc() {
  static const HostConfig host_defaults = HostConfig::defaults(HostOs::freebsd_9_3);
  static const std::string d =
      "add_host(name, **settings): a host following `os` (default freebsd-9.3); returns it.\n\n"
      "Settings (HostConfig, fwd/sim/host_config.hpp; defaults of freebsd-9.3 shown, an os's own defaults\n"
      "apply first: linux-6.12 has exact timers, tick 0). Times take seconds, '10ms', datetime.timedelta\n"
      "or numpy.timedelta64; integer nanoseconds only through the _ns names. An unknown keyword raises\n"
      "TypeError listing the accepted ones; a bad value TypeError/ValueError naming it.\n" +
      settings_kwargs_doc<HostConfig>(&host_defaults, {}, {}, host_aliases);
  return d;
}

net::Mac mac_of(const pyb::handle& h) { return mac_arg(h); }

net::Ipv4 ip_of(const pyb::handle& h) { return ipv4_arg(h); }

// ---- CARP / VRRP settings: the keywords of Host.add_carp come from carp::Config's table -------

carp::Config carp_config(int vhid, const std::string& profile, const pyb::kwargs& kw) {
  if (vhid < 1 || vhid > 255) throw pyb::value_error(fmt::format("vhid {} out of range 1..255", vhid));
  // The flavour chooses the defaults, so it applies first (and again, unchanged, with the rest).
  carp::Flavor flavor = carp::Flavor::keepalived;
  if (kw.contains("flavor")) flavor = enum_arg<carp::Flavor>(kw["flavor"], "flavor");
  carp::Config c = carp::Config::defaults(carp::profile_from_name(profile), static_cast<std::uint8_t>(vhid), flavor);
  apply_settings(c, kw, "add_carp");
  c.validate();
  return c;
}

const std::string& carp_settings_doc() {
  static const std::string d =
      "The settings of vhid `index` as a dict (times in seconds, addresses as text, an unset one None), as the\n"
      "instance runs them (src4/src6 filled by the host); add_carp(iface, **settings) rebuilds it.\n\n" +
      describe::settings_doc<carp::Config>();
  return d;
}

const std::string& add_carp_doc() {
  static const carp::Config carp_defaults = carp::Config::defaults(carp::Profile::freebsd_9_3, 1);
  static const std::string d =
      "A CARP vhid (or VRRP instance) on an interface; returns its index on the host.\n\n"
      "add_carp(iface, vhid, profile='freebsd-9.3', **settings): profile freebsd-9.3, freebsd-10+, vrrp-v2 or\n"
      "vrrp-v3. Settings (carp::Config, fwd/sim/carp.hpp; defaults of freebsd-9.3 vhid 1 shown, a profile's and\n"
      "a flavour's own defaults apply first). Times take seconds, '200us', datetime.timedelta or\n"
      "numpy.timedelta64; integer nanoseconds only through the _ns names. Addresses: a str or a list of them.\n"
      "An unknown keyword raises TypeError listing the accepted ones; a bad value TypeError/ValueError naming it.\n" +
      settings_kwargs_doc<carp::Config>(&carp_defaults);
  return d;
}

// Long runs: slices of events with the GIL released (other Python threads run), a signal check
// between slices (KeyboardInterrupt within about a slice's time: 2^18 events ≈ 0.1 s).
std::uint64_t run_interruptible(Network& n, Time t) {
  std::uint64_t total = 0;
  for (bool done = false; !done;) {
    {
      pyb::gil_scoped_release nogil;
      total += n.run_slice(t, 1u << 18, done);
    }
    if (PyErr_CheckSignals() != 0) throw pyb::error_already_set();
  }
  return total;
}

template <class T>
pyb::array_t<T> to_array(const std::vector<T>& v, std::size_t n) {
  pyb::array_t<T> a(static_cast<pyb::ssize_t>(std::min(n, v.size())));
  std::copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(a.size()), a.mutable_data());
  return a;
}

}  // namespace

void bind_sim(pyb::module_& m) {
  m.def(
      "parse_time", [](const pyb::object& t, const std::string& name) { return time_arg(t, name.c_str()).seconds(); },
      pyb::arg("t"), pyb::arg("name") = "time",
      "Seconds (float) from any time form libfwd accepts: seconds (int or float), a string with a unit\n"
      "('10ms', '3s', '250us', '100ns', '2min'), datetime.timedelta or numpy.timedelta64. The value must fit\n"
      "int64 nanoseconds (about +-292 years). TypeError/ValueError messages start with `name`.");
  m.def("format_frame", [](const pyb::object& f) { auto b = frame_bytes(f); return format_frame(b); }, pyb::arg("frame"),
        "One frame as `tcpdump -e -n` prints it (without the timestamp).");
  m.def("host_settings", [] { return setting_keywords<HostConfig>(host_aliases); },
        "Every keyword Network.add_host accepts besides the name (HostConfig's settings, the _ns twins of the\n"
        "time settings, and hz); topology files accept the same host keys.");
  m.def("carp_settings", [] { return setting_keywords<carp::Config>(); },
        "Names of the CARP/VRRP settings add_carp accepts (carp::Config's table, with the _ns twins of the time\n"
        "settings; vhid and profile are add_carp's own arguments); topology carp entries take the same keys.");
  static const std::string drop_doc =
      "Every reason a host can give for dropping a frame (the keys of Host.counters['dropped_by']):\n" +
      describe::enumerators_doc<HostDrop>();
  m.def("host_drop_reasons", [] {
    std::vector<std::string> v;
    for (const auto& e : describe::Enumerators<HostDrop>::list) v.emplace_back(e.name);
    return v;
  }, drop_doc.c_str());

  pyb::class_<Capture>(m, "Capture", "Frames one interface saw (BPF tap points of FreeBSD 9.3).")
      .def_property_readonly("name", &Capture::name, "The captured interface.")
      .def("__repr__", [](const Capture& c) { return fmt::format("<Capture {} frames={}>", c.name(), c.size()); })
      .def("__len__", &Capture::size, "Number of frames captured.")
      .def("to_text", &Capture::to_text, "tcpdump -e -n -tt style text ('<' received, '>' sent).")
      .def("write_pcap", &Capture::write_pcap, pyb::arg("path"),
           "Writes the frames to `path` as a nanosecond-resolution pcap file (raises on an I/O error).")
      .def("records", [](const Capture& c) {
        pyb::list out;
        for (const auto& r : c.records()) {
          const auto b = c.bytes_of(r);
          out.append(pyb::make_tuple(r.time.seconds(), r.outgoing,
                                     pyb::bytes(reinterpret_cast<const char*>(b.data()), b.size())));
        }
        return out;
      }, "Every captured frame as (time in seconds, outgoing (True: sent, False: received), frame bytes).");

  pyb::class_<PingResult>(m, "PingResult", "What `ping -f -c N` measured.")
      .def_readonly("sent", &PingResult::sent, "Echo requests sent.")
      .def("__repr__", [](const PingResult& r) {
        return fmt::format("<PingResult sent={} received={} lost={} send_errors={} {}>", r.sent, r.received, r.lost(),
                           r.send_errors, r.finished ? "finished" : "running");
      })
      .def_readonly("received", &PingResult::received, "Echo requests answered (each counted once).")
      .def_readonly("send_errors", &PingResult::send_errors, "Requests whose sendto() failed (e.g. lagg transit: ENETDOWN).")
      .def_readonly("finished", &PingResult::finished, "True once ping has stopped (every reply in, or after its last wait).")
      .def_property_readonly("lost", &PingResult::lost, "Requests sent and never answered (sent - received).")
      .def_property_readonly("started", [](const PingResult& r) { return r.started.seconds(); },
                             "Virtual time the first request was due, seconds.")
      .def_property_readonly("ended", [](const PingResult& r) { return r.ended.seconds(); },
                             "Virtual time ping stopped, seconds (0.0 while running).")
      .def_property_readonly("send_ns", [](const PingResult& r) { return to_array(r.send_ns, r.sent); },
                             "Send time of each request (ns), by index = seq - first_seq.")
      .def_property_readonly("rtt_ns", [](const PingResult& r) { return to_array(r.rtt_ns, r.sent); },
                             "RTT of each request (ns), -1 when unanswered.")
      .def("lost_seqs", &PingResult::lost_seqs, "Indexes (seq - first_seq) of unanswered requests.")
      .def("lost_gaps_ms", &PingResult::lost_gaps_ms, "Gaps between consecutive lost requests' send times, ms.")
      .def("summary", &PingResult::summary, pyb::arg("dst"),
           "ping(8)'s statistics lines for destination `dst` (packets transmitted/received, loss, rtt min/avg/max).");

  pyb::class_<Host>(m, "Host",
                    "A host or router of a Network (Network.add_host), following the FreeBSD 9.3 stack by default:\n"
                    "NICs, lagg(4), vlan(4), IPv4 routes, ARP, ICMP echo, a minimal TCP, IP forwarding and CARP/VRRP\n"
                    "(see fwd/sim/host.hpp). Times are seconds or strings with a unit ('10ms'). Bad values raise\n"
                    "ValueError naming them.")
      .def_property_readonly("name", &Host::name, "The host's name.")
      .def("__repr__", [](const Host& h) {
        return fmt::format("<Host {} os={} ifaces={} carp={} rx={} tx={}>", h.name(), to_string(h.config().os),
                           h.iface_count(), h.carp().count(), h.counters().rx, h.counters().tx);
      })
      .def_property_readonly("os", [](const Host& h) { return std::string(to_string(h.config().os)); },
                             "The followed system's canonical name (fwd.describe.systems(), layer sim): freebsd-9.3,\n"
                             "freebsd-10 or linux-6.12.")
      .def_property_readonly("settings", [](const Host& h) { return to_python(describe::settings_json(h.config())); },
                             settings_doc_of_host().c_str())
      .def("add_nic", [](Host& h, const std::string& n, const pyb::object& mac) { return h.add_nic(n, mac_of(mac)); },
           pyb::arg("name"), pyb::arg("mac"),
           "A NIC named `name` with its own MAC (a string or int); returns its interface index. ValueError for an\n"
           "empty or duplicate name.")
      .def("add_lagg", [](Host& h, const std::string& n, const std::string& spec, std::vector<std::string> members,
                          const pyb::object& mac) {
             std::optional<net::Mac> m2;
             if (!mac.is_none()) m2 = mac_of(mac);
             return h.add_lagg(n, spec, members, m2);
           }, pyb::arg("name"), pyb::arg("spec"), pyb::arg("members"), pyb::arg("mac") = pyb::none(),
           "A lagg over NICs; spec is a fwd.lag spec, e.g. 'freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0x1'.")
      .def("add_vlan", &Host::add_vlan, pyb::arg("name"), pyb::arg("parent"), pyb::arg("vid"),
           "A vlan(4) interface with tag `vid` (1..4094) on a NIC or lagg `parent` (not on a lagg member or a vlan);\n"
           "it shares the parent's MAC. Returns its interface index.")
      .def("add_address", &Host::add_address, pyb::arg("iface"), pyb::arg("cidr"),
           "An address on an interface: '192.168.80.251/24' (adds the connected route) or 'fd00::1/64'.")
      .def("add_route", [](Host& h, const std::string& cidr, const pyb::object& gw) { h.add_route(cidr, ip_of(gw)); },
           pyb::arg("cidr"), pyb::arg("gateway"),
           "A static IPv4 route ('0.0.0.0/0' = default) via `gateway`, which must be on a connected network.")
      .def("add_multipath_route", [](Host& h, const std::string& cidr, const pyb::list& gws, const std::string& spec,
                                     const std::vector<std::uint32_t>& weights) {
             std::vector<net::Ipv4> g;
             for (const auto& x : gws) g.push_back(ip_of(pyb::reinterpret_borrow<pyb::object>(x)));
             h.add_multipath_route(cidr, g, spec, weights);
           }, pyb::arg("cidr"), pyb::arg("gateways"), pyb::arg("ecmp") = "linux-6.18",
           pyb::arg("weights") = std::vector<std::uint32_t>{},
           "A multipath route over gateways (in order); the route layer picks each packet's path with the ECMP spec.")
      .def("set_default_route", [](Host& h, const pyb::object& gw) { h.set_default_route(ip_of(gw)); }, pyb::arg("gateway"),
           "The default route (0.0.0.0/0) via `gateway` (on a connected network).")
      .def("del_route", &Host::del_route, pyb::arg("cidr"), "Removes every static route for `cidr` (connected routes stay).")
      .def_property("forwarding", [](const Host& h) { return h.config().forwarding; }, &Host::set_forwarding,
                    "net.inet.ip.forwarding: route IPv4 packets not addressed to the host (bool).")
      .def("add_carp", [](Host& h, const std::string& iface, int vhid, const std::string& profile, const pyb::kwargs& kw) {
             return h.carp().add(iface, carp_config(vhid, profile, kw));
           }, pyb::arg("iface"), pyb::arg("vhid"), pyb::arg("profile") = "freebsd-9.3", add_carp_doc().c_str())
      .def("listen", [](Host& h, std::uint16_t port) { h.apps().listen(port); }, pyb::arg("port"),
           "A TCP listener on `port`: SYNs are answered with SYN-ACK (statistics: tcp_listener_stats).")
      .def("capture", &Host::capture, pyb::arg("iface"), pyb::return_value_policy::reference_internal,
           "Captures interface `iface` from now on (idempotent); returns its Capture.")
      .def_property_readonly("captured_ifaces", &Host::captured_ifaces, "Names of the interfaces being captured.")
      .def("set_iface_up", [](Host& h, const std::string& i, bool up) { h.set_iface_up(i, up, h.now()); },
           pyb::arg("iface"), pyb::arg("up"),
           "Interface administratively up/down now (ifconfig IF down/up): the host stops sending and receiving on it;\n"
           "the cable's carrier is untouched (drop carrier with Network.set_link_up_at). Either reaches CARP/VRRP\n"
           "instances on the interface or above it (CARP: INIT + demotion; VRRP: FAULT, then BACKUP on up).")
      .def("carp_freeze", [](Host& h, std::size_t i, bool frozen) { h.carp().freeze(i, frozen, h.now()); },
           pyb::arg("index"), pyb::arg("frozen"),
           "Stops (True, like SIGSTOP) or resumes (False, SIGCONT) the CARP/VRRP instance now: the VIPs and state stay,\n"
           "nothing is processed while stopped, received adverts queue and are answered on resume.")
      .def("send_spurious_advert", [](Host& h, std::size_t i) { h.carp().send_spurious_advert(i, h.now()); },
           pyb::arg("index") = 0,
           "One advert of vhid `index` now, whatever its state (source vMAC), as the FreeBSD 9.3 late-advert race\n"
           "sends it; the state machine does not change.")
      .def("carp_force_state", [](Host& h, std::size_t i, const std::string& s) { h.carp().force_state(i, s, h.now()); },
           pyb::arg("index"), pyb::arg("state"),
           "'backup', 'master' (ifconfig carpN state) or 'down', 'up' (ifconfig carpN down/up) now; ValueError otherwise.")
      .def("lagg_blackout", [](Host& h, const std::string& l, const pyb::object& a, const pyb::object& b) {
             h.lagg_blackout(l, time_arg(a, "start"), time_arg(b, "end"));
           }, pyb::arg("lagg"), pyb::arg("start"), pyb::arg("end"), "Every send on the lagg fails (ENETDOWN) in [start, end).")
      .def("set_lacp", [](Host& h, const std::string& m2, bool col, bool dist) { h.set_lacp(m2, col, dist, h.now()); },
           pyb::arg("member"), pyb::arg("collecting"), pyb::arg("distributing"),
           "LACP mux state of a lagg member now (distributing changes start FreeBSD's transit window).")
      .def("carp_silence", [](Host& h, std::size_t i, const pyb::object& a, const pyb::object& b) {
             h.carp().silence(i, time_arg(a, "start"), time_arg(b, "end"));
           }, pyb::arg("vhid_index"), pyb::arg("start"), pyb::arg("end"), "The vhid sends no advert in [start, end).")
      .def("ping_flood", [](Host& h, const pyb::object& dst, std::uint32_t count, const pyb::object& start,
                            const pyb::object& interval, const pyb::object& turnaround, const pyb::object& wake,
                            std::uint16_t id, std::uint16_t payload) {
             PingConfig c;
             c.dst = ip_of(dst);
             c.count = count;
             c.start = time_arg(start, "start");
             c.interval = time_arg(interval, "interval");
             c.turnaround = time_arg(turnaround, "turnaround");
             c.wake = time_arg(wake, "wake");
             c.id = id;
             c.payload = payload;
             return h.apps().ping_flood(c);
           }, pyb::arg("dst"), pyb::arg("count") = 100000, pyb::arg("start") = 0.0, pyb::arg("interval") = 0.01,
           pyb::arg("turnaround") = 16e-6, pyb::arg("wake") = 1e-6, pyb::arg("id") = 22737, pyb::arg("payload") = 56,
           "Starts `ping -f -c count dst` at `start` (FreeBSD pacing: next request when a reply arrives after\n"
           "`turnaround`, else `interval` after the last send, on the tick grid, plus `wake`); returns the ping's index.\n"
           "`id` is the ICMP identifier, `payload` the data bytes (8..1400). ValueError: count 0, no route, bad times.")
      .def("ping_result", [](const Host& h, std::size_t i) -> const PingResult& { return h.apps().ping_result(i); },
           pyb::arg("index") = 0, pyb::return_value_policy::reference_internal,
           "What ping `index` measured so far (a live PingResult); ValueError for an unknown index.")
      .def("tcp_connects", [](Host& h, const pyb::object& dst, std::uint16_t port, double rate, const pyb::object& start,
                              const pyb::object& until, std::uint32_t max_count, bool poisson) {
             TcpConnectConfig c;
             if (pyb::isinstance<pyb::str>(dst)) c.dst = ip_of(dst);
             else for (const auto& d : dst) c.dsts.push_back(ip_of(d));
             c.port = port;
             c.rate_per_s = rate;
             c.start = time_arg(start, "start");
             c.until = time_arg(until, "until");
             c.max_count = max_count;
             c.poisson = poisson;
             return h.apps().tcp_connects(c);
           }, pyb::arg("dst"), pyb::arg("port") = 80, pyb::arg("rate") = 10.0, pyb::arg("start") = 0.0,
           pyb::arg("until") = 10.0, pyb::arg("max_count") = 0, pyb::arg("poisson") = false,
           "Connection attempts at `rate` per second (fixed gaps, or exponential with poisson=True) to dst:port from\n"
           "`start` until `until` (at most max_count, 0 = no limit); dst is an address or a list (round robin). Each\n"
           "attempt retransmits its SYN on the host os's schedule. Returns the generator's index (see tcp_result).\n"
           "ValueError: rate not in (0, 1e6], no route.")
      .def("tcp_result", [](const Host& h, std::size_t i) {
             pyb::list out;
             for (const auto& a : h.apps().tcp_result(i).attempts) {
               pyb::dict d;
               d["started"] = static_cast<double>(a.started_ns) / 1e9;
               d["established"] = a.established_ns < 0 ? pyb::object(pyb::none()) : pyb::float_(static_cast<double>(a.established_ns) / 1e9);
               d["syn_sent"] = a.syn_sent;
               d["dst"] = a.dst.to_string();
               d["sport"] = a.sport;
               out.append(d);
             }
             return out;
           }, pyb::arg("index") = 0,
           "One dict per attempt of generator `index`: started (s), established (s; None: never), syn_sent (SYNs\n"
           "sent, 1 + retransmissions), dst, sport.")
      .def("tcp_addr_unavailable", [](const Host& h, std::size_t i) { return h.apps().tcp_result(i).addr_unavailable; },
           pyb::arg("index") = 0,
           "Attempts connect() refused with EADDRNOTAVAIL: every ephemeral port 10000..65535 was held (no SYN sent).")
      .def_property_readonly("tcp_listener_stats", [](const Host& h) { return fields_dict(h.apps().listener_counters()); },
                             ("A dict. " + describe::fields_doc<TcpListenerCounters>()).c_str())
      .def_property_readonly("counters", [](const Host& h) { return to_python(counters_json(h.counters())); },
                             (describe::fields_doc<HostCounters>() +
                              "\n  dropped_by: reason text -> frames (non-zero only; fwd.sim.host_drop_reasons())")
                                 .c_str())
      .def("iface_counters", [](const Host& h, const std::string& i) { return fields_dict(h.iface_counters(h.iface_id(i))); },
           pyb::arg("iface"),
           ("Counters of interface `iface` as a dict (ValueError for an unknown name). " +
            describe::fields_doc<IfaceCounters>()).c_str())
      .def("stats_text", &Host::stats_text,
           "Every counter of the host as text: host counters and drop reasons, each interface, each CARP vhid,\n"
           "the TCP listeners (one line per counter, with its unit).")
      .def("to_json", [](const Host& h) { return to_python(h.to_json()); },
           "The JSON twin of stats_text() as a dict: host, counters, ifaces {name: counters}, carp [counters +\n"
           "state], tcp_listener.")
      .def_property_readonly("ifaces", [](const Host& h) {
        std::vector<std::string> v;
        for (std::size_t i = 0; i < h.iface_count(); ++i) v.push_back(h.iface_name(static_cast<IfaceId>(i)));
        return v;
      }, "Interface names in creation order (NICs, laggs, vlans).")
      .def("iface_mac", [](const Host& h, const std::string& i) { return h.iface_mac(h.iface_id(i)).to_string(); },
           pyb::arg("iface"), "MAC of interface `iface` as 'aa:bb:cc:dd:ee:ff' (ValueError for an unknown name).")
      .def_property_readonly("strays_by_dst_mac", [](const Host& h) {
        pyb::dict d;
        for (const auto& [mac, n] : h.strays_by_dst_mac()) d[pyb::str(mac.to_string())] = n;
        return d;
      }, "Unicast frames dropped at L2 (not for us, BACKUP vMAC), by destination MAC.")
      .def_property_readonly("stray_echo_requests", [](const Host& h) {
        pyb::list out;
        for (auto v : h.stray_echo_requests()) out.append(pyb::make_tuple(v >> 16, v & 0xffff));
        return out;
      }, "(id, seq) of echo requests dropped as 'BACKUP: not for us (vMAC)'.")
      .def_property_readonly("log", [](const Host& h) {
        pyb::list out;
        for (const auto& l : h.log()) out.append(pyb::make_tuple(l.time.seconds(), l.text));
        return out;
      }, "The host's log (CARP/VRRP state changes and messages) as (time in seconds, line).")
      .def("arp_table", [](const Host& h) { return h.arp_table(h.now()); }, "ARP cache lines at the current time.")
      .def_property_readonly("carp_count", [](const Host& h) { return h.carp().count(); },
                             "Number of CARP vhids / VRRP instances on the host (indexes 0..carp_count-1).")
      .def("carp_state", [](const Host& h, std::size_t i) { return h.carp().state(i); }, pyb::arg("index") = 0,
           "State of vhid `index`: 'INIT', 'BACKUP', 'MASTER' (VRRP also 'FAULT'); ValueError for an unknown index.")
      .def("carp_counters", [](const Host& h, std::size_t i) { return fields_dict(h.carp().counters(i)); },
           pyb::arg("index") = 0,
           ("Counters of vhid `index` as a dict (ValueError for an unknown index). " +
            describe::fields_doc<CarpCounters>()).c_str())
      .def("carp_vmac", [](const Host& h, std::size_t i) { return h.carp().vmac(i).to_string(); }, pyb::arg("index") = 0,
           "The virtual MAC of vhid `index` (CARP: 00:00:5e:00:01:<vhid>).")
      .def("carp_settings",
           [](const Host& h, std::size_t i) { return to_python(describe::settings_json(h.carp().config(i))); },
           pyb::arg("index") = 0, carp_settings_doc().c_str())
      .def("carp_next_deadline", [](const Host& h, std::size_t i) -> pyb::object {
        const Time t = h.carp().next_deadline(i);
        if (t.ns == INT64_MAX) return pyb::none();
        return pyb::float_(t.seconds());
      }, pyb::arg("index") = 0, "Time of the vhid's next timer (advert or master-down), None if none.")
      .def("lagg_member_for", [](Host& h, const std::string& l, const pyb::object& frame, const pyb::object& tci) {
        const auto b = frame_bytes(frame);
        std::optional<std::uint16_t> t;
        if (!tci.is_none()) t = tci.cast<std::uint16_t>();
        return h.lagg_member_for(l, b, t, h.now());
      }, pyb::arg("lagg"), pyb::arg("frame"), pyb::arg("vlan_tci") = pyb::none(),
         "The member the lagg would send this (untagged) frame on; '' if none.");

  pyb::class_<Network>(m, "Network", "Hosts, switches and links in virtual time (fwd/sim/network.hpp).")
      .def(pyb::init([](std::uint64_t seed, const pyb::object& max_frames, const pyb::object& max_events_pending) {
             NetworkConfig c;
             c.seed = seed;
             if (!max_frames.is_none())
               c.max_frames = static_cast<std::size_t>(int_field(max_frames, "max_frames", 0, 1LL << 40));
             if (!max_events_pending.is_none())
               c.max_events_pending =
                   static_cast<std::size_t>(int_field(max_events_pending, "max_events_pending", 0, 1LL << 40));
             return std::make_unique<Network>(c);
           }),
           pyb::arg("seed") = 1, pyb::arg("max_frames") = pyb::none(), pyb::arg("max_events_pending") = pyb::none(),
           "A network; max_frames (default 262144) and max_events_pending (default 4194304) stop a storm with a\n"
           "ValueError naming the busiest links instead of exhausting memory (0 = no limit).")
      .def("__repr__", [](const Network& n) {
        return fmt::format("<Network now={}s hosts={} switches={}>", n.now().seconds(), n.host_names().size(),
                           n.switch_names().size());
      })
      .def("add_host", [](Network& n, const std::string& name, const pyb::kwargs& kw) -> Host& {
             // The os's defaults first (a Linux host's timers are exact), then every keyword by the table.
             const HostOs os = kw.contains("os") ? enum_arg<HostOs>(kw["os"], "os") : HostOs::freebsd_9_3;
             HostConfig c = HostConfig::defaults(os, name);
             apply_settings(c, kw, "add_host", {}, {}, host_aliases);
             return n.add_host(std::move(c));
           }, pyb::arg("name"), pyb::return_value_policy::reference_internal, add_host_doc().c_str())
      .def("add_switch", [](Network& n, const std::string& name, std::vector<l2::PortConfig> ports, const std::string& profile,
                            const pyb::object& latency, const pyb::object& ageing, bool vlan_aware, const pyb::object& flap) -> l2::Switch& {
             l2::SwitchConfig c = l2::SwitchConfig::defaults(l2::parse_profile(profile));
             if (!ageing.is_none()) c.ageing = time_arg(ageing, "ageing");
             if (vlan_aware) c.vlan_aware = true;
             if (!flap.is_none()) c.flap = flap.cast<l2::FlapConfig>();
             c.events = l2::event_mask::standard;
             return n.add_switch(name, std::move(c), std::move(ports), time_arg(latency, "latency"));
           }, pyb::arg("name"), pyb::arg("ports"), pyb::arg("profile") = "vendor", pyb::arg("latency") = 2e-6,
           pyb::arg("ageing") = pyb::none(), pyb::arg("vlan_aware") = false, pyb::arg("flap") = pyb::none(),
           pyb::return_value_policy::reference_internal,
           "A fwd.l2 switch; ports are fwd._fwd.l2.PortConfig objects (LAG ports name their member links).")
      .def("connect", [](Network& n, const std::string& a, const std::string& b, const pyb::object& latency,
                         const pyb::object& jitter, double loss, std::uint64_t rate_bps) {
             LinkConfig c;
             c.latency = time_arg(latency, "latency");
             c.jitter = time_arg(jitter, "jitter");
             c.loss = loss;
             c.rate_bps = rate_bps;
             return n.connect(a, b, c);
           }, pyb::arg("a"), pyb::arg("b"), pyb::arg("latency") = 1e-6, pyb::arg("jitter") = 0.0, pyb::arg("loss") = 0.0,
           pyb::arg("rate_bps") = 0, "A cable between two endpoints 'node:iface'; returns the link index.")
      .def("add_fault", [](Network& n, const std::string& link, const std::string& direction, const pyb::object& start,
                           const pyb::object& end, const std::string& match, const pyb::object& mac,
                           const pyb::object& delay, std::uint64_t max_count) {
             Fault f;
             f.link = link;
             f.direction = direction;
             f.from = time_arg(start, "start");
             f.until = end.is_none() ? Time{INT64_MAX} : time_arg(end, "end");
             f.match = parse_fault_match(match);
             if (!mac.is_none()) f.mac = mac_of(mac);
             f.delay = time_arg(delay, "delay");
             f.max_count = max_count;
             n.add_fault(f);
           }, pyb::arg("link"), pyb::arg("direction") = "", pyb::arg("start") = 0.0, pyb::arg("end") = pyb::none(),
           pyb::arg("match") = "any", pyb::arg("mac") = pyb::none(), pyb::arg("delay") = 0.0, pyb::arg("max_count") = 0,
           "Drop (delay 0) or delay frames matching `match` sent on a link in [start, end); direction = the "
           "sending node's name ('' = both).")
      .def("host", static_cast<Host& (Network::*)(std::string_view)>(&Network::host), pyb::arg("name"),
           pyb::return_value_policy::reference_internal, "The Host named `name` (ValueError naming the known hosts).")
      .def("switch", &Network::switch_node, pyb::arg("name"), pyb::return_value_policy::reference_internal,
           "The fwd.l2 Switch named `name` (ValueError naming the known switches).")
      .def_property_readonly("hosts", &Network::host_names, "Host names in creation order.")
      .def_property_readonly("switches", &Network::switch_names, "Switch names in creation order.")
      .def_property_readonly("links", [](const Network& n) {
        std::vector<std::string> v;
        for (std::uint32_t i = 0; i < n.link_count(); ++i) v.push_back(n.link_name(i));
        return v;
      }, "Link names ('a:em0 <-> sw0:p1') by link index (the index connect() returned).")
      .def("link_counters", [](const Network& n, std::uint32_t link, int direction) {
        return fields_dict(n.link_counters(link, direction));
      }, pyb::arg("link"), pyb::arg("direction"),
         ("Counters of one direction of link `link` (0: from the first endpoint to the second, 1: back) as a dict.\n" +
          describe::fields_doc<LinkCounters>()).c_str())
      .def("send_frame_at", [](Network& n, const pyb::object& t, const std::string& host, const std::string& iface,
                               const pyb::object& frame) { n.send_frame_at(time_arg(t, "t"), host, iface, frame_bytes(frame)); },
           pyb::arg("t"), pyb::arg("host"), pyb::arg("iface"), pyb::arg("frame"),
           "Injects frame bytes out of a host interface at t (source MAC used as given).")
      .def("set_link_up_at", [](Network& n, const pyb::object& t, const std::string& ep, bool up) {
             n.set_link_up_at(time_arg(t, "t"), ep, up);
           }, pyb::arg("t"), pyb::arg("endpoint"), pyb::arg("up"),
           "Carrier of the cable at `endpoint` ('node:iface') goes up/down at time t: both ends see it (a host's\n"
           "lagg/CARP react, a switch port goes down and flushes).")
      .def("at", [](Network& n, const pyb::object& t, pyb::function f) {
             // run_until releases the GIL: the callback's reference is dropped (the action is
             // destroyed after it ran) with the GIL taken again, never without it.
             std::shared_ptr<pyb::function> held(new pyb::function(std::move(f)), [](pyb::function* p) {
               pyb::gil_scoped_acquire g;
               delete p;
             });
             n.at(time_arg(t, "t"), [held](Network& net) {
               pyb::gil_scoped_acquire g;
               (*held)(pyb::cast(&net, pyb::return_value_policy::reference));
             });
           }, pyb::arg("t"), pyb::arg("callback"), "Calls callback(network) at virtual time t.")
      .def("run_until", [](Network& n, const pyb::object& t) { return run_interruptible(n, time_arg(t, "t")); }, pyb::arg("t"),
           "Runs every event up to t (seconds); returns how many ran. Runs in slices with the GIL released and\n"
           "checks for signals between them: Ctrl-C raises KeyboardInterrupt within a fraction of a second\n"
           "(the network stops at the last event run and can be run on).")
      .def("run_for", [](Network& n, const pyb::object& d) { return run_interruptible(n, n.now() + time_arg(d, "duration")); },
           pyb::arg("duration"), "Runs every event up to now + duration (as run_until); returns how many ran.")
      .def_property_readonly("now", [](const Network& n) { return n.now().seconds(); },
                             "Current virtual time, seconds (float).")
      .def_property_readonly("now_ns", [](const Network& n) { return n.now().ns; }, "Current virtual time, integer ns.")
      .def_property_readonly("events", &Network::events, "Events run so far (frame deliveries, timers, actions).")
      .def("switch_events", [](Network& n, const std::string& kind) {
        pyb::list out;
        for (const auto& e : n.switch_events()) {
          if (!kind.empty() && e.kind != kind) continue;
          pyb::dict d;
          d["time"] = e.time.seconds();
          d["switch"] = e.node;
          d["kind"] = e.kind;
          d["mac"] = e.mac.to_string();
          d["vlan"] = e.vlan;
          d["from_port"] = e.from;
          d["to_port"] = e.to;
          d["from"] = e.from;  // old spellings, kept one release
          d["to"] = e.to;
          out.append(d);
        }
        return out;
      }, pyb::arg("kind") = "", "Switch table events (kind 'moved', 'flap', ...) with port names.")
      .def("accounting", [](const Network& n) {
        const auto a = n.accounting();
        pyb::dict d;
        d["link_tx"] = a.link_tx;
        d["link_delivered"] = a.link_delivered;
        d["link_lost"] = a.link_lost;
        d["link_in_flight"] = a.link_in_flight;
        d["switch_rx"] = a.switch_rx;
        d["switch_forwarded"] = a.switch_forwarded;
        d["switch_flooded"] = a.switch_flooded;
        d["switch_to_host"] = a.switch_to_host;
        d["switch_dropped"] = a.switch_dropped;
        d["switch_copies"] = a.switch_copies;
        d["switch_copies_linked"] = a.switch_copies_linked;
        d["switch_copies_unlinked"] = a.switch_copies_unlinked;
        d["switch_copies_oversize"] = a.switch_copies_oversize;
        d["host_rx"] = a.host_rx;
        d["host_delivered"] = a.host_delivered;
        d["host_dropped"] = a.host_dropped;
        d["balanced"] = a.balanced();
        d["text"] = a.to_text();
        return d;
      }, "Frame accounting; 'balanced' says every frame is delivered, lost or dropped with a reason.");
}

}  // namespace fwd::py
