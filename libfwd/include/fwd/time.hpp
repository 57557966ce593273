#pragma once
/// \file
/// fwd::Time: virtual time in nanoseconds. Nothing in libfwd reads the wall clock; a switch, a
/// MAC table or a simulation is handed the current Time by whoever owns the clock.

#include <cstdint>
#include <string_view>

namespace fwd {

/// A point in virtual time, or a duration, in nanoseconds (int64: ~292 years of range).
struct Time {
  std::int64_t ns = 0;

  static constexpr Time from_ns(std::int64_t v) { return Time{v}; }
  static constexpr Time from_us(std::int64_t v) { return Time{v * 1'000}; }
  static constexpr Time from_ms(std::int64_t v) { return Time{v * 1'000'000}; }
  static constexpr Time from_s(std::int64_t v) { return Time{v * 1'000'000'000}; }
  static constexpr Time from_seconds(double s) { return Time{static_cast<std::int64_t>(s * 1e9)}; }

  constexpr double seconds() const { return static_cast<double>(ns) / 1e9; }
  constexpr double milliseconds() const { return static_cast<double>(ns) / 1e6; }

  friend constexpr Time operator+(Time a, Time b) { return Time{a.ns + b.ns}; }
  friend constexpr Time operator-(Time a, Time b) { return Time{a.ns - b.ns}; }
  constexpr Time& operator+=(Time b) { ns += b.ns; return *this; }
  constexpr Time& operator-=(Time b) { ns -= b.ns; return *this; }
  friend constexpr auto operator<=>(Time, Time) = default;
};

/// Seconds to Time, rounded to the nanosecond. Throws fwd::Error naming `what` when `s` is not
/// finite or beyond the int64-nanosecond range (about +-292 years): the one checked conversion
/// every API and command uses (a silent wrap once turned `--until 1e12s` into a negative time).
Time time_from_seconds(double s, std::string_view what = "time");

/// Parses a time: a number with an optional unit, `ns`, `us` (or `µs`), `ms`, `s`, `min`, `h`
/// (no unit: seconds), e.g. "10ms", "3s", "250us", "1.5", "2e-3s". Range-checked as
/// time_from_seconds; throws fwd::Error naming `what` and the accepted forms.
Time parse_time(std::string_view text, std::string_view what = "time");

}  // namespace fwd
