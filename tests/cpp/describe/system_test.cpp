// The system registry: one name, one system, in every layer.
#include "fwd/describe/system.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "fwd/error.hpp"
#include "fwd/hash/policy.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/lag/lag.hpp"

using fwd::describe::Layer;
using fwd::describe::find_system;
using fwd::describe::lookup_system;

namespace {
std::string error_of(auto&& f) {
  try {
    f();
  } catch (const fwd::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Systems, EveryNameAndAliasIsSpelledOnce) {
  std::set<std::string_view> seen;
  for (const auto& s : fwd::describe::systems()) {
    EXPECT_TRUE(seen.insert(s.name).second) << s.name;
    for (auto a : s.aliases) EXPECT_TRUE(seen.insert(a).second) << a;
    EXPECT_NE(s.layers, 0) << s.name;
    EXPECT_FALSE(s.follows.empty()) << s.name;
    EXPECT_EQ(s.in(Layer::l2), !s.l2_profile.empty()) << s.name;
  }
  for (auto a : fwd::describe::ambiguous_names()) EXPECT_FALSE(seen.count(a)) << a;
}

TEST(Systems, AnAliasNamesTheSameSystemInEveryLayer) {
  for (const auto& s : fwd::describe::systems())
    for (auto a : s.aliases)
      for (auto layer : fwd::describe::all_layers) {
        const auto* hit = lookup_system(a, layer);
        EXPECT_EQ(hit, s.in(layer) ? &s : nullptr) << a << " in " << to_string(layer);
      }
}

TEST(Systems, LayersResolveThroughTheRegistry) {
  EXPECT_EQ(fwd::hash::Policy::from_spec("freebsd-fnv:l2;key=0").family(), "freebsd-12");
  EXPECT_EQ(fwd::lag::Lag::from_spec("freebsd-fnv:lacp", {"a"}).system(), "freebsd-12");
  EXPECT_EQ(fwd::l2::parse_profile("freebsd-9.x"), fwd::l2::Profile::freebsd_bridge);
  EXPECT_EQ(fwd::l2::parse_profile("linux-6.12"), fwd::l2::Profile::linux_bridge);
  EXPECT_EQ(fwd::l2::parse_profile("ovs"), fwd::l2::Profile::ovs_3_1);
}

TEST(Systems, TheAmbiguousFreebsdIsRejectedWithTheChoices) {
  for (auto layer : fwd::describe::all_layers) {
    const std::string e = error_of([&] { find_system("freebsd", layer, "system"); });
    EXPECT_NE(e.find("ambiguous system 'freebsd'"), std::string::npos) << e;
    EXPECT_NE(e.find(layer == Layer::l2 ? "freebsd-bridge" : layer == Layer::sim ? "freebsd-10" : "freebsd-12"),
              std::string::npos)
        << e;
  }
  EXPECT_NE(error_of([] { fwd::l2::parse_profile("freebsd"); }).find("freebsd-bridge"), std::string::npos);
  EXPECT_NE(error_of([] { fwd::lag::Lag::from_spec("freebsd:lacp", {"a"}); }).find("freebsd-10"), std::string::npos);
}

TEST(Systems, ALayerWithoutAModelSaysSoAndListsItsSystems) {
  const std::string e = error_of([] { fwd::l2::parse_profile("freebsd-12"); });
  EXPECT_NE(e.find("has no l2 model"), std::string::npos) << e;
  EXPECT_NE(e.find("linux-bridge"), std::string::npos) << e;
  EXPECT_NE(error_of([] { fwd::hash::Policy::from_spec("linux-3.x:layer2"); }).find("has no hash model"),
            std::string::npos);
  EXPECT_NE(error_of([] { find_system("cisco", Layer::lag, "LAG system"); }).find("unknown LAG system 'cisco'"),
            std::string::npos);
}
