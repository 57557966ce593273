#pragma once
/// \file
/// Host: an end system or router of a fwd::sim network, following the FreeBSD 9.3 stack
/// (sys/net/if_ethersubr.c, if_lagg.c, if_vlan.c, sys/netinet/if_ether.c, ip_input.c,
/// ip_icmp.c, tcp_timer.c; spec carp.md §6, seed-scenario.md §3, §8).
///
/// A Host is its stack plus two parts it owns by value, one concept each:
///  - the stack (this class): interfaces (host_iface.hpp), addresses, routes, ARP, IPv4/ICMP,
///    IP forwarding, timers, counters (host_counters.hpp), settings (host_config.hpp), and the
///    faults of interfaces (administrative down, lagg transmit blackout, LACP mux state);
///  - apps() (host_apps.hpp): ping -f, TCP listeners and connection generators;
///  - carp() (host_carp.hpp): CARP vhids / VRRP instances, their operator actions and faults.
///
/// Interfaces: NICs (own MAC, one link each), lagg(4) over NICs (a fwd::lag::Lag: transmit
/// member by the lagg's hash policy and distributor, receive on any COLLECTING member, MAC =
/// the first port added unless set), vlan(4) over a NIC or lagg (MAC = parent's, hardware
/// tagging: the tag travels out of band through the lagg hash, as VLAN_HWTAGGING does, and is
/// put in the frame by the NIC). Addresses (IPv4, and IPv6 for CARP), a routing table
/// (connected prefixes, static routes, default route), ARP (request, reply, cache with
/// max_age 1200 s, unresolved entries hold one packet and re-ask at most once a second up to 5
/// times, gratuitous ARP updates existing entries), ICMP echo, a minimal TCP (listen: SYN ->
/// SYN-ACK; connect: SYN retransmitted on the followed system's schedule), IP forwarding
/// between interfaces when asked, and CARP vhids (fwd/sim/carp.hpp Instance) on an interface.
///
/// Receive order (each step can drop with a HostDrop reason; every received frame ends as
/// delivered or dropped exactly once): NIC tap -> NIC up -> lagg tap -> member COLLECTING ->
/// vlan demux -> vlan tap -> L2 destination (own MAC, broadcast, joined multicast, vMAC while
/// MASTER; a BACKUP drops vMAC frames: "BACKUP: not for us (vMAC)") -> ARP / IPv4 / IPv6.
/// Transmit: interface MAC as source for everything except CARP adverts and takeover NAs, which
/// carry the vMAC (carp.md §6). Kernel replies leave `stack_delay` after the frame that caused
/// them arrived; timers fire on tick boundaries when `tick` > 0 (kern.hz), else exactly.
/// Hosts are driven by fwd::sim::Network; a Host is not usable alone. Thread rules: one thread.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/describe/json.hpp"
#include "fwd/lag/lag.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/route/ecmp.hpp"
#include "fwd/sim/capture.hpp"
#include "fwd/sim/detail/frame_pool.hpp"
#include "fwd/sim/host_apps.hpp"
#include "fwd/sim/host_carp.hpp"
#include "fwd/sim/host_config.hpp"
#include "fwd/sim/host_counters.hpp"
#include "fwd/sim/host_iface.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

class Network;

/// A CARP state change or log line, as the host's log shows it.
struct HostLog {
  Time time{};
  std::string text;
};

class Host {
public:
  Host(Network& net, std::uint32_t id, HostConfig cfg);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const HostConfig& config() const { return cfg_; }
  const std::string& name() const { return cfg_.name; }
  /// The network's current virtual time.
  Time now() const;
  std::uint32_t id() const { return id_; }

  /// Ping generators, TCP listeners and connection generators.
  HostApps& apps() { return apps_; }
  const HostApps& apps() const { return apps_; }
  /// CARP vhids / VRRP instances.
  HostCarp& carp() { return carp_; }
  const HostCarp& carp() const { return carp_; }

