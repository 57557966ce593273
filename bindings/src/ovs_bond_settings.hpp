#pragma once
// The Python surface of lag::OvsBondConfig beyond its settings table, shared by fwd.lag.OvsBond
// (lag.cpp, which defines these) and the OVS bond keywords of fwd.l2.LagConfig (l2.cpp), so both
// read the same keywords the same way.
#include <string_view>

#include "fwd/lag/ovs_bond.hpp"
#include "settings.hpp"

namespace fwd::py {

/// The `lacp` setting takes the Port lacp column's values (active and passive: negotiated), as the
/// LAG spec does: one mapping, lag::ovs_lacp_status. Declared here so that every file converting
/// an OvsBondConfig uses it.
template <>
lag::OvsLacpStatus enum_from_text<lag::OvsLacpStatus>(std::string_view text);

/// The keywords before the settings table: rebalance_interval_ms, updelay_ms, downdelay_ms, the
/// three delays as integer milliseconds (README, renames: accepted for one release).
SettingAliases<lag::OvsBondConfig> ovs_bond_ms_aliases();

}  // namespace fwd::py
