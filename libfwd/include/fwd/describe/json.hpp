#pragma once
/// \file
/// The one JSON writer of libfwd: Boost.JSON values built by each type's `to_json()` (the JSON
/// twin of its text output; one name across types), serialised by `dump()`. Nothing in libfwd
/// escapes or formats JSON by hand. Python receives the same values as dicts and lists.

#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "fwd/describe/field.hpp"
#include "fwd/time.hpp"

namespace fwd::describe {

namespace json = boost::json;

/// Compact JSON text of `v` (the only serialiser).
std::string dump(const json::value& v);

/// The fields of a described struct as a JSON object (name -> number), in table order.
template <class S>
json::object fields_json(const S& s) {
  json::object o;
  for (const auto& f : Fields<S>::list) o[f.name] = s.*f.member;
  return o;
}

template <class S>
json::object settings_json(const S& s);

/// One setting's value as JSON: times in seconds, described enums by name (other enums by their
/// to_string), unset optionals as null, lists as arrays, MACs as text, described config structs
/// as nested objects, numbers, strings and booleans as they are.
template <class V>
json::value setting_json(const V& v) {
  if constexpr (std::is_same_v<V, Time>) return v.seconds();
  else if constexpr (requires { Settings<V>::list; }) return settings_json(v);
  else if constexpr (requires { v.has_value(); *v; }) return v ? setting_json(*v) : json::value(nullptr);
  else if constexpr (std::is_same_v<V, std::string>) return json::value(json::string_view(v.data(), v.size()));
  else if constexpr (requires { v.begin(); v.end(); }) {
    json::array a;
    for (const auto& e : v) a.push_back(setting_json(e));
    return a;
  } else if constexpr (std::is_enum_v<V>) {
    if constexpr (requires { Enumerators<V>::list; }) return json::value(json::string_view(name_of(v)));
    else return json::value(to_string(v));
  } else if constexpr (requires { v.to_string(); }) return json::value(v.to_string());
  else return json::value(v);
}

/// The settings of a described config struct as a JSON object (setting_json of each), in table order.
template <class S>
json::object settings_json(const S& s) {
  json::object o;
  for (const auto& f : Settings<S>::list) std::visit([&](auto member) { o[f.name] = setting_json(s.*member); }, f.member);
  return o;
}

}  // namespace fwd::describe
