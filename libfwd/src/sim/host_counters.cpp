// fwd::sim host counters: the drop reasons' names and the JSON twin, both from the tables of
// host_counters.hpp.
#include "fwd/sim/host_counters.hpp"

namespace fwd::sim {

const char* to_string(HostDrop d) { return describe::name_of(d).data(); }  // table names are literals

describe::json::object counters_json(const HostCounters& c) {
  auto o = describe::fields_json(c);
  describe::json::object by;
  for (std::size_t i = 0; i < host_drop_count; ++i)
    if (c.dropped_by[i]) by[to_string(static_cast<HostDrop>(i))] = c.dropped_by[i];
  o["dropped_by"] = std::move(by);
  return o;
}

}  // namespace fwd::sim
