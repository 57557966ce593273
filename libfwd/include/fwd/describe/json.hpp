#pragma once
/// \file
/// The one JSON writer of libfwd: Boost.JSON values built by each type's `to_json()` (the JSON
/// twin of its text output; one name across types), serialised by `dump()`. Nothing in libfwd
/// escapes or formats JSON by hand. Python receives the same values as dicts and lists.

#include <string>
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

/// The settings of a described config struct as a JSON object: times in seconds, described enums
/// by name, numbers and booleans as they are, in table order.
template <class S>
json::object settings_json(const S& s) {
  json::object o;
  for (const auto& f : Settings<S>::list) {
    std::visit(
        [&](auto member) {
          const auto& v = s.*member;
          using V = std::remove_cvref_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Time>) o[f.name] = v.seconds();
          else if constexpr (std::is_enum_v<V>) o[f.name] = name_of(v);
          else o[f.name] = v;
        },
        f.member);
  }
  return o;
}

}  // namespace fwd::describe
