#pragma once
// Helpers every test area shares: frames written as hex in the tests, and F1 of the spec.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

/// Bytes from hex text; spaces and newlines are ignored so frames can be laid out by header.
inline std::vector<std::uint8_t> hex(std::string_view s) {
  std::vector<std::uint8_t> out;
  int hi = -1;
  for (char c : s) {
    if (c == ' ' || c == '\n') continue;
    const int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    if (hi < 0) {
      hi = d;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | d));
      hi = -1;
    }
  }
  return out;
}

/// The raw text of `"key":` in one JSON line of a vector file (strings without their quotes).
/// Enough for the flat, machine-written vector lines; not a JSON parser.
inline std::string json_field(const std::string& line, const std::string& key) {
  std::size_t p = line.find("\"" + key + "\":");
  if (p == std::string::npos) return {};
  p += key.size() + 3;
  if (line[p] == '"') return line.substr(p + 1, line.find('"', p + 1) - p - 1);
  return line.substr(p, line.find_first_of(",}", p) - p);
}

/// Lower-case hex of bytes.
inline std::string to_hex(const std::vector<std::uint8_t>& v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (auto b : v) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

/// F1 of shared/specs/hash-algorithms.md §9: the seed's SYN-ACK 192.168.80.2:80 -> 192.168.0.17:30892.
inline const std::vector<std::uint8_t> F1 = hex(
    "00005e000101 002590112233 0800"
    "4500 0028 1234 0000 4006 9738 c0a85002 c0a80011"
    "0050 78ac 00000001 00000000 5012 ffff 0000 0000"
    "000000000000");
