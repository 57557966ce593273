// The hash and LAG enums are named by their description tables: to_string/name and parsing agree
// with the table for every value, and an unknown name is rejected with every accepted one.
#include <gtest/gtest.h>

#include <string>

#include "fwd/describe/field.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/crc.hpp"
#include "fwd/hash/dpdk.hpp"
#include "fwd/hash/freebsd.hpp"
#include "fwd/hash/linux.hpp"
#include "fwd/hash/ovs.hpp"
#include "fwd/hash/policy.hpp"
#include "fwd/hash/toeplitz.hpp"
#include "fwd/hash/vendor.hpp"
#include "fwd/lag/lag.hpp"

using namespace fwd;

namespace {
template <class E>
void round_trip() {
  const auto& list = describe::Enumerators<E>::list;
  ASSERT_FALSE(list.empty());
  for (std::size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(list[i].value), i) << list[i].name << ": tables are in value order";
    EXPECT_EQ(describe::name_of(list[i].value), list[i].name);
    EXPECT_EQ(describe::parse_enumerator<E>(list[i].name), list[i].value);
    EXPECT_FALSE(list[i].doc.empty()) << list[i].name;
  }
  try {
    describe::parse_enumerator<E>("no-such-name");
    ADD_FAILURE() << "accepted an unknown name";
  } catch (const Error& e) {
    const std::string m = e.what();
    for (const auto& v : list) EXPECT_NE(m.find(std::string(v.name)), std::string::npos) << m;
  }
}
}  // namespace

TEST(EnumTables, HashEnums) {
  round_trip<hash::linux_bond::XmitHashPolicy>();
  round_trip<hash::dpdk::XmitPolicy>();
  round_trip<hash::ovs::BondMode>();
  round_trip<hash::toeplitz::HashType>();
  round_trip<hash::bmv2::Algorithm>();
  round_trip<hash::vendor::Field>();
  round_trip<hash::vendor::Function>();
  round_trip<hash::vendor::Mapping>();
  for (const auto& f : describe::Enumerators<hash::freebsd::Flags>::list)  // bit flags: not in value order
    EXPECT_EQ(describe::parse_enumerator<hash::freebsd::Flags>(f.name), f.value);
  EXPECT_EQ(hash::linux_bond::name(hash::linux_bond::XmitHashPolicy::layer3_4), "layer3+4");
  EXPECT_EQ(hash::bmv2::algorithm_from_name("cksum16"), hash::bmv2::Algorithm::csum16);  // documented alias
  EXPECT_EQ(hash::vendor::function_names[1], "crc16-ccitt");
}

TEST(EnumTables, LagEnums) {
  round_trip<lag::LinuxBondMode>();
  round_trip<lag::AdSelect>();
  round_trip<lag::PrimaryReselect>();
  round_trip<lag::DpdkMode>();
  round_trip<lag::LaggProto>();
  round_trip<lag::VendorMode>();
  round_trip<lag::OvsBondMode>();
  round_trip<lag::OvsLacpStatus>();
  round_trip<lag::Admission>();
  EXPECT_STREQ(lag::to_string(lag::LinuxBondMode::lacp), "802.3ad");
  EXPECT_STREQ(lag::to_string(lag::Admission::drop_if_moved), "drop-if-moved");
}

TEST(EnumTables, SpecParsersUseTheTables) {
  // Every table name is accepted in a spec; the error for an unknown one lists them all.
  for (const auto& v : describe::Enumerators<hash::dpdk::XmitPolicy>::list)
    EXPECT_EQ(hash::Policy::from_spec("dpdk:" + std::string(v.name)).spec(), "dpdk:" + std::string(v.name));
  try {
    hash::Policy::from_spec("linux-6.12:layer9");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected one of layer2, layer2+3, layer3+4, encap2+3, encap3+4, vlan+srcmac"),
              std::string::npos)
        << e.what();
  }
  for (const auto& v : describe::Enumerators<lag::DpdkMode>::list) {
    const auto l = lag::Lag::from_spec("dpdk:" + std::string(v.name), {"a", "b"});
    EXPECT_EQ(l.mode(), v.name);
  }
  EXPECT_THROW(lag::Lag::from_spec("linux-6.12:802.3ad;ad_select=fastest", {"a"}), Error);
}
