#pragma once
/// \file
/// How the path engine asks the route layer (fwd::route) for a router's ECMP choice: a per-router,
/// per-family configuration made once from its spec string, a per-route group made once from the
/// next hops' weights and states, then per packet a multipath hash and the chosen index. The hash
/// is split from the pick so a flow's hash is computed once per distinct configuration (routers
/// with equal settings compute equal hashes: spec linux-ecmp §10). Internal to path.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fwd/net/bytes.hpp"
#include "fwd/route/ecmp.hpp"

namespace fwd::path::detail {

/// Throws fwd::Error (from the route layer) when `spec` is not a valid ECMP spec string.
void check_ecmp_spec(const std::string& spec);

struct NextHopState {
  std::uint32_t weight = 1;
  bool dead = false;      ///< device administratively down
  bool linkdown = false;  ///< device without carrier
};

struct EcmpImpl;       // the route layer's selector, defined in ecmp.cpp
struct EcmpGroupImpl;  // the route layer's next-hop set

struct EcmpConfig {
  std::string spec;
  int family = 4;
  std::shared_ptr<const EcmpImpl> impl;
  bool plain_v4 = false;  ///< forwarded plain IPv4 packets can be hashed from their keys (plain_hasher)
};

struct EcmpGroup {
  std::int32_t config = -1;
  std::shared_ptr<const EcmpGroupImpl> impl;
  /// The route layer's choice for a forwarded packet as a table, when it is one (route::Ecmp::
  /// threshold_table): chosen = index[count of upper[j] < hash] (-1: no usable next hop).
  bool table = false;
  std::vector<std::uint32_t> upper;
  std::vector<std::int32_t> index;
};

EcmpConfig make_config(const std::string& spec, int family);
EcmpGroup make_group(const EcmpConfig& config, std::int32_t config_index, std::span<const NextHopState> hops);
/// The multipath hash of `packet` (raw IP, from the network header). `rx_hash` != 0: the packet
/// carries that receive hash (skb->hash) with l4_hash = `rx_l4`. `local`: originated by the node.
std::uint32_t multipath_hash(const EcmpConfig& config, net::Bytes packet, std::uint32_t rx_hash, bool rx_l4,
                             bool local);
/// out[i] = multipath_hash(config, packets[i], 0, -, false) for every packet: forwarded packets
/// without a receive hash, hashed in batch by the route layer (bit-exact with the scalar form).
void multipath_hash_batch(const EcmpConfig& config, std::span<const net::Bytes> packets, std::uint32_t* out);
/// One route-layer batch hasher over the configurations with plain_v4 set, in order (the k-th of
/// them is selector k): keys of flows waiting at routers of different configurations hashed at once.
route::PlainV4Hasher plain_hasher(std::span<const EcmpConfig> configs);
/// out[i] = pick(config, group, h[i], false) for n forwarded packets, in one route-layer batch.
void pick_batch(const EcmpGroup& group, const std::uint32_t* h, std::size_t n, std::int32_t* out);
/// True when picks in `group` depend on the hash only (not a resilient table whose buckets the
/// picks mark used): flows may then be picked in any order with the same results.
bool stateless(const EcmpGroup& group);
/// The index of the chosen next hop in the group, or -1 when no next hop is usable.
std::int32_t pick(const EcmpConfig& config, const EcmpGroup& group, std::uint32_t hash, bool local);

}  // namespace fwd::path::detail
