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

/// One setting's value as JSON: times in seconds, described enums by name, addresses and MACs
/// (anything with to_string()) as text, lists as arrays, an unset optional as null, numbers,
/// booleans and strings as they are.
template <class V>
json::value setting_json(const V& v) {
  if constexpr (std::is_same_v<V, Time>) return v.seconds();
  else if constexpr (std::is_enum_v<V>) return json::string(name_of(v));
  else if constexpr (std::is_same_v<V, std::string>) return json::string(v);
  else if constexpr (requires { v.to_string(); }) return json::string(v.to_string());
  else if constexpr (requires { v.has_value(); *v; }) return v ? setting_json(*v) : json::value(nullptr);
  else if constexpr (requires { v.begin(); v.end(); }) {
    json::array a;
    for (const auto& x : v) a.push_back(setting_json(x));
    return a;
  } else return v;
}

/// The settings of a described config struct as a JSON object (setting_json per value), in table
/// order.
template <class S>
json::object settings_json(const S& s) {
  json::object o;
  for (const auto& f : Settings<S>::list)
    std::visit([&](auto member) { o[f.name] = setting_json(s.*member); }, f.member);
  return o;
}

}  // namespace fwd::describe
