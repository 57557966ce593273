// Text form of net::Mac (slow path).
#include <arpa/inet.h>

#include <fmt/format.h>

#include "fwd/error.hpp"
#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"

namespace fwd::net {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Mac Mac::parse(std::string_view text) {
  auto fail = [&] {
    return Error(fmt::format("invalid MAC address '{}': expected aa:bb:cc:dd:ee:ff, "
                             "aa-bb-cc-dd-ee-ff or aabb.ccdd.eeff", text));
  };
  std::string digits;
  if (text.size() == 17) {
    const char sep = text[2];
    if (sep != ':' && sep != '-') throw fail();
    for (std::size_t i = 0; i < 17; ++i) {
      if (i % 3 == 2) {
        if (text[i] != sep) throw fail();
      } else {
        digits.push_back(text[i]);
      }
    }
  } else if (text.size() == 14 && text[4] == '.' && text[9] == '.') {
    for (std::size_t i = 0; i < 14; ++i)
      if (i != 4 && i != 9) digits.push_back(text[i]);
  } else {
    throw fail();
  }
  Mac m;
  for (std::size_t i = 0; i < 6; ++i) {
    const int hi = hex_digit(digits[2 * i]), lo = hex_digit(digits[2 * i + 1]);
    if (hi < 0 || lo < 0) throw fail();
    m.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return m;
}

std::string Mac::to_string() const {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes[0], bytes[1], bytes[2],
                     bytes[3], bytes[4], bytes[5]);
}

}  // namespace fwd::net
