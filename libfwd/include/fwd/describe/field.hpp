#pragma once
/// \file
/// fwd::describe::Field and Enumerator: one table per counters struct and per enum, from which
/// every rendering is derived (show text, the JSON twin, Python dicts and docstrings), so a new
/// field or value is added in one place and cannot be forgotten by one of the renderings.
///
/// A layer describes its struct by specialising `Fields<S>` (a `list` of Field<S>) and its enum by
/// specialising `Enumerators<E>` (a `list` of Enumerator<E>, in value order) next to the type.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fwd::describe {

/// One counter of a counters struct: its name everywhere, the member, the unit and a one-line doc.
template <class S>
struct Field {
  std::string_view name;
  std::uint64_t S::*member;
  std::string_view unit;
  std::string_view doc;
};

/// One setting of a config struct: its name everywhere, the member (a std::variant of member
/// pointers, since settings have different types: bool, integers, Time, described enums), the
/// unit and a one-line doc. Specialise `Settings<S>` with a `list` of them. An integer setting
/// narrower than its member's type gives its accepted range in `min`..`max` (max < min: the type's).
template <class S, class MemberVariant>
struct Setting {
  std::string_view name;
  MemberVariant member;
  std::string_view unit;
  std::string_view doc;
  std::int64_t min = 0;
  std::int64_t max = -1;
  constexpr bool has_range() const { return max >= min; }
};
template <class S>
struct Settings;

/// Docstring text of a config struct: its doc, then "Settings:" and one line per setting
/// ("  name: doc, min..max [unit]").
template <class S>
std::string settings_doc() {
  std::string out(Settings<S>::doc);
  out += "\n\nSettings:";
  for (const auto& f : Settings<S>::list) {
    out += "\n  ";
    out += f.name;
    out += ": ";
    out += f.doc;
    if (f.has_range()) out += ", " + std::to_string(f.min) + ".." + std::to_string(f.max);
    if (!f.unit.empty()) {
      out += " [";
      out += f.unit;
      out += "]";
    }
  }
  return out;
}

/// One value of an enum: its name everywhere and a one-line doc.
template <class E>
struct Enumerator {
  E value;
  std::string_view name;
  std::string_view doc;
};

/// Specialise with `static constexpr std::span<const Field<S>> list` (and `std::string_view doc`).
template <class S>
struct Fields;
/// Specialise with `static constexpr std::span<const Enumerator<E>> list` (value order) and
/// `std::string_view what` (e.g. "drop reason", for messages).
template <class E>
struct Enumerators;

/// The name of `v` from its table ("?" for a value outside it).
template <class E>
constexpr std::string_view name_of(E v) {
  const auto list = Enumerators<E>::list;
  const auto i = static_cast<std::size_t>(v);
  if (i < list.size() && list[i].value == v) return list[i].name;
  for (const auto& e : list)
    if (e.value == v) return e.name;
  return "?";
}

/// The value named `text`, or nullptr.
template <class E>
constexpr const E* find_enumerator(std::string_view text) {
  for (const auto& e : Enumerators<E>::list)
    if (e.name == text) return &e.value;
  return nullptr;
}

/// "a, b, c": every name of E, for messages.
template <class E>
std::string enumerator_names() {
  std::string out;
  for (const auto& e : Enumerators<E>::list) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

/// The names of E in table order, as a constexpr array (for code that iterates over names).
template <class E>
constexpr auto enumerator_name_array() {
  std::array<std::string_view, Enumerators<E>::list.size()> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = Enumerators<E>::list[i].name;
  return a;
}

/// Every value of E in table order, as a constexpr array.
template <class E>
constexpr auto enumerator_values() {
  std::array<E, Enumerators<E>::list.size()> a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = Enumerators<E>::list[i].value;
  return a;
}

/// Parses a name of E; throws fwd::Error "unknown <what> 'x': expected a, b, c" (defined in
/// describe/field.cpp so this header needs no fmt).
[[noreturn]] void throw_unknown(std::string_view what, std::string_view text, const std::string& accepted);
template <class E>
E parse_enumerator(std::string_view text) {
  if (const E* v = find_enumerator<E>(text)) return *v;
  throw_unknown(Enumerators<E>::what, text, enumerator_names<E>());
}

/// Docstring text: the struct's doc, then one line per field ("  name: doc [unit]").
template <class S>
std::string fields_doc() {
  std::string out(Fields<S>::doc);
  for (const auto& f : Fields<S>::list) {
    out += "\n  ";
    out += f.name;
    out += ": ";
    out += f.doc;
    out += " [";
    out += f.unit;
    out += "]";
  }
  return out;
}

/// Docstring text of an enum: one line per value.
template <class E>
std::string enumerators_doc() {
  std::string out;
  for (const auto& e : Enumerators<E>::list) {
    if (!out.empty()) out += "\n";
    out += "  ";
    out += e.name;
    out += ": ";
    out += e.doc;
  }
  return out;
}

}  // namespace fwd::describe
