#pragma once
/// \file
/// The tracer's IPv4 lane: forwarded IPv4 flows through routers and hosts whose next hops are all
/// resolved at compile (Fabric::Compiled::NhFast), without receive hashes, LAGs or switches. Per
/// chunk of flows the walk state is a small struct per flow, every hop reads flat per-node tables,
/// and multipath hashes and picks go to the route layer in batches (hashes: one per round, whatever
/// the routers' configurations; picks: one per group).
///
/// It takes only what it handles exactly as the general walker (trace.cpp) does; every other flow
/// (not IPv4, originated at a node, any drop, a next hop needing more than the compiled fast
/// form) is handed back by index, to be traced from its start by the general walker. Flows may be
/// retraced alone because the lane runs only on fabrics whose choices do not depend on the order
/// flows are traced in (Compiled::fast_ok). Internal to path.

#include <cstdint>
#include <vector>

#include "fwd/hash/policy.hpp"
#include "fwd/path/detail/compiled.hpp"
#include "fwd/path/trace.hpp"

namespace fwd::path::detail {

/// Traces what the lane can; appends the indices of the other flows to `rest` (in no set order).
/// Requires tables.fast_ok and no receive hashes.
void trace_ipv4_lane(const Fabric& fabric, const Fabric::Compiled& tables, const hash::Policy::Batch& frames, const Ingress& ingress,
                     const PathOut& out, std::vector<std::uint32_t>& rest);

}  // namespace fwd::path::detail
