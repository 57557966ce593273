#pragma once
/// \file
/// What traced paths say about a fabric: load per port and per node, polarization per node, and
/// what-if comparisons of two traces of the same flows (before/after a change at any tier).
///
/// Polarization, per node that had a choice (a multipath route or a LAG):
///   * candidates: the physical ports its choices could send on (the next hops' devices of the
///     routes its flows matched, LAG members), `up` = with carrier;
///   * used: candidates that carried at least one flow;
///   * entropy: H(choice) and H(choice | upstream), the latter over the port the flow arrived on
///     (the upstream node's choice), both in bits and normalised by log2(up candidates): 1 = flows
///     spread evenly whatever the upstream choice, 0 = the upstream choice decides (polarization);
///   * imbalance: max / mean flows over the *up* candidates only (a down link is not "unused").
///
/// What-if: flows whose path changed (any hop's physical port, the end, or the drop), the
/// from->to counts of their end ports, and the minimum that had to move: every flow whose old
/// path crossed a port that can no longer carry it, plus, at each node that gained candidates,
/// the new candidates' fair share of the flows the node receives (additions move flows too; a
/// consistent scheme moves only that share).

#include <cstdint>
#include <string>
#include <vector>

#include "fwd/path/fabric.hpp"
#include "fwd/path/trace.hpp"

namespace fwd::path {

/// Read-only view of trace output (Paths or caller-owned arrays).
struct PathView {
  std::size_t count = 0, max_hops = 0;
  const std::int32_t* hop_node = nullptr;
  const std::int32_t* hop_dev = nullptr;
  const std::int32_t* hop_port = nullptr;
  const std::int32_t* hop_nexthop = nullptr;
  const std::uint8_t* n_hops = nullptr;
  const std::int32_t* end_node = nullptr;
  const std::int32_t* end_port = nullptr;
  const std::uint8_t* drop = nullptr;
  const std::int32_t* drop_node = nullptr;

  static PathView of(const Paths& p);
};

struct Load {
  std::vector<std::uint64_t> port_tx;     ///< per port: flows transmitted (physical and logical)
  std::vector<std::uint64_t> port_rx;     ///< per port: flows received (peer transmitted; end port)
  std::vector<std::uint64_t> node_in;     ///< per node: flows that reached it (as a hop or the end)
  std::vector<std::uint64_t> node_end;    ///< per node: flows that ended there
  std::vector<std::uint64_t> node_drop;   ///< per node: flows dropped there
  std::vector<std::uint64_t> drops;       ///< per Drop reason (index 0 = delivered)
};
Load load(const Fabric& fabric, const PathView& paths);

struct NodePolarization {
  NodeId node = none;
  std::uint64_t flows = 0;                ///< flows for which the node made a choice
  std::vector<PortId> candidates;         ///< physical ports, in port id order
  std::vector<std::uint8_t> up;           ///< per candidate: carrier
  std::vector<std::uint64_t> counts;      ///< per candidate: flows
  std::uint32_t used = 0, up_count = 0;   ///< candidates with flows; candidates with carrier
  double entropy = 0, conditional_entropy = 0;  ///< bits
  double normalized_entropy = 0, normalized_conditional_entropy = 0;
  double imbalance = 0;                   ///< max / mean over up candidates (0 if no flows)
};
/// One entry per node that chose between 2 or more candidates for some flow.
std::vector<NodePolarization> polarization(const Fabric& fabric, const PathView& paths);

struct WhatIf {
  std::uint64_t flows = 0, moved = 0, min_moved = 0;
  std::uint64_t delivered_before = 0, delivered_after = 0;
  std::vector<std::uint64_t> matrix;      ///< end ports: (before row) x (after col), ports + 1 (last = dropped)
  std::size_t dim = 0;
  double moved_share() const { return flows ? static_cast<double>(moved) / static_cast<double>(flows) : 0.0; }
  double min_share() const { return flows ? static_cast<double>(min_moved) / static_cast<double>(flows) : 0.0; }
};
/// Compares traces of the same flows through `before` and `after` (after = before with changes:
/// ports/links/nodes failed, added, state changed). Port ids of `before` must be valid in `after`.
WhatIf what_if(const Fabric& before, const PathView& paths_before, const Fabric& after, const PathView& paths_after);

/// Per-flow "moved" flags of the same comparison (out has `count` entries).
void moved_flags(const PathView& a, const PathView& b, std::uint8_t* out);

}  // namespace fwd::path
