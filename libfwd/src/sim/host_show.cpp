// fwd::sim::Host: every counter as text and as its JSON twin, rendered from the description
// tables of host_counters.hpp and host_config.hpp (a new counter or setting appears in both without
// touching this file).
#include <fmt/format.h>

#include <type_traits>
#include <variant>

#include "fwd/sim/host.hpp"

namespace fwd::sim {

namespace {
// "    name                     : value unit" for each described field.
template <class S>
void field_lines(std::string& out, std::string_view indent, const S& s) {
  for (const auto& f : describe::Fields<S>::list)
    out += fmt::format("{}{:<28}: {} {}\n", indent, f.name, s.*f.member, f.unit);
}

// A setting's value as show text: the values settings_json gives (times in seconds, enums by name,
// booleans as true/false, addresses as text), lists comma-separated, an unset optional as "-".
template <class V>
std::string setting_text(const V& v) {
  if constexpr (std::is_same_v<V, Time>) return fmt::format("{}", v.seconds());
  else if constexpr (std::is_enum_v<V>) return std::string(describe::name_of(v));
  else if constexpr (std::is_same_v<V, std::string>) return v;
  else if constexpr (requires { v.to_string(); }) return v.to_string();
  else if constexpr (requires { v.has_value(); *v; }) return v ? setting_text(*v) : std::string("-");
  else if constexpr (requires { v.begin(); v.end(); }) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ",") + setting_text(x);
    return out;
  } else return fmt::format("{}", v);
}

// "    name                     : value unit" for each described setting.
template <class S>
void setting_lines(std::string& out, std::string_view indent, const S& s) {
  for (const auto& f : describe::Settings<S>::list)
    std::visit(
        [&](auto member) {
          out += fmt::format("{}{:<28}: {}{}{}\n", indent, f.name, setting_text(s.*member), f.unit.empty() ? "" : " ",
                             f.unit);
        },
        f.member);
}
}  // namespace

std::string Host::stats_text() const {
  std::string out = fmt::format("Statistics for host \"{}\" ({}):\n  counters:\n", cfg_.name, to_string(cfg_.os));
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
    out += "    settings:\n";
    setting_lines(out, "      ", carp_.config(k));
  }
  out += "  tcp_listener:\n";
  field_lines(out, "    ", apps_.listener_counters());
  out += "  settings:\n";
  setting_lines(out, "    ", cfg_);
  return out;
}

describe::json::object Host::to_json() const {
  namespace json = describe::json;
  json::object o;
  o["host"] = cfg_.name;
  o["settings"] = describe::settings_json(cfg_);
  o["counters"] = counters_json(counters_);
  json::object ifs;
  for (const HostIface& f : ifaces_) ifs[f.name] = describe::fields_json(f.counters);
  o["ifaces"] = std::move(ifs);
  json::array vh;
  for (std::size_t k = 0; k < carp_.count(); ++k) {
    auto c = describe::fields_json(carp_.counters(k));
    c["state"] = carp_.state(k);
    c["settings"] = describe::settings_json(carp_.config(k));
    vh.push_back(std::move(c));
  }
  o["carp"] = std::move(vh);
  o["tcp_listener"] = describe::fields_json(apps_.listener_counters());
  return o;
}

}  // namespace fwd::sim
