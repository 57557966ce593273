#pragma once
// Hex helpers shared by the net tests.
#include <cstdint>
#include <string>
#include <vector>

inline std::vector<std::uint8_t> from_hex(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return out;
}
inline std::string to_hex(const std::vector<std::uint8_t>& v) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto b : v) { s += d[b >> 4]; s += d[b & 15]; }
  return s;
}
