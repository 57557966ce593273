#pragma once
/// \file
/// fwd::sim::carp — CARP and VRRP as pure, deterministic state machines in virtual time.
///
/// Follows FreeBSD releng/9.3 `sys/netinet/ip_carp.c` (profile `freebsd-9.3`), the rewritten
/// CARP of FreeBSD 10.0 … 14.x (`freebsd-10+`, read from a FreeBSD 14 tree), and VRRP per
/// RFC 3768 (`vrrp-v2`) and RFC 5798/9568 (`vrrp-v3`) with keepalived 2.2.7 as the observed
/// implementation (spec carp.md §1-§9 and its keepalived section).
///
/// One `Instance` is one vhid (VRID) on one carpdev. It owns no clock and no sockets: a host
/// feeds it inputs stamped with the current virtual time and gets back `Action`s appended to a
/// caller-owned `ActionBuffer` (reuse it: no allocation in steady state; only transitions build
/// log strings). API summary (what a host calls):
///
///   Instance inst(cfg);                          // cfg = Config::defaults(profile) + fields
///   inst.start(now, out);                        // carp interface up: INIT -> BACKUP
///   inst.next_deadline();                        // optional<Time>: call on_timer then
///   inst.on_timer(now, out);                     // runs every timer due at or before now
///   auto a = parse_advert(frame, cfg.profile, &why);      // receive checks of the wire
///   Drop d = inst.on_advert(now, *a, out);       // vhid/version/auth checks + state logic
///   inst.on_send_result(now, ok, out);           // once per SendAdvert, right after sending it
///   inst.on_link(now, up, out);  inst.admin(now, up, out);  inst.force_state(now, s, out);
///   inst.freeze(now); inst.resume(now, out);     // SIGSTOP / SIGCONT of the daemon
///   inst.demote(now, delta, out);                // sysctl-style demotion of this node
///   inst.apply_node_demotion(now, delta, out);   // forward a sibling's DemotionChanged
///   advert_frame(cfg, send.fields, params);      // exact frame bytes of a SendAdvert
///
/// Actions: SendAdvert (Ethernet source resolved), SendGratuitousArp, SendNeighborAdvert,
/// StateChanged, Log (syslog level + exact text), DemotionChanged. Each carries `at`: FreeBSD
/// busy-waits 1 ms (DELAY(1000)) after takeover GARPs/NAs, so later frames of one takeover leave
/// later. Timers: one advert timer, separate IPv4/IPv6 master-down timers (9.3 and 10+), one GARP
/// repeat per trigger (keepalived: each takeover or "forcing new election" schedules its own),
/// and a queue of inputs waiting for processing_delay / link_delay or for resume() after freeze(). `ticks` timing rounds like FreeBSD's tvtohz (⌈µs/tick⌉ + 1 ticks,
/// a duration of whole ticks with no phase alignment); `exact` uses advbase + advskew/256 s.
/// Wire-level refusals (parse_advert) are the host's to count; stats() counts on_advert's.
/// Thread rules: one Instance per thread; const methods are read-only; no global state (the
/// node-wide demotion travels through DemotionChanged / apply_node_demotion).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fwd/describe/field.hpp"
#include "fwd/net/bytes.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/time.hpp"

