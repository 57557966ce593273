#pragma once
/// \file
/// Host: an end system or router of a fwd::sim network, following the FreeBSD 9.3 stack
/// (sys/net/if_ethersubr.c, if_lagg.c, if_vlan.c, sys/netinet/if_ether.c, ip_input.c,
/// ip_icmp.c, tcp_timer.c; spec carp.md §6, seed-scenario.md §3, §8).
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

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fwd/lag/lag.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/route/ecmp.hpp"
#include "fwd/sim/capture.hpp"
#include "fwd/sim/carp.hpp"
#include "fwd/sim/detail/frame_pool.hpp"
#include "fwd/sim/traffic.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

class Network;
namespace detail {
struct CarpVhid;
struct HostTcp;
}

using IfaceId = std::uint32_t;
inline constexpr IfaceId no_iface = 0xffffffffu;

/// Why a host dropped a frame (received, forwarded or locally sent).
enum class HostDrop : std::uint8_t {
  iface_down,          ///< receiving NIC administratively down
  lagg_not_collecting, ///< lagg: frame from a member that is not COLLECTING (9.3 lagg_lacp_input)
  no_vlan,             ///< tagged frame and no vlan(4) with that VID on the interface
  not_for_us_mac,      ///< unicast to a MAC the host does not own
  backup_vmac,         ///< CARP BACKUP: frame for the virtual MAC (carp.md §6)
  multicast_not_joined,///< group address the host has not joined
  runt,                ///< shorter than an Ethernet header
  unknown_ethertype,
  arp_bad,             ///< malformed ARP
  arp_ignored,         ///< ARP request for an address the host does not answer for
  ip_bad,              ///< malformed IPv4 header
  ip_not_for_us,       ///< not a local address and forwarding is off
  no_route,
  ttl_exceeded,
  arp_unresolved,      ///< next hop did not answer ARP (or the held packet was replaced)
  icmp_ignored,        ///< ICMP type not handled
  tcp_no_socket,       ///< TCP segment for no listener / connection
  ipv6_ignored,        ///< IPv6 other than CARP adverts and NAs
  carp_rejected,       ///< advert refused by the CARP receive checks
  tx_lagg_transit,     ///< lagg transmit suppressed (LACP transit or injected TX blackout): ENETDOWN
  tx_lagg_no_member,   ///< lagg had no distributing member
  tx_link_down,        ///< NIC or link down on transmit
  pf_blocked,          ///< a packet-filter rule refused it (e.g. ICMP to the VIP, answer_icmp_to_vip)
  count_
};
inline constexpr std::size_t host_drop_count = static_cast<std::size_t>(HostDrop::count_);
/// The reason text, e.g. "BACKUP: not for us (vMAC)".
const char* to_string(HostDrop d);

/// Stack settings of a host.
struct HostConfig {
  std::string name;
  /// Followed system: freebsd-9.3 (default), freebsd-10 (10.x timers), linux (1 s SYN RTO).
  std::string os = "freebsd-9.3";
  Time tick = Time::from_ms(1);      ///< 1/kern.hz; 0 = exact timers
  Time tick_phase{};                 ///< offset of the tick grid from t = 0
  Time stack_delay = Time::from_us(15);  ///< frame in -> kernel reply out
  bool forwarding = false;           ///< net.inet.ip.forwarding
  Time arp_max_age = Time::from_s(1200);
  std::uint32_t arp_maxtries = 5;
  Time arp_down = Time::from_s(20);
  bool answer_icmp_to_vip = true;    ///< false: a pf rule blocks ICMP to the VIPs (spec §9.9)
};

/// What one CARP vhid / VRRP instance put on the wire and logged so far.
struct CarpCounters {
  std::uint64_t state_changes = 0;
  std::uint64_t adverts_sent = 0;   ///< adverts put on the wire
  std::uint64_t send_errors = 0;    ///< adverts whose send failed
  std::uint64_t garps_sent = 0;     ///< gratuitous ARPs
  std::uint64_t nas_sent = 0;       ///< unsolicited neighbour advertisements
  std::uint64_t log_lines = 0;
};

/// Per-interface counters (netstat -i names).
struct IfaceCounters {
  std::uint64_t ipackets = 0, opackets = 0, ierrors = 0, oerrors = 0, ibytes = 0, obytes = 0;
};

