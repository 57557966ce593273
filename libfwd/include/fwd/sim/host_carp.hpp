#pragma once
/// \file
/// HostCarp: the CARP vhids / VRRP instances of a fwd::sim::Host. Each drives one carp::Instance
/// (fwd/sim/carp.hpp) and puts its actions on the wire (adverts with the vMAC as Ethernet source,
/// GARPs with the physical source, NAs with the vMAC: spec carp.md §6); the host asks it which
/// destination MACs and VIPs it owns in each state. Operator actions and faults of the instances
/// (forced state, silence windows, SIGSTOP/SIGCONT, the 9.3 late advert) are here too; faults of
/// interfaces stay with the Host and reach the instances as carpdev link changes.
/// Part of its Host (Host::carp()). Thread rules: the host's.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/sim/carp.hpp"
#include "fwd/sim/detail/frame_pool.hpp"
#include "fwd/sim/host_counters.hpp"
#include "fwd/sim/host_iface.hpp"
#include "fwd/time.hpp"

namespace fwd::sim {

class Host;

class HostCarp {
public:
  explicit HostCarp(Host& host) : host_(host) {}
  HostCarp(const HostCarp&) = delete;
  HostCarp& operator=(const HostCarp&) = delete;

  /// A CARP vhid / VRRP instance on `iface` (normally a vlan), configured by `c` (start from
  /// carp::Config::defaults(profile, vhid)). The host fills what belongs to it: carpdev name and
  /// MAC, the counter seed (from the network's seed), src4/src6 when unset (its own address on
  /// `iface` in a VIP's subnet), and the timing: CARP on a FreeBSD host with a tick follows
  /// kern.hz (tvtohz rounding); VRRP daemons and `os: linux` hosts use exact timers.
  /// Returns its index on this host. Throws fwd::Error for an unknown interface, a missing
  /// address on it or a vhid already configured there.
  std::size_t add(const std::string& iface, carp::Config c);
  std::size_t count() const { return vhids_.size(); }

  // ---- inspection (index: as returned by add; fwd::Error when out of range) ------------------
  /// "INIT", "BACKUP", "MASTER" (or "FAULT" for VRRP).
  std::string state(std::size_t index) const;
  /// What the vhid put on the wire and logged so far.
  CarpCounters counters(std::size_t index) const;
  /// Time of the vhid's next timer (advert or master-down), or INT64_MAX.
  Time next_deadline(std::size_t index) const;
  /// The vhid's virtual MAC.
  net::Mac vmac(std::size_t index) const;
  /// The vhid's configuration as the instance runs it (host-filled members included).
  const carp::Config& config(std::size_t index) const;

  // ---- operator actions and faults ---------------------------------------------------------
  /// `ifconfig carpN state backup|master` / `down|up` now; fwd::Error for another word.
  void force_state(std::size_t index, const std::string& state, Time now);
  /// One advert now, whatever the state (source vMAC), as the 9.3 late-advert race would (spec
  /// seed-scenario.md §7 (a)); the state machine is not changed.
  void send_spurious_advert(std::size_t index, Time now);
  /// The vhid sends no advert within [from, until) ("node stops advertising").
  void silence(std::size_t index, Time from, Time until);
  /// Process stopped (SIGSTOP) / continued (SIGCONT) now: while frozen the VIPs and state stay,
  /// nothing is processed, received adverts queue; on resume they are answered in order.
  void freeze(std::size_t index, bool frozen, Time now);

private:
  friend class Host;
  struct Vhid {
    explicit Vhid(carp::Config c) : inst(std::move(c)) {}
    carp::Instance inst;
    IfaceId iface = no_iface;
    carp::MacPlan plan4{}, plan6{};
    std::uint32_t slot = 0;
    struct Window {
      Time from, until;
    };
    std::vector<Window> silence;  // "node stops advertising" windows
    carp::ActionBuffer buf;
    std::uint64_t adverts_sent = 0, adverts_failed = 0, garps_sent = 0, nas_sent = 0;
    std::uint64_t log_lines = 0;
    bool link_up = true;  // carpdev usability last told to inst (links())
    bool silenced(Time t) const {
      for (const auto& w : silence)
        if (t >= w.from && t < w.until) return true;
      return false;
    }
  };

  // Called by the Host.
  void start(Time now);
  /// Tells every vhid whose carpdev's usability changed (after set_iface_up / on_carrier).
  void links(Time now);
  void timer(std::uint32_t index, Time now);
  void input(IfaceId ifc, detail::FrameRef f, Time now);
  /// `dst` is a vMAC of a vhid on `ifc` (is_vmac) and that vhid is MASTER (returns true).
  bool vmac_master(IfaceId ifc, net::Mac dst, bool& is_vmac) const;
  /// `ip` is a VIP of a MASTER vhid on `ifc`; `vmac` = the ARP sender address to answer with.
  bool vip_master(IfaceId ifc, net::Ipv4 ip, net::Mac& vmac) const;
  bool is_vip(net::Ipv4 a) const;

  Vhid& at(std::size_t index);
  const Vhid& at(std::size_t index) const;
  void apply(std::uint32_t index, Time now);
  void drain(std::uint32_t index, Time now, std::vector<std::pair<std::uint32_t, int>>& demotions);

  Host& host_;
  std::deque<Vhid> vhids_;
};

}  // namespace fwd::sim