namespace fwd::sim::carp {

/// Which real implementation an Instance follows.
enum class Profile : std::uint8_t {
  freebsd_9_3,  ///< "freebsd-9.3": carpN pseudo-interface, suppress_preempt counter
  freebsd_10,   ///< "freebsd-10+": vhid on the parent, net.inet.carp.demotion (10.0 … 14.x)
  vrrp_v2,      ///< "vrrp-v2": RFC 3768, IPv4 only, interval in seconds
  vrrp_v3,      ///< "vrrp-v3": RFC 5798/9568, interval in centiseconds, IPv4 or IPv6
};
/// Parses "freebsd-9.3", "freebsd-10+" (alias "freebsd-10"), "vrrp-v2", "vrrp-v3"; throws
/// fwd::Error naming the bad text and the accepted names.
Profile profile_from_name(std::string_view name);
const char* to_string(Profile p);
constexpr bool is_carp(Profile p) { return p == Profile::freebsd_9_3 || p == Profile::freebsd_10; }

/// VRRP implementation flavour (ignored by the CARP profiles).
enum class Flavor : std::uint8_t {
  keepalived,  ///< keepalived 2.2.7 defaults: no vMAC, 5-GARP bursts + repeat after 5 s,
               ///< a master answers a lower-priority advert at once ("forcing new election")
  rfc,         ///< RFC 3768/5798 text: vMAC everywhere, one GARP, lower adverts discarded
};
/// Parses "keepalived" or "rfc"; throws fwd::Error.
Flavor flavor_from_name(std::string_view name);

enum class Family : std::uint8_t { ipv4, ipv6 };
/// `fault` is VRRP only: keepalived's FAULT (the instance's interface is down; nothing is sent,
/// adverts are ignored). CARP stays in INIT for the same condition (carp.md §4.1 X1).
enum class State : std::uint8_t { init, backup, master, fault };
/// "INIT", "BACKUP", "MASTER", "FAULT" (FreeBSD's CARP_STATES spelling, keepalived's FAULT).
const char* to_string(State s);

/// How timeouts become time: FreeBSD kernel ticks or exact arithmetic.
enum class Timing : std::uint8_t {
  ticks,  ///< tvtohz: ticks = ⌈µs / tick⌉ + 1, tick = 1 s / hz (FreeBSD callouts)
  exact,  ///< seconds + skew/256 s exactly (VRRP daemons; "exact maths" of the spec)
};

/// syslog(3) levels used by the emitted log lines.
enum class LogLevel : std::uint8_t { err = 3, warning = 4, notice = 5, info = 6, debug = 7 };

/// Configuration of one vhid / VRID. Start from `Config::defaults(profile)`.
///
/// The settings a user gives are described once, in the table at the end of this header
/// (fwd/describe/field.hpp): the JSON twin and show text of a host's vhids, Python's
/// Host.add_carp keywords and docstring, Host.carp_settings and the carp keys of topology files
/// all come from it. carpdev, carpdev_mac, counter_seed, timing and hz belong to the host
/// (HostCarp::add fills them) and are not in it.
struct Config {
  Profile profile = Profile::freebsd_9_3;
  Flavor flavor = Flavor::keepalived;  ///< VRRP only
  std::uint8_t vhid = 1;               ///< CARP vhid / VRRP VRID, 1…255
  std::uint8_t advbase = 1;            ///< CARP advbase / VRRPv2 Advertisement_Interval, s, 1…255
  std::uint8_t advskew = 0;            ///< CARP advskew, 0…254 (lower wins)
  std::uint8_t priority = 100;         ///< VRRP priority, 1…255 (255 = address owner)
  std::uint16_t adver_int_cs = 100;    ///< VRRPv3 Max_Adver_Int, centiseconds, 1…4095
  bool preempt = false;                ///< net.inet.carp.preempt (CARP, default 0) / Preempt_Mode
  bool allow = true;                   ///< net.inet.carp.allow
  std::vector<net::Ipv4> vips4;        ///< the vhid's IPv4 addresses (VIPs)
  std::vector<net::Ipv6> vips6;        ///< the vhid's IPv6 addresses
  std::optional<net::Ipv4> src4;       ///< own address on the carpdev (advert source, VRRP tie-break)
  std::optional<net::Ipv6> src6;       ///< own IPv6 address on the carpdev
  net::Mac carpdev_mac{};              ///< the carpdev's own MAC (lagg0/vlan2), set by the host
  std::string pass;                    ///< CARP pass (HMAC key, ≤ 20 bytes, zero padded)
  bool check_auth = true;              ///< verify the CARP HMAC on receive (carps_badauth)
  std::uint64_t counter_seed = 0;      ///< replaces arc4random() for the first advert counter
  Timing timing = Timing::ticks;
  int hz = 1000;                       ///< kern.hz for Timing::ticks
  int log = 1;                         ///< net.inet.carp.log: ≥1 state lines, 0 silent
  bool log_link_state_change = true;   ///< net.link.log_link_state_change (9.3 carpN UP/DOWN)
  std::string ifname;                  ///< 9.3: "carp<vhid>"; VRRP: instance name ("VI_<vrid>")
  std::string carpdev = "em0";         ///< parent interface name (10+ log lines, send errors)
  // Demotion (carp.md §4.2, §4.3)
  bool senderr_demotion = true;        ///< 3 failed sends in a row demote (9.3: suppress, 10+: +factor)
  int senderr_demotion_factor = 240;   ///< 10+ net.inet.carp.senderr_demotion_factor
  int ifdown_demotion_factor = 240;    ///< 10+ net.inet.carp.ifdown_demotion_factor
  // Wire and takeover details
  std::uint8_t tos = 0x10;             ///< IPv4 TOS: 9.3 0x10, 10+ dscp 56 = 0xe0, keepalived 0xc0
  std::uint8_t traffic_class = 0;      ///< IPv6 traffic class: 9.3 0, 10+ 0xe0
  Time garp_delay{};                   ///< busy wait after each takeover GARP (9.3: 1 ms)
  Time na_delay{};                     ///< busy wait after each takeover NA (9.3, 10+: 1 ms)
  int garp_count = 1;                  ///< GARPs per VIP per burst (keepalived: 5)
  Time garp_repeat{};                  ///< second burst this long after each trigger (keepalived 5 s; 0 = none)
  net::Mac garp_target_hw{};           ///< ARP target hardware address of GARPs (FreeBSD zero, keepalived ff:…:ff)
  bool use_vmac = true;                ///< VRRP: vMAC as source (keepalived use_vmac); CARP always
  bool answer_lower_priority = false;  ///< VRRP master answers a worse advert at once (keepalived)
  bool accept_mode = false;            ///< VRRP Accept_Mode: a non-owner MASTER accepts VIP traffic
  /// VRRP initial state (keepalived `state`): backup or master. keepalived (keepalived.conf(5)):
  /// `master` goes MASTER at once only for the address owner (priority 255), otherwise it starts
  /// like `backup` (master-down timer first); flavour rfc: `master` goes MASTER at once (vrrpd's
  /// state_init with wantstate MASTER).
  State initial_state = State::backup;
  /// Time between an advert's arrival and the state logic answering it (keepalived: 0.1–0.4 ms
  /// observed, default 0.2 ms; CARP in the kernel: 0). Inputs received while it runs queue.
  Time processing_delay{};
  /// Added to every VRRP advert period (keepalived's timer overhead: ~0.25 ms observed). Off (0)
  /// by default: an option for replays that need the drift.
  Time timer_overhead{};
  /// Time between a carpdev link change and the instance seeing it (keepalived via netlink,
  /// 3.9–6.2 ms observed, default 5 ms; CARP's ifnet event: 0).
  Time link_delay{};
  /// 9.3 §4.3 race (off = 0): on MASTER -> BACKUP, an advert timer due within this window had
  /// already fired on another CPU; it still sends one advert (source vMAC) and re-arms itself.
  Time late_advert_window{};