  // ---- configuration (edges: throw fwd::Error naming the bad value) -------------------------
  /// A NIC with its own MAC.
  IfaceId add_nic(const std::string& name, net::Mac mac);
  /// A lagg over NICs (in the order they were added: the lagg MAC is the first one's unless
  /// `mac` is given). `lag_spec` is a fwd::lag spec, e.g. "freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0x1".
  IfaceId add_lagg(const std::string& name, const std::string& lag_spec, const std::vector<std::string>& members,
                   std::optional<net::Mac> mac = {});
  /// A vlan(4) interface with tag `vid` on a NIC or lagg.
  IfaceId add_vlan(const std::string& name, const std::string& parent, std::uint16_t vid);
  /// "192.168.80.251/24" or "fd00:0:0:80::251/64" on an interface.
  void add_address(const std::string& iface, const std::string& cidr);
  /// A static route ("0.0.0.0/0" = default) via a gateway.
  void add_route(const std::string& cidr, net::Ipv4 gateway);
  void set_default_route(net::Ipv4 gateway) { add_route("0.0.0.0/0", gateway); }
  /// A multipath route: the next hop of each packet is chosen by the route layer (fwd::route) with
  /// `ecmp_spec` (e.g. "linux-6.18:policy=1;seed=0x1234abcd") over the gateways in this order,
  /// exactly as fwd::path predicts. `weights` empty = all 1.
  void add_multipath_route(const std::string& cidr, const std::vector<net::Ipv4>& gateways,
                           const std::string& ecmp_spec, const std::vector<std::uint32_t>& weights = {});
  /// Removes every static route for `cidr`.
  void del_route(const std::string& cidr);
  void set_forwarding(bool on) { cfg_.forwarding = on; }
  /// Captures `iface` from now on (idempotent).
  Capture& capture(const std::string& iface);

  // ---- faults of interfaces (host_faults.cpp) -------------------------------------------
  /// Interface administratively up/down (`ifconfig IF down`): the host stops sending and
  /// receiving on it; the cable's carrier is not touched, so the peer still sees link (drop the
  /// carrier with Network::set_link_up_at). Either change reaches CARP/VRRP instances on the
  /// interface or on a vlan/lagg above it as carpdev down/up (CARP: INIT and demotion; VRRP: FAULT).
  void set_iface_up(const std::string& iface, bool up, Time now);
  /// Transmit blackout on a lagg (every send fails with ENETDOWN) over [from, until).
  void lagg_blackout(const std::string& lagg, Time from, Time until);
  /// LACP state of a lagg member (attached/collecting/distributing); distributing changes start
  /// FreeBSD's transit window as fwd::lag::Lag models it.
  void set_lacp(const std::string& member, bool collecting, bool distributing, Time now);

  // ---- inspection ------------------------------------------------------------------------
  std::size_t iface_count() const { return ifaces_.size(); }
  IfaceId iface_id(std::string_view name) const;
  const std::string& iface_name(IfaceId i) const { return ifaces_.at(i).name; }
  net::Mac iface_mac(IfaceId i) const { return ifaces_.at(i).mac; }
  const IfaceCounters& iface_counters(IfaceId i) const { return ifaces_.at(i).counters; }
  const HostCounters& counters() const { return counters_; }
  /// Unicast frames dropped at L2 (not for us / BACKUP vMAC), by destination MAC.
  const std::map<net::Mac, std::uint64_t>& strays_by_dst_mac() const { return strays_; }
  /// Frames dropped as "BACKUP: not for us (vMAC)" whose IPv4 payload is an echo request, by
  /// (id << 16 | seq): lets a ping report say which lost requests reached this host.
  const std::vector<std::uint32_t>& stray_echo_requests() const { return stray_echo_; }
  /// CARP state changes and log lines, in order.
  const std::vector<HostLog>& log() const { return log_; }
  /// ARP cache as text lines ("192.168.80.254 at 00:00:5e:00:01:02 on vlan2 expires in 1199 s").
  std::vector<std::string> arp_table(Time now) const;
  Capture* find_capture(std::string_view iface);
  std::vector<std::string> captured_ifaces() const;
  const lag::Lag* lagg(std::string_view name) const;
  /// The member a frame leaving `lagg` at `now` would take (the lagg's own choice).
  std::string lagg_member_for(std::string_view lagg, net::Bytes untagged_frame, std::optional<std::uint16_t> vlan_tci,
                              Time now);
  /// Every counter of the host as text (host_show.cpp), one line per described field (host, each interface,
  /// each vhid, the TCP listeners; non-zero drop reasons by name), then the settings (HostConfig's table).
  std::string stats_text() const;
  /// The JSON twin of stats_text(): {"host", "settings" (HostConfig's table), "counters", "ifaces": {name: counters},
  /// "carp": [counters + "state"], "tcp_listener": counters}.
  describe::json::object to_json() const;

  // ---- frames ----------------------------------------------------------------------------
  /// Sends raw frame bytes out of `iface` at the current time (frames built by the user; the
  /// source MAC is taken as given, so a vMAC-sourced frame can be injected).
  void send_raw(IfaceId iface, net::Bytes frame, Time at);

