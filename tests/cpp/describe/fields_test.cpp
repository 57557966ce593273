// Field coverage: every described counter appears in the show text and the JSON twin, and every
// member of a counters struct is described (a new counter cannot be forgotten by a rendering).
#include "fwd/describe/field.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"
#include "fwd/l2/switch.hpp"
#include "fwd/sim/network.hpp"

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
static_assert(sizeof(sim::HostCounters) ==
              described_bytes<sim::HostCounters>() + sim::host_drop_count * sizeof(std::uint64_t));
static_assert(sizeof(sim::IfaceCounters) == described_bytes<sim::IfaceCounters>());
static_assert(sizeof(sim::CarpCounters) == described_bytes<sim::CarpCounters>());
static_assert(sizeof(sim::TcpListenerCounters) == described_bytes<sim::TcpListenerCounters>());
static_assert(sizeof(sim::LinkCounters) == described_bytes<sim::LinkCounters>());

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

// A host's counters: every described field of the host, each interface, each vhid and the TCP
// listeners appears in stats_text() and in to_json(), with the values the host holds.
TEST(Fields, EveryHostCounterAppearsInTextAndJson) {
  sim::Network net;
  sim::Host& a = net.add_host({.name = "a"});
  a.add_nic("em0", net::Mac::from_u64(0x02000000000aULL));
  a.add_address("em0", "10.0.0.1/24");
  a.apps().listen(80);
  sim::Host& b = net.add_host({.name = "b"});
  b.add_nic("em0", net::Mac::from_u64(0x02000000000bULL));
  b.add_address("em0", "10.0.0.2/24");
  auto c = sim::carp::Config::defaults(sim::carp::Profile::freebsd_9_3, 1);
  c.vips4 = {net::Ipv4::parse("10.0.0.254")};
  a.carp().add("em0", c);
  net.connect("a:em0", "b:em0");
  b.apps().tcp_connects({.dst = net::Ipv4::parse("10.0.0.1"), .rate_per_s = 10, .max_count = 3});
  b.apps().ping_flood({.dst = net::Ipv4::parse("10.0.0.1"), .count = 5});
  std::vector<std::uint8_t> odd(60, 0);  // to a, from b, ethertype 0x88b5 (local experimental)
  const std::uint8_t head[14] = {2, 0, 0, 0, 0, 0x0a, 2, 0, 0, 0, 0, 0x0b, 0x88, 0xb5};
  std::copy(std::begin(head), std::end(head), odd.begin());
  net.send_frame_at(Time::from_ms(1), "b", "em0", odd);
  net.run_until(Time::from_s(5));
  const std::string text = a.stats_text();
  const auto js = a.to_json();
  auto has_all = [&]<class S>(const describe::json::object& o, const S&) {
    for (const auto& fld : describe::Fields<S>::list) {
      EXPECT_NE(text.find(std::string(fld.name) + " "), std::string::npos) << fld.name << "\n" << text;
      EXPECT_TRUE(o.contains(fld.name)) << fld.name;
    }
  };
  has_all(js.at("counters").as_object(), sim::HostCounters{});
  has_all(js.at("ifaces").at("em0").as_object(), sim::IfaceCounters{});
  has_all(js.at("carp").at(0).as_object(), sim::CarpCounters{});
  has_all(js.at("tcp_listener").as_object(), sim::TcpListenerCounters{});
  EXPECT_EQ(js.at("counters").at("rx").as_uint64(), a.counters().rx);
  EXPECT_EQ(js.at("counters").at("dropped_by").at("unknown ethertype").as_uint64(), 1u);
  EXPECT_NE(text.find("unknown ethertype"), std::string::npos) << text;
  EXPECT_EQ(js.at("tcp_listener").at("established").as_uint64(), 3u);
  EXPECT_EQ(js.at("carp").at(0).at("state").as_string(), "MASTER");
  EXPECT_NE(text.find("rx                          : " + std::to_string(a.counters().rx) + " frames"), std::string::npos)
      << text;
  // The drop reasons' names are the table's, one per value, and parse back.
  for (std::size_t i = 0; i < sim::host_drop_count; ++i) {
    const auto d = static_cast<sim::HostDrop>(i);
    EXPECT_EQ(describe::parse_enumerator<sim::HostDrop>(sim::to_string(d)), d);
  }
  EXPECT_STREQ(sim::to_string(sim::HostDrop::backup_vmac), "BACKUP: not for us (vMAC)");
}

// A host's settings: every described setting of HostConfig appears in stats_text() and in
// to_json()["settings"] with the host's value, and each table row reads its own member (changing
// one setting changes exactly its own entry).
TEST(Fields, EveryHostSettingAppearsInTextAndJson) {
  sim::Network net;
  sim::HostConfig cfg = sim::HostConfig::defaults(sim::HostOs::linux_6_12, "a");
  cfg.stack_delay = Time::from_us(20);
  cfg.arp_maxtries = 3;
  sim::Host& a = net.add_host(cfg);
  const std::string text = a.stats_text();
  const auto js = a.to_json();
  const auto& o = js.at("settings").as_object();
  EXPECT_EQ(o.size(), describe::Settings<sim::HostConfig>::list.size());
  for (const auto& s : describe::Settings<sim::HostConfig>::list) {
    EXPECT_NE(text.find("    " + std::string(s.name) + " "), std::string::npos) << s.name << "\n" << text;
    EXPECT_TRUE(o.contains(s.name)) << s.name;
  }
  EXPECT_EQ(o.at("os").as_string(), "linux-6.12");
  EXPECT_EQ(o.at("tick").as_double(), 0.0);
  EXPECT_DOUBLE_EQ(o.at("stack_delay").as_double(), 20e-6);
  EXPECT_EQ(o.at("arp_maxtries").as_uint64(), 3u);
  EXPECT_NE(text.find("Statistics for host \"a\" (linux-6.12)"), std::string::npos) << text;
  EXPECT_NE(text.find("arp_maxtries                : 3 requests"), std::string::npos) << text;

  const auto base = describe::settings_json(cfg);
  for (const auto& s : describe::Settings<sim::HostConfig>::list) {
    sim::HostConfig changed = cfg;
    std::visit(
        [&](auto member) {
          auto& v = changed.*member;
          using V = std::remove_cvref_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Time>) v = v + Time::from_s(1);
          else if constexpr (std::is_same_v<V, bool>) v = !v;
          else if constexpr (std::is_enum_v<V>)
            v = static_cast<V>((static_cast<std::size_t>(v) + 1) % describe::Enumerators<V>::list.size());
          else v = v + 1;
        },
        s.member);
    const auto after = describe::settings_json(changed);
    for (const auto& [k, v] : after) EXPECT_EQ(v != base.at(k), k == s.name) << s.name << " changed " << k;
  }
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
static_assert(member_count<lag::OvsBondConfig>() == describe::Settings<lag::OvsBondConfig>::list.size());

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