  /// The defaults of a profile (and VRRP flavour), ifname filled for `vhid`.
  static Config defaults(Profile p, std::uint8_t vhid = 1, Flavor f = Flavor::keepalived);
  /// Throws fwd::Error naming the first bad field and what is accepted.
  void validate() const;
  bool has_ipv4() const { return !vips4.empty(); }
  bool has_ipv6() const { return !vips6.empty(); }
};

/// The virtual MAC: 00:00:5e:00:01:<vhid>; VRRPv3 over IPv6 uses 00:00:5e:00:02:<vrid>.
net::Mac virtual_mac(Profile p, std::uint8_t vhid, Family f = Family::ipv4);

/// Who uses which MAC (carp.md §6 and the keepalived section): a per-profile table.
struct MacPlan {
  net::Mac advert_src;     ///< Ethernet source of adverts
  net::Mac garp_src;       ///< Ethernet source of gratuitous ARP and ARP replies for a VIP
  net::Mac arp_sender;     ///< ARP sender hardware address for a VIP (what hosts cache)
  net::Mac na_src;         ///< Ethernet source of NAs for a VIP6
  net::Mac na_target_ll;   ///< target link-layer address option of those NAs
  net::Mac owned;          ///< destination MAC a MASTER accepts for the VIPs (BACKUP drops it)
};
MacPlan mac_plan(const Config& c, Family f = Family::ipv4);

/// The fields of one advertisement (sent or received). CARP uses advbase/advskew/counter, VRRP
/// priority and advbase (v2, s) or interval_cs (v3).
struct AdvertFields {
  Family family = Family::ipv4;
  std::uint8_t version = 2;       ///< CARP 2, VRRPv2 2, VRRPv3 3
  std::uint8_t type = 1;          ///< 1 = advertisement
  std::uint8_t vhid = 0;
  std::uint8_t advbase = 0;
  std::uint8_t advskew = 0;
  std::uint8_t priority = 0;
  std::uint16_t interval_cs = 0;
  std::uint64_t counter = 0;
};

/// A received advertisement, as parse_advert found it on the wire.
struct Advert {
  AdvertFields fields;
  net::Mac eth_src{}, eth_dst{};
  std::optional<std::uint16_t> vlan_tci;  ///< in-band 802.1Q tag, if any
  net::Ipv4 src4{};                       ///< IP source (family ipv4)
  net::Ipv6 src6{};                       ///< IP source (family ipv6)
  std::uint8_t ttl = 0;                   ///< TTL / hop limit
  std::uint8_t authlen = 0;               ///< CARP authlen; VRRPv2 auth type
  std::uint8_t addr_count = 0;            ///< VRRP: Count IP Addrs
  std::array<std::uint8_t, 20> hmac{};    ///< CARP HMAC-SHA1
};

/// Why an advert was refused. Names follow FreeBSD's carpstats (carps_*) for CARP and the VRRP
/// MIB (RFC 2787 vrrpStats*) for VRRP; see drop_name().
enum class Drop : std::uint8_t {
  none,          ///< accepted
  not_advert,    ///< not IPv4/IPv6 protocol 112 (not counted by CARP)
  ip_tooshort,   ///< frame shorter than the IP header or its length (ip_input drops it)
  ip_badsum,     ///< bad IPv4 header checksum (ip_input drops it)
  disallowed,    ///< net.inet.carp.allow = 0
  badif,         ///< 10+: vhid-0 advert from one of our own addresses (looped)
  badttl,        ///< TTL / hop limit != 255
  badlen,        ///< shorter than the header
  badsum,        ///< CARP/VRRP checksum
  badvhid,       ///< vhid not configured here, or the carp interface not UP and RUNNING
  badver,        ///< version
  badauth,       ///< CARP HMAC (different pass or address set)
  badtype,       ///< VRRP type != 1
  badinterval,   ///< VRRPv2: Adver Int differs from ours
  badauthtype,   ///< VRRPv2: auth type differs from ours (0)
};
inline constexpr std::size_t drop_count = 15;
/// "carps_badttl" … for CARP profiles, "vrrpStatsIpTtlErrors" … for VRRP.
const char* drop_name(Drop d, Profile p);

/// Parses a frame (Ethernet, optional 802.1Q/802.1ad tags, IPv4 or IPv6, protocol 112) as the
/// receiving profile reads it, applying the wire checks in the real order (CARP: TTL, length,
/// checksum; VRRP: TTL, version, length, checksum, type). Never reads past the frame, never
/// throws, does not allocate. On refusal returns nullopt and sets *why.
std::optional<Advert> parse_advert(net::Bytes frame, Profile receiver, Drop* why = nullptr);

/// Byte-level parameters of a built frame that do not come from Config.
struct FrameParams {
  std::optional<std::uint16_t> vlan_tci;  ///< in-band 802.1Q tag (TPID 0x8100)
  std::uint16_t ip_id = 0;                ///< IPv4 identification (the host's ip_newid())
};
/// The exact advert frame (carp.md §2): CARP 70 bytes untagged over IPv4, 90 over IPv6 (+4 per
/// tag); VRRPv2 54, VRRPv3 46 (IPv4, one address). CARP HMAC-SHA1 computed from Config::pass and
/// the address set. Ethernet source per mac_plan(). Slow path (allocates).
std::vector<std::uint8_t> advert_frame(const Config& c, const AdvertFields& f, const FrameParams& p = {});
/// The CARP HMAC-SHA1 of `counter` for this vhid's key and addresses (carp_hmac_generate).
std::array<std::uint8_t, 20> carp_hmac(const Config& c, std::uint64_t counter);
/// An Advert as a peer would parse `f` sent with config `sender` (tests and frame-less hosts).
Advert make_advert(const Config& sender, const AdvertFields& f);
struct SendGratuitousArp;
struct SendNeighborAdvert;
/// Takeover gratuitous ARP request: broadcast, op 1, sender = target = VIP, target HW
/// `g.target_hw` (FreeBSD zero, keepalived ff:ff:ff:ff:ff:ff), padded to 60 bytes (FrameBuilder).
std::vector<std::uint8_t> garp_frame(const SendGratuitousArp& g, const FrameParams& p = {});
/// Takeover unsolicited NA (9.3/14 carp_send_na): to ff02::1 (33:33:00:00:00:01), hop limit 255,
/// Override flag only, target link-layer option; IPv6 source = EUI-64 link-local of
/// Config::carpdev_mac. 86 bytes untagged.
std::vector<std::uint8_t> na_frame(const Config& c, const SendNeighborAdvert& n, const FrameParams& p = {});
/// fe80::/64 EUI-64 address of a MAC (FreeBSD's default link-local).
net::Ipv6 link_local_from_mac(net::Mac m);

// ---- actions ---------------------------------------------------------------------------------

/// Send one advertisement now (`at`), Ethernet source `eth_src` (mac_plan().advert_src).
struct SendAdvert {
  Time at{};
  AdvertFields fields;
  net::Mac eth_src{};
  bool spurious = false;  ///< sent outside the state machine's schedule (fault or §4.3 race)
};
/// One gratuitous ARP request for `vip`: broadcast, sender IP = target IP = vip.
struct SendGratuitousArp {
  Time at{};
  net::Ipv4 vip{};
  net::Mac sender_hw{};   ///< ARP sender hardware address (vMAC for CARP)
  net::Mac eth_src{};     ///< Ethernet source (CARP: the carpdev's physical MAC)
  net::Mac target_hw{};   ///< ARP target hardware address (Config::garp_target_hw)
};
/// One unsolicited Neighbour Advertisement to ff02::1, Override flag set.
struct SendNeighborAdvert {
  Time at{};
  net::Ipv6 target{};
  net::Mac target_ll{};   ///< target link-layer address option
  net::Mac eth_src{};     ///< Ethernet source (CARP: vMAC)
};
struct StateChanged {
  Time at{};
  State from = State::init;
  State to = State::init;
  const char* reason = "";  ///< static text, FreeBSD 10+ wording ("master timed out", …)
};
struct Log {
  Time at{};
  LogLevel level = LogLevel::info;
  std::string text;       ///< exactly as syslog shows the message, without trailing newline
};
/// This instance moved the node-global demotion (9.3 suppress_preempt, 10+ carp.demotion) by
/// `delta`; a host with several vhids forwards it to the others with apply_node_demotion().
struct DemotionChanged {
  Time at{};
  int delta = 0;
  int total = 0;
};
using Action = std::variant<SendAdvert, SendGratuitousArp, SendNeighborAdvert, StateChanged, Log,
                            DemotionChanged>;
/// Caller-owned, reused between calls; inputs append to it.
using ActionBuffer = std::vector<Action>;

/// Counters (FreeBSD carpstats names where one exists).
struct Stats {
  std::uint64_t opackets = 0, opackets6 = 0;   ///< adverts emitted, by family
  std::uint64_t ipackets = 0, ipackets6 = 0;   ///< adverts handed to on_advert, by family
  std::uint64_t accepted = 0;                  ///< passed every check
  std::uint64_t send_errors = 0;               ///< on_send_result(false)
  std::uint64_t muted = 0;                     ///< adverts not emitted while muted
  std::uint64_t state_changes = 0;
  std::array<std::uint64_t, drop_count> dropped{};  ///< by Drop
};

// ---- timer arithmetic (exposed for tests and explanations) ----------------------------------

/// FreeBSD tvtohz(): ticks for a timeval, ⌈µs / tick⌉ + 1 with tick = 1000000 / hz µs.
std::int64_t tvtohz(std::int64_t sec, std::int64_t usec, int hz);
/// A CARP timeout of `sec` s + `skew`/256 s (µs truncated like the kernel) under `c`'s timing.
Time carp_timeout(const Config& c, std::int64_t sec, int skew);
/// CARP advert interval for effective skew `skew`: advbase + skew/256 s.
Time advert_interval(const Config& c, int skew);
/// Master-down interval with the node's own (configured, undemoted) values:
/// CARP 3 × advbase + advskew/256; VRRPv2 3 × interval + (256 − prio)/256 s;
/// VRRPv3 3 × Master_Adver_Interval + (256 − prio) × Master_Adver_Interval / 256.
Time master_down_interval(const Config& c, Time master_adver_interval = Time{});
/// VRRP Skew_Time for `c` (v3: of `master_adver_interval`, default the own interval).
Time vrrp_skew_time(const Config& c, Time master_adver_interval = Time{});

// ---- the state machine -----------------------------------------------------------------------

/// One vhid (CARP) or virtual router (VRRP) on one carpdev. See the file comment.
class Instance {
public:
  /// Validates `c` (throws fwd::Error) and starts in INIT with the carpdev link up.
  explicit Instance(Config c);

