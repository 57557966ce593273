// The path engine's bridge to the route layer (fwd::route). Until the route layer is merged this
// refuses multipath routes with a clear error rather than guessing a next hop.
#include "fwd/path/detail/ecmp.hpp"

#include "fwd/error.hpp"

namespace fwd::path::detail {

struct EcmpImpl {};
struct EcmpGroupImpl {};

void check_ecmp_spec(const std::string&) {}

EcmpConfig make_config(const std::string& spec, int) {
  throw Error("multipath route with ECMP spec '" + spec + "': the route layer is not available in this build");
}
EcmpGroup make_group(const EcmpConfig&, std::int32_t, std::span<const NextHopState>, bool) { return {}; }
std::uint32_t multipath_hash(const EcmpConfig&, net::Bytes, std::uint32_t, bool) { return 0; }
std::int32_t pick(const EcmpConfig&, const EcmpGroup&, std::uint32_t) { return -1; }

}  // namespace fwd::path::detail
