// Field coverage of carp::Config's settings table (fwd/sim/carp.hpp): every member a user sets has
// a row (counted against the aggregate's members, so a new member fails this test until it is
// described or named as the host's), each row reads its own member, and every row appears in the
// JSON twin and the show text of a host's vhid with the value the instance runs.
#include <gtest/gtest.h>

#include <cstddef>
#include <set>
#include <string>
#include <type_traits>
#include <variant>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"
#include "fwd/sim/network.hpp"

using namespace fwd;
using namespace fwd::sim;

namespace {

// Converts to any member type: S{AnyMember{} x N} compiles while N <= the number of members.
struct AnyMember {
  template <class T>
  operator T&() const&& noexcept;  // declared only: used in unevaluated contexts
};

template <class S, class... A>
constexpr std::size_t member_count() {
  if constexpr (requires { S{A{}..., AnyMember{}}; }) return member_count<S, A..., AnyMember>();
  else return sizeof...(A);
}

using Carp = describe::Settings<carp::Config>;

// carp::Config members the host fills (HostCarp::add), deliberately not settings.
constexpr std::size_t host_filled = 5;  // carpdev_mac, counter_seed, timing, hz, carpdev

}  // namespace

static_assert(member_count<carp::Config>() == Carp::list.size() + host_filled,
              "a carp::Config member is neither in Settings<carp::Config> (fwd/sim/carp.hpp) nor host-filled");

TEST(CarpSettings, NamesAreUniqueAndEnumsRoundTrip) {
  std::set<std::string> names;
  for (const auto& s : Carp::list) EXPECT_TRUE(names.insert(std::string(s.name)).second) << s.name;
  for (const auto& e : describe::Enumerators<carp::Profile>::list) {
    EXPECT_EQ(carp::profile_from_name(e.name), e.value);
    EXPECT_EQ(std::string(carp::to_string(e.value)), e.name);
  }
  EXPECT_EQ(carp::profile_from_name("freebsd-10"), carp::Profile::freebsd_10);  // the documented alias
  EXPECT_THROW(carp::profile_from_name("freebsd"), Error);
  EXPECT_EQ(carp::flavor_from_name("rfc"), carp::Flavor::rfc);
  EXPECT_THROW(carp::flavor_from_name("vrrpd"), Error);
  EXPECT_STREQ(carp::to_string(carp::State::master), "MASTER");
  // Ranges of the table are what validate() accepts at the edges of the profile's fields.
  for (const auto& s : Carp::list)
    if (s.has_range()) {
      EXPECT_LE(s.min, s.max) << s.name;
    }
}

// Each row reads its own member: changing one setting changes exactly its own JSON entry.
TEST(CarpSettings, EachRowReadsItsOwnMember) {
  const carp::Config base = carp::Config::defaults(carp::Profile::vrrp_v3, 7);
  const auto before = describe::settings_json(base);
  EXPECT_EQ(before.size(), Carp::list.size());
  for (const auto& s : Carp::list) {
    carp::Config changed = base;
    std::visit(
        [&](auto member) {
          auto& v = changed.*member;
          using V = std::remove_cvref_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Time>) v = v + Time::from_s(1);
          else if constexpr (std::is_same_v<V, bool>) v = !v;
          else if constexpr (std::is_enum_v<V>)
            v = static_cast<V>((static_cast<std::size_t>(v) + 1) % describe::Enumerators<V>::list.size());
          else if constexpr (std::is_same_v<V, std::string>) v += "x";
          else if constexpr (std::is_same_v<V, net::Mac>) v = net::Mac::from_u64(0x020000000001);
          else if constexpr (std::is_same_v<V, std::vector<net::Ipv4>> || std::is_same_v<V, std::optional<net::Ipv4>>)
            v = {net::Ipv4::parse("10.9.9.9")};
          else if constexpr (std::is_same_v<V, std::vector<net::Ipv6>> || std::is_same_v<V, std::optional<net::Ipv6>>)
            v = {net::Ipv6::parse("2001:db8::9")};
          else v = static_cast<V>(v + 1);
        },
        s.member);
    const auto after = describe::settings_json(changed);
    for (const auto& [k, v] : after) EXPECT_EQ(v != before.at(k), k == s.name) << s.name << " changed " << k;
  }
}

// Every row appears in Host::to_json()["carp"][i]["settings"] and in stats_text(), with the values
// the instance runs (src4 filled by the host).
TEST(CarpSettings, EverySettingAppearsInTextAndJson) {
  Network net;
  Host& h = net.add_host({.name = "r1", .os = HostOs::linux_6_12, .tick = Time{}});
  h.add_nic("eth0", net::Mac::from_u64(0x525400000001));
  h.add_address("eth0", "10.0.0.1/24");
  carp::Config c = carp::Config::defaults(carp::Profile::vrrp_v2, 51);
  c.priority = 150;
  c.vips4 = {net::Ipv4::parse("10.0.0.254"), net::Ipv4::parse("10.0.0.253")};
  c.processing_delay = Time::from_us(200);
  h.carp().add("eth0", c);
  const auto js = h.to_json();
  const auto& o = js.at("carp").as_array().at(0).as_object().at("settings").as_object();
  const std::string text = h.stats_text();
  EXPECT_EQ(o.size(), Carp::list.size());
  for (const auto& s : Carp::list) {
    EXPECT_TRUE(o.contains(s.name)) << s.name;
    EXPECT_NE(text.find("      " + std::string(s.name) + " "), std::string::npos) << s.name << "\n" << text;
  }
  EXPECT_EQ(o.at("profile").as_string(), "vrrp-v2");
  EXPECT_EQ(o.at("flavor").as_string(), "keepalived");
  EXPECT_EQ(o.at("vhid").to_number<int>(), 51);
  EXPECT_EQ(o.at("priority").to_number<int>(), 150);
  EXPECT_EQ(o.at("initial_state").as_string(), "BACKUP");
  EXPECT_EQ(o.at("src4").as_string(), "10.0.0.1");  // the host's address, filled by HostCarp::add
  EXPECT_TRUE(o.at("src6").is_null());
  EXPECT_DOUBLE_EQ(o.at("processing_delay").as_double(), 200e-6);
  ASSERT_EQ(o.at("vips4").as_array().size(), 2u);
  EXPECT_EQ(o.at("vips4").as_array().at(1).as_string(), "10.0.0.253");
  EXPECT_NE(text.find("vips4                       : 10.0.0.254,10.0.0.253\n"), std::string::npos) << text;
  EXPECT_NE(text.find("src6                        : -\n"), std::string::npos) << text;
  EXPECT_NE(text.find("advbase                     : 1 s\n"), std::string::npos) << text;
}