  const Config& config() const { return cfg_; }
  State state() const { return state_; }
  /// Earliest time on_timer() must be called, or none when no timer is armed.
  std::optional<Time> next_deadline() const;
  /// Effective skew (CARP, demotion applied) or effective priority (VRRP).
  int effective_skew() const;
  int effective_priority() const;
  /// Node-global demotion as this instance sees it (9.3: suppress_preempt; 10+: carp.demotion).
  int demotion() const { return demotion_; }
  /// MASTER accepts frames for mac_plan().owned and answers ARP/NS for the VIPs; BACKUP drops them.
  bool is_master() const { return state_ == State::master; }
  const Stats& stats() const { return stats_; }
  /// VRRPv3: the interval learned from the master (backups adopt it).
  Time master_adver_interval() const { return master_adver_int_; }

  /// The carp interface comes up (addresses configured): INIT -> BACKUP (or VRRP owner -> MASTER).
  void start(Time now, ActionBuffer& out);
  /// Runs every timer due at or before `now`, earliest first (IPv4 before IPv6 on ties).
  void on_timer(Time now, ActionBuffer& out);
  /// A parsed advert from the wire. Applies the vhid/version/auth checks, then the state logic.
  Drop on_advert(Time now, const Advert& a, ActionBuffer& out);
  /// Result of transmitting one SendAdvert (call once per SendAdvert, in order, at its `at`).
  /// `error` is the errno reported (10+ log text): ENETDOWN (50) from a lagg in transit.
  void on_send_result(Time now, bool ok, ActionBuffer& out, int error = 50);
  /// Carpdev link (or carpdev administrative state) changed.
  void on_link(Time now, bool up, ActionBuffer& out);
  /// `ifconfig carpN down|up` (9.3: a MASTER sends one 255/255 advert; VRRP: priority 0).
  void admin(Time now, bool up, ActionBuffer& out);
  /// `ifconfig … state backup|master` (A1).
  void force_state(Time now, State s, ActionBuffer& out);
  /// Changes the node demotion by `delta` like the sysctl (9.3: the suppress counter).
  void demote(Time now, int delta, ActionBuffer& out);
  /// A sibling vhid's DemotionChanged (no log, no DemotionChanged of our own).
  void apply_node_demotion(Time now, int delta, ActionBuffer& out);
  /// Fault: while muted, timers run but no advert is emitted (counted in stats().muted).
  void set_mute(bool muted) { muted_ = muted; }
  /// Fault: one advert now, outside the schedule, whatever the state (e.g. from a BACKUP).
  void send_spurious_advert(Time now, ActionBuffer& out);
  /// Fault: the daemon is stopped (SIGSTOP). State and VIPs stay, no timer runs, received
  /// adverts and link changes queue. resume() (SIGCONT) processes the queue first, one input per
  /// processing_delay from `now`, then any timer that expired meanwhile.
  void freeze(Time now);
  void resume(Time now, ActionBuffer& out);
  bool frozen() const { return frozen_; }

private:
  static constexpr Time never{INT64_MAX};
  enum class Link : std::uint8_t { unknown, down, up };  // 9.3 carpN if_link_state