/// Per-host counters: every received frame is delivered or dropped (by reason) exactly once;
/// every frame the host tries to send (its own or forwarded) is put on a link or tx-dropped.
struct HostCounters {
  std::uint64_t rx = 0;          ///< frames arriving on NICs
  std::uint64_t delivered = 0;   ///< accepted by the stack (ARP, IP local, forwarded, CARP)
  std::uint64_t forwarded = 0;   ///< of the delivered, IPv4 packets routed on
  std::uint64_t dropped = 0;     ///< received frames dropped
  std::uint64_t tx = 0;          ///< frames put on links
  std::uint64_t tx_dropped = 0;  ///< frames not sent (lagg transit, ARP failure, link down, no route)
  std::array<std::uint64_t, host_drop_count> dropped_by{};  ///< both directions, by reason
};

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
  /// A CARP vhid / VRRP instance on `iface` (normally a vlan), configured by `c` (start from
  /// carp::Config::defaults(profile, vhid)). The host fills what belongs to it: carpdev name and
  /// MAC, the counter seed (from the network's seed), src4/src6 when unset (its own address on
  /// `iface` in a VIP's subnet), and the timing: CARP on a FreeBSD host with a tick follows
  /// kern.hz (tvtohz rounding); VRRP daemons and `os: linux` hosts use exact timers.
  /// Returns its index on this host.
  std::size_t add_carp(const std::string& iface, carp::Config c);
  /// A TCP listener (answers SYN with SYN-ACK).
  void listen(std::uint16_t port);
  /// Captures `iface` from now on (idempotent).
  Capture& capture(const std::string& iface);

  // ---- faults --------------------------------------------------------------------------
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
  /// CARP: the vhid sends no advert within [from, until) ("node stops advertising").
  void carp_silence(std::size_t vhid_index, Time from, Time until);
  /// VRRP/CARP process stopped (SIGSTOP) / continued (SIGCONT) now: while frozen the VIPs and
  /// state stay, nothing is processed, received adverts queue; on resume they are answered in
  /// order (carp::Instance::freeze/resume).
  void carp_freeze(std::size_t vhid_index, bool frozen, Time now);

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
  const std::vector<HostLog>& log() const { return log_; }
  std::size_t carp_count() const;
  /// "INIT", "BACKUP" or "MASTER".
  std::string carp_state(std::size_t vhid_index) const;
  /// What the vhid put on the wire and logged so far.
  CarpCounters carp_counters(std::size_t vhid_index) const;
  /// Time of the vhid's next timer (advert or master-down), or INT64_MAX.
  Time carp_next_deadline(std::size_t vhid_index) const;
  /// ARP cache as text lines ("192.168.80.254 at 00:00:5e:00:01:02 on vlan2 expires in 1199 s").
  std::vector<std::string> arp_table(Time now) const;
  Capture* find_capture(std::string_view iface);
  std::vector<std::string> captured_ifaces() const;
  const lag::Lag* lagg(std::string_view name) const;
  /// The member a frame leaving `lagg` at `now` would take (the lagg's own choice).
  std::string lagg_member_for(std::string_view lagg, net::Bytes untagged_frame, std::optional<std::uint16_t> vlan_tci,
                              Time now);

  // ---- traffic ---------------------------------------------------------------------------
  /// Starts `ping -f`; returns the app index.
  std::size_t ping_flood(const PingConfig& c);
  const PingResult& ping_result(std::size_t app) const;
  std::size_t tcp_connects(const TcpConnectConfig& c);
  const TcpConnectResult& tcp_result(std::size_t app) const;
  /// Sends raw frame bytes out of `iface` at the current time (frames built by the user; the
  /// source MAC is taken as given, so a vMAC-sourced frame can be injected).
  void send_raw(IfaceId iface, net::Bytes frame, Time at);
  /// Sends one CARP advert of this host's vhid now, whatever its state (source vMAC), as the
  /// 9.3 late-advert race would (spec seed-scenario.md §7 (a)); the state machine is not changed.
  void send_spurious_advert(std::size_t vhid_index, Time now);
  /// `ifconfig carpN state backup|master` / `down|up` now.
  void carp_force_state(std::size_t vhid_index, const std::string& state, Time now);
  /// The vhid's virtual MAC.
  net::Mac carp_vmac(std::size_t vhid_index) const;
  /// TCP listener statistics: SYNs received, SYN-ACKs sent, handshakes completed.
  std::uint64_t tcp_syns_received() const;
  std::uint64_t tcp_synacks_sent() const;
  std::uint64_t tcp_established_passive() const;

  /// Receives a frame from the link of NIC `nic` (called by Network).
  void receive(IfaceId nic, detail::FrameRef f, Time now);
  /// Runs timer `slot` (called by Network).
  void on_timer(std::uint32_t slot, std::uint32_t gen, Time now);
  /// Starts CARP and applications (called by Network before the first event).
  void start(Time now);
  /// Carrier of NIC's link changed (called by Network).
  void on_carrier(IfaceId nic, bool up, Time now);

  // ---- internals shared with Network --------------------------------------------------------
  enum class IfKind : std::uint8_t { nic, lagg, vlan };
  struct Addr4 {
    net::Ipv4 addr;
    std::uint8_t prefix;
    std::uint32_t mask;
  };
  struct Addr6 {
    net::Ipv6 addr;
    std::uint8_t prefix;
  };
  struct Iface {
    std::string name;
    IfKind kind = IfKind::nic;
    net::Mac mac{};
    bool up = true;
    bool carrier = true;           // NIC: link carrier
    IfaceId parent = no_iface;     // vlan: parent; NIC: its lagg (if a member)
    lag::MemberIndex member = lag::no_member;  // NIC: index in its lagg
    std::uint16_t vid = 0;         // vlan
    std::uint32_t link = 0xffffffffu;  // NIC: network link end (set by Network::connect)
    std::unique_ptr<lag::Lag> lag;     // lagg
    std::vector<IfaceId> members;      // lagg
    std::vector<std::pair<std::uint16_t, IfaceId>> vlans;  // NIC/lagg: children
    std::vector<Addr4> v4;
    std::vector<Addr6> v6;
    std::vector<std::uint32_t> carp;   // vhid indexes on this interface
    Time blackout_from{INT64_MAX}, blackout_until{INT64_MIN};
    Capture* cap = nullptr;
    IfaceCounters counters;
  };

