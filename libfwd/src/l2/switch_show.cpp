// fwd::l2::Switch: show output (fdb/show, fdb/stats-show, bond/show) as text or JSON.
#include <fmt/format.h>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"
#include "fwd/lag/ovs_bond.hpp"
#include "fwd/l2/switch.hpp"
#include "switch_datapath.hpp"

namespace fwd::l2 {

// ---- show ----------------------------------------------------------------------------------

template <class Store>
std::string BasicSwitch<Store>::fdb_show(Time now) {
  const auto rows = fdb_rows(now);
  // ovs-appctl fdb/show layout: " port  VLAN  MAC                Age"
  std::string out = " port  VLAN  MAC                Age\n";
  for (const auto& r : rows) {
    out += fmt::format("{:>5}  {:>4}  {}  ", r.port, r.vlan ? std::to_string(*r.vlan) : "-", r.mac.to_string());
    out += r.is_static ? "static\n" : fmt::format("{:>3}\n", r.age_s);
  }
  return out;
}

namespace {
// One line per described counter: "    name             : value unit".
template <class S>
void counter_lines(std::string& out, std::string_view title, const S& s) {
  out += fmt::format("  {}:\n", title);
  for (const auto& f : describe::Fields<S>::list)
    out += fmt::format("    {:<36}: {} {}\n", f.name, s.*f.member, f.unit);
}
}  // namespace

template <class Store>
std::string BasicSwitch<Store>::fdb_stats(Time now) {
  advance(now);
  table_.age(now);
  const TableCounters& c = table_.counters();
  const std::size_t max = table_.config().max_entries;
  // The lines OVS prints, in its layout ...
  std::string out = fmt::format("Statistics for bridge \"{}\":\n", cfg_.name);
  out += fmt::format("  Current/maximum MAC entries in the table: {}/{}\n", table_.size(),
                     max ? std::to_string(max) : "unlimited");
  out += fmt::format("  Current static MAC entries in the table : {}\n", table_.static_count());
  out += fmt::format("  Total number of learned MAC entries     : {}\n", c.learned);
  out += fmt::format("  Total number of expired MAC entries     : {}\n", c.expired);
  out += fmt::format("  Total number of evicted MAC entries     : {}\n", c.evicted);
  out += fmt::format("  Total number of port moved MAC entries  : {}\n", c.moved);
  // ... then every counter libfwd keeps, rendered from the description tables.
  counter_lines(out, "counters", counters_);
  for (std::size_t i = 1; i < drop_reason_count; ++i) {
    if (!counters_.dropped_by[i]) continue;
    out += fmt::format("      {:<34}: {} frames\n", to_string(static_cast<DropReason>(i)), counters_.dropped_by[i]);
  }
  counter_lines(out, "table_counters", c);
  counter_lines(out, "flap_counters", table_.flap().counters());
  return out;
}

template <class Store>
std::string BasicSwitch<Store>::bond_show(PortId p, Time now) {
  if (p >= ports_.size() || !ports_[p].bond)
    throw Error(fmt::format("port '{}' is not an OVS bond", port_name(p)));
  advance(now);
  run_bonds(now);
  return ports_[p].bond->show(now);
}

template <class Store>
describe::json::value BasicSwitch<Store>::to_json(Time now) {
  namespace json = describe::json;
  const auto rows = fdb_rows(now);  // ages the table first
  run_bonds(now);
  json::object o;
  o["bridge"] = cfg_.name;
  o["profile"] = to_string(cfg_.profile);
  o["current"] = table_.size();
  const std::size_t max = table_.config().max_entries;
  o["maximum"] = max ? json::value(max) : json::value(nullptr);
  o["static"] = table_.static_count();
  json::array entries;
  for (const auto& r : rows) {
    json::object e;
    e["port"] = r.port;
    e["vlan"] = r.vlan ? json::value(*r.vlan) : json::value(nullptr);
    e["mac"] = r.mac.to_string();
    e["static"] = r.is_static;
    e["sticky"] = r.sticky;
    e["age"] = r.age_s;
    entries.push_back(std::move(e));
  }
  o["entries"] = std::move(entries);
  o["counters"] = counters_json(counters_);
  o["table_counters"] = describe::fields_json(table_.counters());
  o["flap_counters"] = describe::fields_json(table_.flap().counters());
  o["flap"] = describe::settings_json(table_.flap().config());
  o["config"] = describe::settings_json(cfg_);  // as given (unset: the profile's default)
  json::array ports;
  for (const auto& pc : port_cfg_) ports.push_back(describe::settings_json(pc));
  o["ports"] = std::move(ports);
  json::object bonds;
  for (PortId p = 0; p < ports_.size(); ++p)
    if (ports_[p].bond) bonds[port_name(p)] = ports_[p].bond->to_json(now);
  o["bonds"] = std::move(bonds);
  return o;
}

#ifndef FWD_L2_REFERENCE_STORE  // not templated: compiled once
describe::json::object counters_json(const SwitchCounters& c) {
  auto o = describe::fields_json(c);
  describe::json::object by;
  for (std::size_t i = 1; i < drop_reason_count; ++i)
    if (c.dropped_by[i]) by[to_string(static_cast<DropReason>(i))] = c.dropped_by[i];
  o["dropped_by"] = std::move(by);
  return o;
}
#endif

// Every switch_*.cpp instantiates the members it defines (explicit instantiation of the class;
// the members defined elsewhere are only declared here).
template class BasicSwitch<FWD_L2_STORE>;

}  // namespace fwd::l2