  struct Pending {  // an input waiting for processing_delay / link_delay, or for resume()
    Time due{};
    std::int8_t link = -1;  // -1: advert; 0/1: link down/up
    Advert advert{};
  };

  bool running() const;
  void process(Time now, const Pending& p, ActionBuffer& out);
  void link_change(Time now, bool up, ActionBuffer& out);
  void arm_garp_repeat(Time now);
  Time vrrp_period() const;  // advert interval + timer_overhead
  void set_state(Time now, State to, const char* reason, ActionBuffer& out);
  void setrun(Time now, int af, ActionBuffer& out);  // af: 0 both, 4, 6
  void master_down(Time now, const char* reason, ActionBuffer& out);
  void send_ad(Time now, ActionBuffer& out, bool spurious = false);
  void send_ad_all(Time now, ActionBuffer& out);
  void garp_burst(Time now, Time& cursor, ActionBuffer& out);
  void node_demote(Time now, int delta, const char* why, ActionBuffer& out, bool own);
  void log(Time now, LogLevel lvl, std::string text, ActionBuffer& out) const;
  void carp_advert(Time now, const Advert& a, ActionBuffer& out);
  void vrrp_advert(Time now, const Advert& a, ActionBuffer& out);
  void vrrp_start(Time now, ActionBuffer& out, bool initial);
  void carpdev_state(Time now, ActionBuffer& out);  // 10+ carp_sc_state
  void vrrp_become_master(Time now, ActionBuffer& out);
  void vrrp_become_backup(Time now, Time master_int, ActionBuffer& out);
  void resign(Time now, ActionBuffer& out);  // VRRP priority-0 advert
  AdvertFields fields(Family f, std::uint8_t advbase, std::uint8_t skew_or_prio);
  std::int64_t own_us(int skew) const;

