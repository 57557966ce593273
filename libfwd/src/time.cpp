// fwd::Time: the one checked conversion from seconds and from text.
#include "fwd/time.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "fwd/error.hpp"

namespace fwd {

namespace {
// 2^63 ns: the first value an int64 cannot hold.
constexpr double ns_limit = 9223372036854775808.0;

Time checked_ns(double ns, double shown, std::string_view unit, std::string_view what) {
  if (!std::isfinite(ns))
    throw Error(fmt::format("{}: invalid time {}{}: expected a finite number", what, shown, unit));
  const double r = std::nearbyint(ns);
  if (!(r < ns_limit && r >= -ns_limit))
    throw Error(fmt::format("{}: time {}{} out of range: expected at most +-9223372036 s (int64 nanoseconds, about "
                            "+-292 years)",
                            what, shown, unit));
  return Time{static_cast<std::int64_t>(r)};
}
}  // namespace

Time time_from_seconds(double s, std::string_view what) { return checked_ns(s * 1e9, s, "s", what); }

Time parse_time(std::string_view text, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return Error(fmt::format("{}: {} '{}': expected a number with an optional unit ns, us, ms, s, min, h (e.g. "
                             "'10ms', '3s', '250us'; no unit: seconds)",
                             what, why, text));
  };
  std::size_t b = 0, e = text.size();
  while (b < e && text[b] == ' ') ++b;
  while (e > b && text[e - 1] == ' ') --e;
  const std::string t(text.substr(b, e - b));
  // The number ends where the unit's letters begin; an 'e' followed by a digit or sign is an
  // exponent (no unit starts with e).
  std::size_t i = 0;
  while (i < t.size()) {
    const char c = t[i];
    const bool exp = (c == 'e' || c == 'E') && i + 1 < t.size() &&
                     (std::isdigit(static_cast<unsigned char>(t[i + 1])) || t[i + 1] == '-' || t[i + 1] == '+');
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || exp)) break;
    i += exp ? 2 : 1;
  }
  const std::string num = t.substr(0, i);
  std::string unit = t.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(unit.begin());
  char* end = nullptr;
  const double v = num.empty() ? 0.0 : std::strtod(num.c_str(), &end);
  if (num.empty() || end != num.c_str() + num.size()) throw bad("bad time");
  double scale = 1e9;
  if (unit.empty() || unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us" || unit == "\xc2\xb5s") scale = 1e3;
  else if (unit == "ns") scale = 1;
  else if (unit == "min") scale = 60e9;
  else if (unit == "h") scale = 3600e9;
  else throw bad(fmt::format("bad time unit '{}' in", unit));
  return checked_ns(v * scale, v, unit.empty() ? "" : unit, what);
}

}  // namespace fwd
