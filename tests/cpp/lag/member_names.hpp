#pragma once
// Member arrays as names, for the distributor tests.
#include <string>
#include <vector>

#include "fwd/lag/lag.hpp"

using V = std::vector<std::string>;

inline V names(const fwd::lag::Lag& lag, const fwd::lag::MemberArray& a) {
  V out;
  for (fwd::lag::MemberIndex m : a) out.push_back(lag.name(m));
  return out;
}
