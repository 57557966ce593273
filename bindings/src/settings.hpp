#pragma once
// Python keyword arguments of a described config struct (fwd/describe/field.hpp Settings<S>): one
// loop over the table converts each keyword with the one converter of its type, so a new setting
// becomes a keyword, a docstring line and a dict entry without touching the binding.
//
// Per setting type: Time -> `name` (the one time convention: seconds, '10ms', timedelta,
// timedelta64) and `name_ns` (integer nanoseconds only); bool -> True/False; integers -> an int in
// the setting's range (the member type's when the table gives none); a described enum -> its name
// (or what `enum_arg` accepts for it); str; a MAC or an IPv4/IPv6 address (the one converters); a
// list of addresses (one address alone is a list of one); an optional address (None = unset).
// A binding may add aliases (an old spelling, or another form such as kern.hz for `tick`).
#include <pybind11/pybind11.h>

#include <fmt/format.h>

#include <cstdint>
#include <limits>
#include <optional>
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
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"

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

/// How keywords of S check booleans and integers and refuse an unknown keyword: by default the one
/// converters (TypeError for a wrong type, ValueError out of range) and a TypeError for an unknown
/// keyword. A struct whose Python API had other exception types before its table specialises it
/// (carp::Config: ValueError throughout, messages that tests and users match).
template <class S>
struct SettingArgs {
  static bool boolean(const pybind11::handle& h, const char* name) { return bool_arg(h, name); }
  static std::int64_t integer(const pybind11::handle& h, const char* name, std::int64_t lo, std::int64_t hi) {
    return int_arg(h, name, lo, hi);
  }
  [[noreturn]] static void unknown(std::string_view what, const std::string& key, const std::string& accepted) {
    throw pybind11::type_error(fmt::format("{}: unknown keyword argument '{}': expected one of {}", what, key, accepted));
  }
};

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

// A JSON value as a Python literal (True, None, 'text', [..], numbers as fmt writes them).
inline std::string py_literal(const describe::json::value& v) {
  namespace json = describe::json;
  switch (v.kind()) {
    case json::kind::null: return "None";
    case json::kind::bool_: return v.get_bool() ? "True" : "False";
    case json::kind::int64: return fmt::format("{}", v.get_int64());
    case json::kind::uint64: return fmt::format("{}", v.get_uint64());
    case json::kind::double_: return fmt::format("{}", v.get_double());
    case json::kind::string: return fmt::format("'{}'", std::string_view(v.get_string()));
    case json::kind::array: {
      std::string out;
      for (const auto& x : v.get_array()) out += (out.empty() ? "" : ", ") + py_literal(x);
      return "[" + out + "]";
    }
    case json::kind::object: break;
  }
  return "{...}";
}

template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;
template <class T>
inline constexpr bool is_vector = false;
template <class T>
inline constexpr bool is_vector<std::vector<T>> = true;

// One address or MAC from Python (the one converters of convert.hpp).
template <class V>
V value_arg(const pybind11::handle& v, const char* key) {
  if constexpr (std::is_same_v<V, net::Ipv4>) return ipv4_arg(v, key);
  else if constexpr (std::is_same_v<V, net::Ipv6>) return ipv6_arg(v, key);
  else if constexpr (std::is_same_v<V, net::Mac>) return mac_arg(v, key);
  else static_assert(sizeof(V) == 0, "a setting type without a Python converter");
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
        else if constexpr (std::is_same_v<V, bool>) dst = SettingArgs<S>::boolean(v, key.c_str());
        else if constexpr (std::is_enum_v<V>) dst = enum_arg<V>(v, key.c_str());
        else if constexpr (std::is_integral_v<V>)
          dst = static_cast<V>(SettingArgs<S>::integer(
              v, key.c_str(), f.has_range() ? f.min : static_cast<std::int64_t>(std::numeric_limits<V>::min()),
              f.has_range() ? f.max : static_cast<std::int64_t>(std::numeric_limits<V>::max())));
        else if constexpr (std::is_same_v<V, std::string>) {
          if (!pybind11::isinstance<pybind11::str>(v))
            throw pybind11::type_error(fmt::format("{}: expected a string; got {}", key,
                                                   pybind11::str(v.get_type().attr("__name__")).cast<std::string>()));
          dst = v.cast<std::string>();
        } else if constexpr (is_optional<V>) {
          if (v.is_none()) dst.reset();
          else dst = value_arg<typename V::value_type>(v, key.c_str());
        } else if constexpr (is_vector<V>) {
          V out;
          if (pybind11::isinstance<pybind11::str>(v) || !pybind11::isinstance<pybind11::sequence>(v)) {
            out.push_back(value_arg<typename V::value_type>(v, key.c_str()));  // one address: a list of one
          } else {
            for (const auto& x : v) out.push_back(value_arg<typename V::value_type>(x, key.c_str()));
          }
          dst = std::move(out);
        } else dst = value_arg<V>(v, key.c_str());
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
      SettingArgs<S>::unknown(what, key, names);
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
          // The value as Python would print it: settings_json's value, with Python's spelling.
          return detail::py_literal(describe::setting_json(v));
        },
        f.member);
    const std::string range = f.has_range() ? fmt::format(", {}..{}", f.min, f.max) : "";
    out += fmt::format("  {}: {}{}{}{}{} (default: {})\n", f.name, f.doc, range, f.unit.empty() ? "" : " [", f.unit,
                       f.unit.empty() ? "" : "]", value);
    if (detail::is_time<S>(f))
      out += fmt::format("  {}_ns: {} as integer nanoseconds\n", f.name, f.name);
  }
  for (const auto& a : aliases) out += fmt::format("  {}: {}\n", a.name, a.doc);
  return out;
}

}  // namespace fwd::py
