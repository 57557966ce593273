// fwd::sim::Host: every counter as text and as its JSON twin, rendered from the description
// tables of host_counters.hpp (a new counter appears in both without touching this file).
#include <fmt/format.h>

#include "fwd/sim/host.hpp"

namespace fwd::sim {

namespace {
// "    name                     : value unit" for each described field.
template <class S>
void field_lines(std::string& out, std::string_view indent, const S& s) {
  for (const auto& f : describe::Fields<S>::list)
    out += fmt::format("{}{:<28}: {} {}\n", indent, f.name, s.*f.member, f.unit);
}
}  // namespace

std::string Host::stats_text() const {
  std::string out = fmt::format("Statistics for host \"{}\" ({}):\n  counters:\n", cfg_.name, cfg_.os);
  field_lines(out, "    ", counters_);
  for (std::size_t i = 0; i < host_drop_count; ++i)
    if (counters_.dropped_by[i])
      out += fmt::format("      {:<42}: {} frames\n", to_string(static_cast<HostDrop>(i)), counters_.dropped_by[i]);
  for (const HostIface& f : ifaces_) {
    out += fmt::format("  iface {}:\n", f.name);
    field_lines(out, "    ", f.counters);
  }
  for (std::size_t k = 0; k < carp_.count(); ++k) {
    out += fmt::format("  carp {} ({}):\n", k, carp_.state(k));
    field_lines(out, "    ", carp_.counters(k));
  }
  out += "  tcp_listener:\n";
  field_lines(out, "    ", apps_.listener_counters());
  return out;
}

describe::json::object Host::to_json() const {
  namespace json = describe::json;
  json::object o;
  o["host"] = cfg_.name;
  o["counters"] = counters_json(counters_);
  json::object ifs;
  for (const HostIface& f : ifaces_) ifs[f.name] = describe::fields_json(f.counters);
  o["ifaces"] = std::move(ifs);
  json::array vh;
  for (std::size_t k = 0; k < carp_.count(); ++k) {
    auto c = describe::fields_json(carp_.counters(k));
    c["state"] = carp_.state(k);
    vh.push_back(std::move(c));
  }
  o["carp"] = std::move(vh);
  o["tcp_listener"] = describe::fields_json(apps_.listener_counters());
  return o;
}

}  // namespace fwd::sim
