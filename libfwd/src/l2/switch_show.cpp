// fwd::l2::Switch: show output (fdb/show, fdb/stats-show, bond/show) as text or JSON.
#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/l2/switch.hpp"
#include "switch_datapath.hpp"

namespace fwd::l2 {

// ---- show ----------------------------------------------------------------------------------

namespace {
std::string json_str(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += c;
    else if (static_cast<unsigned char>(c) < 0x20) o += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    else o += c;
  }
  return o + "\"";
}
}  // namespace

template <class Store>
std::string BasicSwitch<Store>::fdb_show(Time now, Format f) {
  const auto rows = fdb_rows(now);
  std::string out;
  if (f == Format::json) {
    out = fmt::format("{{\"bridge\":{},\"profile\":{},\"entries\":[", json_str(cfg_.name),
                      json_str(to_string(cfg_.profile)));
    bool first = true;
    for (const auto& r : rows) {
      out += fmt::format("{}{{\"port\":{},\"vlan\":{},\"mac\":\"{}\",\"static\":{},\"sticky\":{},\"age\":{}}}",
                         first ? "" : ",", json_str(r.port), r.vlan ? std::to_string(*r.vlan) : "null",
                         r.mac.to_string(), r.is_static ? "true" : "false", r.sticky ? "true" : "false", r.age_s);
      first = false;
    }
    out += "]}";
    return out;
  }
  // ovs-appctl fdb/show layout: " port  VLAN  MAC                Age"
  out = " port  VLAN  MAC                Age\n";
  for (const auto& r : rows) {
    out += fmt::format("{:>5}  {:>4}  {}  ", r.port, r.vlan ? std::to_string(*r.vlan) : "-", r.mac.to_string());
    out += r.is_static ? "static\n" : fmt::format("{:>3}\n", r.age_s);
  }
  return out;
}

template <class Store>
std::string BasicSwitch<Store>::fdb_stats(Time now, Format f) {
  advance(now);
  table_.age(now);
  const TableCounters& c = table_.counters();
  const std::size_t max = table_.config().max_entries;
  const FlapCounters& fc = table_.flap().counters();
  if (f == Format::json) {
    std::string drops;
    for (std::size_t i = 1; i < drop_reason_count; ++i) {
      if (!counters_.dropped_by[i]) continue;
      drops += fmt::format("{}{}:{}", drops.empty() ? "" : ",", json_str(to_string(static_cast<DropReason>(i))),
                           counters_.dropped_by[i]);
    }
    return fmt::format(
        "{{\"bridge\":{},\"profile\":{},\"current\":{},\"maximum\":{},\"static\":{},\"learned\":{},"
        "\"expired\":{},\"evicted\":{},\"moved\":{},\"refused_full\":{},\"refused_flap\":{},"
        "\"frames\":{{\"rx\":{},\"forwarded\":{},\"flooded\":{},\"flood_copies\":{},\"tx\":{},\"to_host\":{},"
        "\"dropped\":{},\"dropped_by\":{{{}}}}},"
        "\"flap\":{{\"moves_seen\":{},\"events\":{},\"frames_dropped\":{},\"pins\":{},\"moves_refused\":{},"
        "\"learning_disabled\":{},\"ports_shutdown\":{}}}}}",
        json_str(cfg_.name), json_str(to_string(cfg_.profile)), table_.size(),
        max ? std::to_string(max) : "null", table_.static_count(), c.learned, c.expired, c.evicted, c.moved,
        c.refused_full, c.refused_flap, counters_.rx, counters_.forwarded, counters_.flooded,
        counters_.flood_copies, counters_.tx, counters_.to_host, counters_.dropped, drops, fc.moves_seen,
        fc.events, fc.frames_dropped, fc.pins, fc.moves_refused, fc.learning_disabled, fc.ports_shutdown);
  }
  std::string out = fmt::format("Statistics for bridge \"{}\":\n", cfg_.name);
  out += fmt::format("  Current/maximum MAC entries in the table: {}/{}\n", table_.size(),
                     max ? std::to_string(max) : "unlimited");
  out += fmt::format("  Current static MAC entries in the table : {}\n", table_.static_count());
  out += fmt::format("  Total number of learned MAC entries     : {}\n", c.learned);
  out += fmt::format("  Total number of expired MAC entries     : {}\n", c.expired);
  out += fmt::format("  Total number of evicted MAC entries     : {}\n", c.evicted);
  out += fmt::format("  Total number of port moved MAC entries  : {}\n", c.moved);
  out += fmt::format("  Total number of refused MAC entries     : {}\n", c.refused_full + c.refused_flap);
  out += fmt::format("  Frames received                         : {}\n", counters_.rx);
  out += fmt::format("  Frames forwarded to a known port        : {}\n", counters_.forwarded);
  out += fmt::format("  Frames flooded (copies)                 : {} ({})\n", counters_.flooded,
                     counters_.flood_copies);
  out += fmt::format("  Frames consumed locally                 : {}\n", counters_.to_host);
  out += fmt::format("  Frames dropped                          : {}\n", counters_.dropped);
  for (std::size_t i = 1; i < drop_reason_count; ++i) {
    if (!counters_.dropped_by[i]) continue;
    out += fmt::format("    {:<38}: {}\n", to_string(static_cast<DropReason>(i)), counters_.dropped_by[i]);
  }
  if (table_.flap().enabled())
    out += fmt::format("  Flap events / moves seen                : {} / {}\n", fc.events, fc.moves_seen);
  return out;
}

template <class Store>
std::string BasicSwitch<Store>::bond_show(PortId p, Time now, Format f) {
  if (p >= ports_.size() || !ports_[p].bond)
    throw Error(fmt::format("port '{}' is not an OVS bond", port_name(p)));
  advance(now);
  run_bonds(now);
  return f == Format::json ? ports_[p].bond->show_json(now) : ports_[p].bond->show(now);
}

// Every switch_*.cpp instantiates the members it defines (explicit instantiation of the class;
// the members defined elsewhere are only declared here).
template class BasicSwitch<FWD_L2_STORE>;

}  // namespace fwd::l2
