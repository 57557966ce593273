#pragma once
/// \file
/// Internal: SHA-1 and the CARP HMAC of FreeBSD `carp_hmac_prepare` / `carp_hmac_generate`
/// (identical in releng/9.3 and 14). The inner hash covers ipad ‖ version ‖ type ‖ vhid ‖ the
/// vhid's IPv4 addresses ascending ‖ its IPv6 addresses ascending (link-local scope bytes
/// zeroed) ‖ the 8 counter bytes; the outer hash opad ‖ inner. The prefix up to the counter
/// depends only on the configuration, so an Instance builds it once. Not public API.

#include <array>
#include <cstdint>
#include <vector>

namespace fwd::sim::carp {
struct Config;
}

namespace fwd::sim::carp::detail {

/// SHA-1 (FIPS 180-4) over a byte string.
std::array<std::uint8_t, 20> sha1(const std::uint8_t* data, std::size_t n);

/// ipad ‖ version ‖ type ‖ vhid ‖ sorted addresses: everything hashed before the counter.
std::vector<std::uint8_t> hmac_prefix(const Config& c);

/// HMAC over `prefix` ‖ counter (big-endian, as on the wire), keyed with the config's pass.
std::array<std::uint8_t, 20> hmac_from_prefix(const std::vector<std::uint8_t>& prefix, const Config& c,
                                              std::uint64_t counter);

}  // namespace fwd::sim::carp::detail