  Config cfg_;
  MacPlan plan4_{}, plan6_{};
  std::vector<std::uint8_t> hmac_prefix_;  // ipad ‖ version ‖ type ‖ vhid ‖ addresses
  State state_ = State::init;
  Link link_state_ = Link::unknown;
  bool link_up_ = true;     // carpdev link
  bool started_ = false;    // start() called: the vhid exists
  bool admin_up_ = false;   // 9.3: carpN IFF_UP; 10+: carpdev IFF_UP; VRRP: not shut down
  bool suppress_ = false;   // this vhid's link-down demotion is in force
  bool muted_ = false;
  bool frozen_ = false;
  bool admin_backup_ = false;   // 9.3 sc_flags_backup: IFF_UP before the carpdev went down
  bool senderr_applied_ = false;  // this vhid's send-error demotion is in force
  bool init_counter_ = true;    // sc_init_counter: no advert received yet
  std::uint64_t counter_ = 0;
  std::uint64_t rng_ = 0;       // stands in for arc4random()
  int sendad_errors_ = 0, sendad_success_ = 0;
  int demotion_ = 0;
  Time ad_ = never, md4_ = never, md6_ = never;
  std::vector<Time> garp_repeats_;  // one per trigger, in time order (keepalived)
  std::vector<Pending> pending_;    // in arrival order
  Time master_adver_int_{};
  Stats stats_;
};

}  // namespace fwd::sim::carp

