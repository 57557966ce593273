// Field coverage: every described counter appears in the show text and the JSON twin, and every
// member of a counters struct is described (a new counter cannot be forgotten by a rendering).
#include "fwd/describe/field.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"
#include "fwd/l2/switch.hpp"

using namespace fwd;
using namespace fwd::l2;

namespace {
template <class S>
constexpr std::size_t described_bytes() {
  return describe::Fields<S>::list.size() * sizeof(std::uint64_t);
}
}  // namespace

// Every std::uint64_t member is in the table (the structs hold nothing else but dropped_by).
static_assert(sizeof(TableCounters) == described_bytes<TableCounters>());
static_assert(sizeof(FlapCounters) == described_bytes<FlapCounters>());
static_assert(sizeof(PortCounters) == described_bytes<PortCounters>());
static_assert(sizeof(SwitchCounters) == described_bytes<SwitchCounters>() + drop_reason_count * sizeof(std::uint64_t));

TEST(Fields, EveryEnumValueHasItsOwnName) {
  for (std::size_t i = 0; i < drop_reason_count; ++i) {
    const auto r = static_cast<DropReason>(i);
    EXPECT_EQ(describe::parse_enumerator<DropReason>(to_string(r)), r);
  }
  EXPECT_THROW(describe::parse_enumerator<DropReason>("nope"), Error);
  EXPECT_STREQ(to_string(VlanMode::native_tagged), "native-tagged");
  EXPECT_STREQ(to_string(FlapEmit::once_per_window), "once_per_window");
}

TEST(Fields, EveryCounterAppearsInTextAndJson) {
  Switch sw(SwitchConfig::defaults(Profile::ovs_3_1), {{.name = "p1"}, {.name = "p2"}});
  std::vector<std::uint8_t> f(60, 0);
  f[0] = 0xff, f[1] = 0xff, f[2] = 0xff, f[3] = 0xff, f[4] = 0xff, f[5] = 0xff, f[6] = 0x02, f[11] = 1;
  sw.receive(0, f, Time::from_ms(0));
  std::vector<std::uint8_t> runt(8, 0);
  sw.receive(0, runt, Time::from_ms(1));  // a drop reason in dropped_by
  const std::string text = sw.fdb_stats(Time::from_ms(5));
  const auto js = sw.to_json(Time::from_ms(5)).as_object();
  auto check = [&]<class S>(const char* section, const S&) {
    const auto& o = js.at(section).as_object();
    for (const auto& fld : describe::Fields<S>::list) {
      EXPECT_NE(text.find(std::string("    ") + std::string(fld.name)), std::string::npos) << section << "." << fld.name;
      EXPECT_TRUE(o.contains(fld.name)) << section << "." << fld.name;
    }
  };
  check("counters", SwitchCounters{});
  check("table_counters", TableCounters{});
  check("flap_counters", FlapCounters{});
  EXPECT_EQ(js.at("counters").at("rx").as_uint64(), 2u);
  EXPECT_EQ(js.at("counters").at("dropped_by").at("too_short").as_uint64(), 1u);
  EXPECT_NE(text.find("too_short"), std::string::npos) << text;
  // The values in the text are the counters' values.
  EXPECT_NE(text.find("rx                                  : 2 frames"), std::string::npos) << text;
}

TEST(Fields, DocstringsListEveryField) {
  const std::string doc = describe::fields_doc<SwitchCounters>();
  for (const auto& fld : describe::Fields<SwitchCounters>::list) EXPECT_NE(doc.find(fld.name), std::string::npos);
  EXPECT_NE(describe::enumerators_doc<DropReason>().find("lag_no_member"), std::string::npos);
}

// ---- config tables -------------------------------------------------------------------------
namespace {
// Converts to anything: counts how many initialisers an aggregate takes (its member count).
struct AnyArg {
  template <class T>
  operator T() const;
};
template <class S, class... A>
constexpr std::size_t member_count() {
  if constexpr (requires { S{A{}..., AnyArg{}}; }) return member_count<S, A..., AnyArg>();
  else return sizeof...(A);
}
}  // namespace

// Every member of a config struct has a row in its table: a new setting without one fails here.
static_assert(member_count<SwitchConfig>() == describe::Settings<SwitchConfig>::list.size());
static_assert(member_count<PortConfig>() == describe::Settings<PortConfig>::list.size());
static_assert(member_count<LagConfig>() == describe::Settings<LagConfig>::list.size());
static_assert(member_count<TableConfig>() == describe::Settings<TableConfig>::list.size());
static_assert(member_count<FlapConfig>() == describe::Settings<FlapConfig>::list.size());

TEST(Settings, EveryConfigSettingAppearsInTheJsonTwin) {
  SwitchConfig cfg = SwitchConfig::defaults(Profile::linux_bridge);
  cfg.bridge_mac = net::Mac::parse("02:00:00:00:00:01");
  cfg.flap = FlapConfig::preset("juniper-ex");
  cfg.ageing = Time::from_ms(1500);
  PortConfig p{.name = "b1", .tag = 7, .trunks = {7, 8}, .lag = LagConfig{.members = {"m1", "m2"}}};
  Switch sw(cfg, {p, {.name = "p2"}});
  const auto js = sw.to_json(Time{}).as_object();
  const auto& c = js.at("config").as_object();
  for (const auto& f : describe::Settings<SwitchConfig>::list) EXPECT_TRUE(c.contains(f.name)) << f.name;
  EXPECT_EQ(c.at("profile").as_string(), "linux-bridge");
  EXPECT_EQ(c.at("bridge_mac").as_string(), "02:00:00:00:00:01");
  EXPECT_DOUBLE_EQ(c.at("ageing").as_double(), 1.5);
  EXPECT_EQ(c.at("flap").as_object().at("action").as_string(), "drop_frame");
  const auto& ports = js.at("ports").as_array();
  ASSERT_EQ(ports.size(), 2u);
  for (const auto& f : describe::Settings<PortConfig>::list) EXPECT_TRUE(ports[0].as_object().contains(f.name)) << f.name;
  EXPECT_EQ(ports[0].at("tag").to_number<int>(), 7);
  EXPECT_EQ(ports[0].at("trunks").as_array().size(), 2u);
  EXPECT_EQ(ports[0].at("lag").at("members").as_array()[1].as_string(), "m2");
  EXPECT_TRUE(ports[1].at("lag").is_null());
  EXPECT_EQ(ports[1].at("vlan_mode").as_string(), "automatic");
  const std::string doc = describe::settings_doc<SwitchConfig>();
  for (const auto& f : describe::Settings<SwitchConfig>::list)
    EXPECT_NE(doc.find("  " + std::string(f.name) + ": "), std::string::npos) << f.name;
}