private:
  friend class Network;
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
  struct TimerSlot {
    Time due{};
    Time pending_at{};
    std::uint32_t gen = 0;
    bool armed = false;
    bool has_pending = false;
    std::uint8_t kind = 0;     // 0 ping, 1 tcp generator, 2 tcp connections, 3 carp
    std::uint32_t index = 0;
  };
  struct PingApp {
    PingConfig cfg;
    PingResult res;
    std::uint32_t next = 0;    // next request index
    Time last_send{};
    std::uint32_t slot = 0;
    detail::FrameRef tmpl = detail::no_frame;  // echo request template (IP packet + eth)
    bool done_sending = false;
    bool almost_done = false;
  };

  // data path
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
  Time tick_after(Time t, Time timeout) const;
  Time callout_at(Time t, std::int64_t ticks_or_ns, bool exact_ns) const;
  bool is_vip(net::Ipv4 a) const;

  // timers
  std::uint32_t new_slot(std::uint8_t kind, std::uint32_t index);
  void arm(std::uint32_t slot, Time due);
  void disarm(std::uint32_t slot) { slots_[slot].armed = false; }

  // apps
  void ping_send(PingApp& a, Time at);
  void ping_reply(std::uint16_t id, std::uint16_t seq, Time now);
  void ping_timer(PingApp& a, Time now);
  void ping_finish_step(PingApp& a, Time now);

  // TCP (sim_host_tcp.cpp)
  void tcp_input(IfaceId ifc, detail::FrameRef f, std::size_t l3, Time now);
  void tcp_gen_timer(std::uint32_t app, Time now);
  void tcp_conn_timer(Time now);
  void tcp_send(net::Ipv4 src, net::Ipv4 dst, std::uint16_t sport, std::uint16_t dport, std::uint32_t seq,
                std::uint32_t ack, std::uint8_t flags, Time at);
  Time tcp_rto(std::uint32_t shift, Time from, bool& final, Time started) const;
  void tcp_rearm();

  // CARP
  void carp_input(IfaceId ifc, detail::FrameRef f, std::size_t l3, bool v6, Time now);
  void carp_timer(std::uint32_t idx, Time now);
  void carp_apply(std::uint32_t idx, Time now);
  void carp_drain(std::uint32_t idx, Time now, std::vector<std::pair<std::uint32_t, int>>& demotions);
  void carp_start(Time now);
  detail::CarpVhid& vhid_at(std::size_t i) const;
  bool vmac_master(IfaceId ifc, net::Mac dst, bool& is_vmac) const;
  bool vip_master(IfaceId ifc, net::Ipv4 ip, net::Mac& vmac) const;
  /// Carpdev usable: the interface and everything below it up, with carrier (a lagg: any member).
  bool iface_usable(IfaceId ifc) const;
  /// Tells every vhid whose carpdev's usability changed (after set_iface_up / on_carrier).
  void carp_links(Time now);

  Network& net_;
  std::uint32_t id_;
  HostConfig cfg_;
  std::vector<Iface> ifaces_;
  std::vector<Route> routes_;   // sorted by prefix length, longest first
  std::vector<Multipath> multipaths_;
  std::vector<ArpEntry> arp_;
  std::vector<TimerSlot> slots_;
  std::vector<std::unique_ptr<PingApp>> pings_;
  std::vector<std::unique_ptr<detail::CarpVhid>> carps_;
  std::unique_ptr<detail::HostTcp> tcp_;
  std::vector<std::unique_ptr<Capture>> captures_;
  HostCounters counters_;
  std::map<net::Mac, std::uint64_t> strays_;
  std::vector<std::uint32_t> stray_echo_;
  std::vector<HostLog> log_;
  std::uint16_t ip_id_ = 1;
  bool started_ = false;
};

}  // namespace fwd::sim