// ---- descriptions (fwd/describe/field.hpp): the user's settings of Config and their enums ----
namespace fwd::describe {
template <>
struct Enumerators<sim::carp::Profile> {
  using E = sim::carp::Profile;
  static constexpr std::string_view what = "CARP/VRRP profile";
  static constexpr Enumerator<E> table[] = {
      {E::freebsd_9_3, "freebsd-9.3", "FreeBSD 9.3 CARP: carpN pseudo-interface, suppress_preempt counter"},
      {E::freebsd_10, "freebsd-10+", "FreeBSD 10.0 ... 14.x CARP: vhid on the parent, net.inet.carp.demotion (alias freebsd-10)"},
      {E::vrrp_v2, "vrrp-v2", "VRRP RFC 3768: IPv4 only, interval in seconds"},
      {E::vrrp_v3, "vrrp-v3", "VRRP RFC 5798/9568: interval in centiseconds, IPv4 or IPv6"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<sim::carp::Flavor> {
  using E = sim::carp::Flavor;
  static constexpr std::string_view what = "VRRP flavour";
  static constexpr Enumerator<E> table[] = {
      {E::keepalived, "keepalived", "keepalived 2.2.7 defaults: no vMAC, 5-GARP bursts + repeat after 5 s"},
      {E::rfc, "rfc", "RFC 3768/5798 text: vMAC everywhere, one GARP, lower adverts discarded"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Enumerators<sim::carp::State> {
  using E = sim::carp::State;
  static constexpr std::string_view what = "CARP/VRRP state";
  static constexpr Enumerator<E> table[] = {
      {E::init, "INIT", "the vhid is not running (carpdev down, CARP)"},
      {E::backup, "BACKUP", "listening for the master's adverts"},
      {E::master, "MASTER", "owns the VIPs and advertises"},
      {E::fault, "FAULT", "VRRP: the interface is down (keepalived)"},
  };
  static constexpr std::span<const Enumerator<E>> list = table;
};
template <>
struct Settings<sim::carp::Config> {
  using C = sim::carp::Config;
  using Member =
      std::variant<sim::carp::Profile C::*, sim::carp::Flavor C::*, sim::carp::State C::*, std::uint8_t C::*,
                   std::uint16_t C::*, int C::*, bool C::*, Time C::*, std::string C::*, std::vector<net::Ipv4> C::*,
                   std::vector<net::Ipv6> C::*, std::optional<net::Ipv4> C::*, std::optional<net::Ipv6> C::*,
                   net::Mac C::*>;
  static constexpr std::string_view doc =
      "Settings of a CARP vhid / VRRP instance (carp::Config, fwd/sim/carp.hpp; defaults: the profile's).";
  // Ranges are what add_carp and topology files accept (validate() checks the profile-specific ones).
  static constexpr Setting<C, Member> table[] = {
      {"profile", &C::profile, "", "followed implementation: freebsd-9.3, freebsd-10+, vrrp-v2 or vrrp-v3"},
      {"flavor", &C::flavor, "", "VRRP flavour: keepalived or rfc (its defaults apply first)"},
      {"vhid", &C::vhid, "", "CARP vhid / VRRP VRID", 1, 255},
      {"advbase", &C::advbase, "s", "CARP advbase / VRRPv2 advert interval", 1, 255},
      {"advskew", &C::advskew, "", "CARP advskew (lower wins)", 0, 254},
      {"priority", &C::priority, "", "VRRP priority (255 = address owner)", 1, 255},
      {"adver_int_cs", &C::adver_int_cs, "cs", "VRRPv3 advert interval, centiseconds (10 = 0.1 s)", 1, 4095},
      {"preempt", &C::preempt, "", "preemption (CARP default off, VRRP default on; keepalived nopreempt = False)"},
      {"allow", &C::allow, "", "net.inet.carp.allow"},
      {"vips4", &C::vips4, "", "IPv4 virtual addresses (VIPs)"},
      {"vips6", &C::vips6, "", "IPv6 virtual addresses"},
      {"src4", &C::src4, "", "own IPv4 address used as advert source (unset: the host's on the iface)"},
      {"src6", &C::src6, "", "own IPv6 address used as advert source"},
      {"pass", &C::pass, "", "CARP pass (HMAC key, at most 20 bytes)"},
      {"check_auth", &C::check_auth, "", "verify the CARP HMAC on receive"},
      {"log", &C::log, "", "net.inet.carp.log: 0 silent, 1 state lines, 2 more", 0, 2},
      {"log_link_state_change", &C::log_link_state_change, "", "net.link.log_link_state_change (9.3 carpN lines)"},
      {"ifname", &C::ifname, "", "9.3 carp interface / VRRP instance name in log lines"},
      {"senderr_demotion", &C::senderr_demotion, "", "3 failed sends in a row demote"},
      {"senderr_demotion_factor", &C::senderr_demotion_factor, "", "10+ net.inet.carp.senderr_demotion_factor", 0, 240},
      {"ifdown_demotion_factor", &C::ifdown_demotion_factor, "", "10+ net.inet.carp.ifdown_demotion_factor", 0, 240},
      {"tos", &C::tos, "", "IPv4 TOS byte of adverts"},
      {"traffic_class", &C::traffic_class, "", "IPv6 traffic class of adverts"},
      {"garp_delay", &C::garp_delay, "s", "busy wait after each takeover GARP"},
      {"na_delay", &C::na_delay, "s", "busy wait after each takeover NA"},
      {"garp_count", &C::garp_count, "", "GARPs per VIP per burst", 0, 100},
      {"garp_repeat", &C::garp_repeat, "s", "second GARP burst this long after each trigger (0 = none)"},
      {"garp_target_hw", &C::garp_target_hw, "", "ARP target hardware address of GARPs"},
      {"use_vmac", &C::use_vmac, "", "VRRP: the virtual MAC as source (keepalived use_vmac)"},
      {"answer_lower_priority", &C::answer_lower_priority, "", "VRRP master answers a lower-priority advert at once"},
      {"accept_mode", &C::accept_mode, "", "VRRP Accept_Mode: a non-owner MASTER accepts VIP traffic"},
      {"initial_state", &C::initial_state, "", "VRRP initial state: BACKUP or MASTER (keepalived `state`)"},
      {"processing_delay", &C::processing_delay, "s", "advert arrival -> the state logic answers"},
      {"timer_overhead", &C::timer_overhead, "s", "added to every VRRP advert period"},
      {"link_delay", &C::link_delay, "s", "carpdev link change -> the instance sees it"},
      {"late_advert_window", &C::late_advert_window, "s", "9.3 late advert race window (0 = off)"},
  };
  static constexpr std::span<const Setting<C, Member>> list = table;
};
}  // namespace fwd::describe