  // ---- driven by Network -------------------------------------------------------------------
  /// Receives a frame from the link of NIC `nic`.
  void receive(IfaceId nic, detail::FrameRef f, Time now);
  /// Runs timer `slot`.
  void on_timer(std::uint32_t slot, std::uint32_t gen, Time now);
  /// Starts CARP and applications (before the first event).
  void start(Time now);
  /// Carrier of NIC's link changed.
  void on_carrier(IfaceId nic, bool up, Time now);

private:
  friend class Network;
  friend class HostApps;
  friend class HostCarp;
  struct Route {
    std::uint32_t net, mask;
    std::uint8_t prefix;
    net::Ipv4 gw;       // 0: connected
    IfaceId iface;
    std::int32_t multipath = -1;  // index into multipaths_ (gw/iface: its first path)
  };
  struct Multipath {
    route::Ecmp ecmp;
    std::vector<std::pair<net::Ipv4, IfaceId>> hops;  // gateway and interface per path
  };
  struct ArpEntry {
    net::Ipv4 ip;
    net::Mac mac{};
    IfaceId iface = no_iface;
    bool resolved = false;
    std::uint32_t asked = 0;
    Time expires{};
    Time last_ask{INT64_MIN / 2};
    detail::FrameRef hold = detail::no_frame;
  };
  /// Who owns a timer slot (the index says which one of them).
  enum class TimerOwner : std::uint8_t { ping, tcp_generator, tcp_connections, carp };
  struct TimerSlot {
    Time due{};
    Time pending_at{};
    std::uint32_t gen = 0;
    bool armed = false;
    bool has_pending = false;
    TimerOwner owner = TimerOwner::ping;
    std::uint32_t index = 0;
  };

  // data path (host_ip.cpp)
  void rx_l2(IfaceId ifc, detail::FrameRef f, Time now);
  void drop(HostDrop why, detail::FrameRef f);
  void drop_tx(HostDrop why, detail::FrameRef f);
  void arp_input(IfaceId ifc, detail::FrameRef f, Time now);
  void ip_input(IfaceId ifc, detail::FrameRef f, Time now);
  void ip6_input(IfaceId ifc, detail::FrameRef f, Time now);
  void icmp_input(IfaceId ifc, detail::FrameRef f, std::size_t l3, Time now);
  void ip_forward(IfaceId ifc, detail::FrameRef f, Time now);
  /// Frame `f` holds Ethernet (dst unset) + IPv4; routes it and resolves the next hop.
  bool ip_output(detail::FrameRef f, Time at, bool forwarded = false);
  bool resolve_and_send(IfaceId out, net::Ipv4 nexthop, detail::FrameRef f, Time at);
  /// Sends an Ethernet frame (untagged, src/dst set) out of `ifc`; false = send error.
  bool if_output(IfaceId ifc, detail::FrameRef f, Time at, std::optional<std::uint16_t> vlan_tci = {});
  bool nic_output(IfaceId nic, detail::FrameRef f, Time at);
  void send_arp(IfaceId ifc, std::uint16_t op, net::Mac eth_dst, net::Mac sha, net::Ipv4 spa, net::Mac tha,
                net::Ipv4 tpa, Time at, std::optional<net::Mac> eth_src = {});
  const Route* lookup(net::Ipv4 dst) const;
  bool is_local(net::Ipv4 a) const;
  IfaceId iface_for_local(net::Ipv4 a) const;
  net::Ipv4 source_for(IfaceId ifc, net::Ipv4 dst) const;
  ArpEntry* arp_find(net::Ipv4 ip, Time now);
  void capture_if(IfaceId ifc, bool out, net::Bytes frame, Time t) {
    if (Capture* c = ifaces_[ifc].cap) c->add(t, out, frame);
  }
  void note_stray(net::Bytes frame, std::size_t l3, bool vmac);
  /// The next IPv4 identification (one counter for every packet the host originates).
  std::uint16_t next_ip_id() { return ip_id_++; }
  /// Carpdev usable: the interface and everything below it up, with carrier (a lagg: any member).
  bool iface_usable(IfaceId ifc) const;

  // timers (host.cpp)
  Time tick_after(Time t, Time timeout) const;
  Time callout_at(Time t, std::int64_t ticks_or_ns, bool exact_ns) const;
  std::uint32_t new_slot(TimerOwner owner, std::uint32_t index);
  void arm(std::uint32_t slot, Time due);
  void disarm(std::uint32_t slot) { slots_[slot].armed = false; }

  Network& net_;
  std::uint32_t id_;
  HostConfig cfg_;
  std::vector<HostIface> ifaces_;
  std::vector<Route> routes_;   // sorted by prefix length, longest first
  std::vector<Multipath> multipaths_;
  std::vector<ArpEntry> arp_;
  std::vector<TimerSlot> slots_;
  std::vector<std::unique_ptr<Capture>> captures_;
  HostCounters counters_;
  std::map<net::Mac, std::uint64_t> strays_;
  std::vector<std::uint32_t> stray_echo_;
  std::vector<HostLog> log_;
  std::uint16_t ip_id_ = 1;
  bool started_ = false;
  HostApps apps_{*this};
  HostCarp carp_{*this};
};

}  // namespace fwd::sim
