#pragma once
// Python keyword arguments of a described config struct (fwd/describe/field.hpp Settings<S>): one
// loop over the table converts each keyword with the one converter of its type, so a new setting
// becomes a keyword, a docstring line and a dict entry without touching the binding.
//
// Per setting type: Time -> `name` (the one time convention: seconds, '10ms', timedelta,
// timedelta64) and `name_ns` (integer nanoseconds only); bool -> True/False; unsigned integers ->
// an int in range; a described enum -> its name (or what `enum_arg` accepts for it). A binding may
// add aliases (an old spelling, or another form such as kern.hz for `tick`).
#include <pybind11/pybind11.h>

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "convert.hpp"
#include "fwd/describe/field.hpp"
#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"

namespace fwd::py {

/// A described enum from Python: a name of its table. Specialise for enums whose names resolve
/// elsewhere (e.g. sim::HostOs through the system registry).
template <class E>
E enum_from_text(std::string_view text) {
  return describe::parse_enumerator<E>(text);
}

/// A described enum argument: a str (enum_from_text) or the bound Python enum's value.
/// TypeError for another type, ValueError (naming `name` and the accepted names) for a bad name.
template <class E>
E enum_arg(const pybind11::handle& h, const char* name) {
  if (pybind11::isinstance<pybind11::str>(h)) {
    try {
      return enum_from_text<E>(h.cast<std::string>());
    } catch (const Error& e) {
      throw pybind11::value_error(fmt::format("{}: {}", name, e.what()));
    }
  }
  if (pybind11::detail::get_type_info(typeid(E)) != nullptr && pybind11::isinstance<E>(h)) return h.cast<E>();
  throw pybind11::type_error(fmt::format("{}: expected a string, one of {}; got {}", name,
                                         describe::enumerator_names<E>(),
                                         pybind11::str(h.get_type().attr("__name__")).cast<std::string>()));
}

/// Another keyword for a setting: its name, its docstring line, the setting it sets (giving both
/// is a TypeError) and how it converts and stores its value.
template <class S>
struct SettingAlias {
  const char* name;
  const char* doc;
  std::string_view sets;
  void (*apply)(S&, const pybind11::handle&);
};

namespace detail {
template <class S>
using SettingOf = std::remove_cvref_t<decltype(describe::Settings<S>::list[0])>;

template <class S>
bool is_time(const SettingOf<S>& f) {
  return std::visit([](auto m) { return std::is_same_v<std::remove_cvref_t<decltype(std::declval<S&>().*m)>, Time>; },
                    f.member);
}

// Converts `v` for setting `f` given as keyword `key` (f.name, or f.name + "_ns" for a time).
template <class S>
void set_one(S& s, const SettingOf<S>& f, const std::string& key, const pybind11::handle& v) {
  std::visit(
      [&](auto member) {
        auto& dst = s.*member;
        using V = std::remove_cvref_t<decltype(dst)>;
        if constexpr (std::is_same_v<V, Time>)
          dst = key.size() > f.name.size() ? time_ns_arg(v, key.c_str()) : time_arg(v, key.c_str());
        else if constexpr (std::is_same_v<V, bool>) dst = bool_arg(v, key.c_str());
        else if constexpr (std::is_enum_v<V>) dst = enum_arg<V>(v, key.c_str());
        else if constexpr (std::is_integral_v<V>)
          dst = static_cast<V>(int_arg(v, key.c_str(), static_cast<std::int64_t>(std::numeric_limits<V>::min()),
                                       static_cast<std::int64_t>(std::numeric_limits<V>::max())));
        else static_assert(sizeof(V) == 0, "a setting type without a Python converter");
      },
      f.member);
}
}  // namespace detail

/// Every keyword S accepts, in table order: each setting (a time setting followed by its `_ns`
/// twin), then the aliases.
template <class S>
std::vector<std::string> setting_keywords(std::span<const SettingAlias<std::type_identity_t<S>>> aliases = {}) {
  std::vector<std::string> out;
  for (const auto& f : describe::Settings<S>::list) {
    out.emplace_back(f.name);
    if (detail::is_time<S>(f)) out.push_back(std::string(f.name) + "_ns");
  }
  for (const auto& a : aliases) out.emplace_back(a.name);
  return out;
}

/// Sets the settings given as keywords. TypeError for an unknown keyword (listing the accepted
/// ones, as `what` says them) or for one setting given twice (`tick` and `tick_ns`, or an alias);
/// TypeError/ValueError from the converters name the keyword and the accepted forms.
template <class S>
void apply_settings(S& s, const pybind11::kwargs& kw, std::string_view what,
                    std::span<const SettingAlias<std::type_identity_t<S>>> aliases = {}) {
  std::vector<std::pair<std::string_view, std::string>> seen;  // (setting, keyword) set so far
  auto once = [&](std::string_view setting, const std::string& key) {
    for (const auto& [x, first] : seen)
      if (x == setting)
        throw pybind11::type_error(
            fmt::format("{}: {}= and {}= both set {}: give one of them", what, first, key, setting));
    seen.emplace_back(setting, key);
  };
  for (const auto& [k, v] : kw) {
    const std::string key = pybind11::str(k).cast<std::string>();
    bool done = false;
    for (const auto& f : describe::Settings<S>::list) {
      if (key == f.name || (detail::is_time<S>(f) && key == std::string(f.name) + "_ns")) {
        once(f.name, key);
        detail::set_one(s, f, key, v);
        done = true;
        break;
      }
    }
    for (const auto& a : aliases) {
      if (done) break;
      if (key == a.name) {
        once(a.sets, key);
        a.apply(s, v);
        done = true;
      }
    }
    if (!done) {
      std::string names;
      for (const auto& n : setting_keywords<S>(aliases)) names += (names.empty() ? "" : ", ") + n;
      throw pybind11::type_error(
          fmt::format("{}: unknown keyword argument '{}': expected one of {}", what, key, names));
    }
  }
}

/// Docstring lines of the keywords: "  name: doc [unit] (default: value)" per setting, the `_ns`
/// twin of each time setting, then the aliases. Defaults come from `defaults`.
template <class S>
std::string settings_kwargs_doc(const S& defaults,
                                std::span<const SettingAlias<std::type_identity_t<S>>> aliases = {}) {
  std::string out;
  for (const auto& f : describe::Settings<S>::list) {
    // The default as a Python literal: 0.001, 'freebsd-9.3', True.
    const std::string value = std::visit(
        [&](auto member) -> std::string {
          const auto& v = defaults.*member;
          using V = std::remove_cvref_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Time>) return fmt::format("{}", v.seconds());
          else if constexpr (std::is_same_v<V, bool>) return v ? "True" : "False";
          else if constexpr (std::is_enum_v<V>) return fmt::format("'{}'", describe::name_of(v));
          else return fmt::format("{}", v);
        },
        f.member);
    out += fmt::format("  {}: {}{}{}{} (default: {})\n", f.name, f.doc, f.unit.empty() ? "" : " [", f.unit,
                       f.unit.empty() ? "" : "]", value);
    if (detail::is_time<S>(f))
      out += fmt::format("  {}_ns: {} as integer nanoseconds\n", f.name, f.name);
  }
  for (const auto& a : aliases) out += fmt::format("  {}: {}\n", a.name, a.doc);
  return out;
}

}  // namespace fwd::py
