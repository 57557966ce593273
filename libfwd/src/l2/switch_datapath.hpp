#pragma once
// The state of fwd::l2::BasicSwitch that only the OVS datapath model and the LAG hooks use
// (private to libfwd/src/l2/switch_*.cpp): the datapath flow cache, the learning queued by
// cached-flow hits, and the bonds / LAGs the switch owns.
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "fwd/l2/switch.hpp"
#include "fwd/lag/lag.hpp"
#include "fwd/lag/ovs_bond.hpp"

namespace fwd::l2 {

struct detail::SwitchImpl {
  struct Flow {
    Time last_used{};
    std::uint64_t version = 0;  // table version when the drop was computed
    bool drop = false;
  };
  struct Pending {
    Time due{};
    LinkId link = no_link;
    std::uint16_t vlan = 0;
    std::uint64_t src = 0;
    bool garp = false;
  };
  boost::unordered_flat_map<std::uint64_t, Flow> flows;
  detail::Ring<Pending> pending{4096};
  std::vector<std::unique_ptr<lag::OvsBond>> bonds;
  std::vector<std::unique_ptr<lag::Lag>> lags;
};

}  // namespace fwd::l2

// The benchmark compiles the switch_*.cpp template parts a second time over its
// std::unordered_map store (bench/CMakeLists.txt defines FWD_L2_REFERENCE_STORE); the product
// library instantiates only detail::FdbTable.
#ifdef FWD_L2_REFERENCE_STORE
#include "std_fdb_table.hpp"
#define FWD_L2_STORE FWD_L2_REFERENCE_STORE
#else
#define FWD_L2_STORE detail::FdbTable<detail::Slot>
#endif
