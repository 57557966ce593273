// fwd::lag::Lag: spec strings, errors, batch vs scalar, explain, what-if (fwd/lag/lag.hpp).
#include "fwd/describe/json.hpp"
#include "fwd/lag/lag.hpp"

#include <gtest/gtest.h>

#include "test_frames.hpp"

#include <random>
#include <string>
#include <vector>

using fwd::Time;
using fwd::lag::Lag;
using fwd::lag::MemberIndex;
using fwd::lag::Outcome;
using fwd::lag::Selection;

namespace {

std::string error_of(const std::string& spec, std::vector<std::string> members = {"a", "b"}) {
  try {
    Lag::from_spec(spec, members);
  } catch (const fwd::Error& e) {
    return e.what();
  }
  return "";
}

// Random 64-byte IPv4/TCP-ish frames (some truncated) in one zero-padded buffer.
struct Frames {
  std::vector<std::uint8_t> data;
  std::vector<std::uint32_t> lengths;
  std::size_t stride = 64, count = 0;
  fwd::hash::Policy::Batch batch() const { return {data.data(), stride, count, lengths.data()}; }
  fwd::net::Bytes row(std::size_t i) const { return {data.data() + i * stride, lengths[i]}; }
};
Frames random_frames(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Frames f;
  f.count = n;
  f.data.resize(n * f.stride);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t* p = &f.data[i * f.stride];
    std::copy(F1.begin(), F1.end(), p);
    for (int k : {6, 7, 8, 9, 10, 11, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37}) p[k] = static_cast<std::uint8_t>(rng());
    if (i % 7 == 0) p[23] = 17;  // some UDP
    f.lengths.push_back(i % 11 == 0 ? static_cast<std::uint32_t>(rng() % 64) : 60u);
  }
  return f;
}
}  // namespace

TEST(LagSpec, CanonicalFormWritesDefaultsAndThePolicy) {
  EXPECT_EQ(Lag::from_spec("freebsd-9.3:lacp;lagghash=l2,l3,l4;key=0x1", {"a"}).spec(),
            "freebsd-9.3:lacp;use_flowid=1;flowid_shift=0;hash=freebsd-9.3:l2,l3,l4;key=0x00000001");
  EXPECT_EQ(Lag::from_spec("linux:802.3ad;xmit_hash_policy=layer3+4", {"a"}).spec(),
            "linux-6.12:802.3ad;ad_select=stable;hash=linux-6.12:layer3+4");
  EXPECT_EQ(Lag::from_spec("ovs-3.1:balance-slb;basis=0", {"a"}).spec(),
            "ovs-3.1:balance-slb;bond=bond0;rebalance_interval=10000;lacp=off;hash=ovs-3.1:balance-slb;basis=0");
  EXPECT_EQ(Lag::from_spec("dpdk:balance", {"a"}).spec(), "dpdk:balance;hash=dpdk:l2");
  // hash= takes the rest of the string, ';' included.
  const auto v = Lag::from_spec("vendor:resilient;size=64;hash=freebsd-fnv:l3;key=7", {"a", "b"});
  EXPECT_EQ(v.policy().spec(), "freebsd-12:l3;key=0x00000007");
  EXPECT_EQ(v.spec(), "vendor:resilient;size=64;hash=freebsd-12:l3;key=0x00000007");
  // The canonical spec parses to the same LAG.
  for (const char* s : {"freebsd-10:loadbalance;key=5", "linux-3.x:active-backup;primary=b", "ovs:balance-tcp;basis=3",
                        "vendor:table;size=16;fields=src_ip,dst_ip;function=crc32-lo;seed=9", "dpdk:802.3ad;xmit_policy=l23"}) {
    const auto a = Lag::from_spec(s, {"a", "b"});
    EXPECT_EQ(Lag::from_spec(a.spec(), {"a", "b"}).spec(), a.spec()) << s;
  }
  EXPECT_EQ(Lag::from_spec("linux-6.12:balance-xor", {"a"}).system(), "linux-6.12");
  EXPECT_EQ(Lag::from_spec("ovs:active-backup", {"a"}).mode(), "active-backup");
}

TEST(LagSpec, BadInputNamesTheValueAndTheAcceptedOnes) {
  EXPECT_EQ(error_of("bsd:lacp").substr(0, 58), "unknown LAG system 'bsd' in LAG spec \"bsd:lacp\": expected ");
  EXPECT_EQ(error_of("linux-6.12:lacp"),
            "unknown mode 'lacp' for linux-6.12: expected 802.3ad, balance-xor, active-backup, broadcast, balance-rr"
            " in LAG spec \"linux-6.12:lacp\"");
  EXPECT_NE(error_of("linux-6.12:802.3ad;xmit=layer2").find("unknown option 'xmit' for linux-6.12: expected xmit_hash_policy"),
            std::string::npos);
  EXPECT_NE(error_of("linux-6.12:802.3ad;xmit_hash_policy=layer5").find("layer5"), std::string::npos);
  EXPECT_NE(error_of("linux-6.12:active-backup;primary=z").find("unknown member 'z' in primary=z: expected one of a, b"),
            std::string::npos);
  EXPECT_NE(error_of("ovs-3.1:balance-slb;basis=x").find("invalid basis=x"), std::string::npos);
  EXPECT_NE(error_of("freebsd-9.3:lacp;lagghash=l5").find("l5"), std::string::npos);
  EXPECT_NE(error_of("freebsd-9.3").find("missing mode"), std::string::npos);
  EXPECT_EQ(error_of("dpdk:balance", {}), "LAG \"dpdk:balance\" has no members: give at least one member name");
  EXPECT_EQ(error_of("dpdk:balance", {"a", "a"}), "member 'a' listed twice in LAG \"dpdk:balance\"");
  EXPECT_NE(error_of("dpdk:balance;hash=").find("empty hash="), std::string::npos);
  auto lag = Lag::from_spec("dpdk:balance", {"a", "b"});
  try {
    lag.index_of("c");
    FAIL();
  } catch (const fwd::Error& e) {
    EXPECT_STREQ(e.what(), "unknown member 'c' of LAG \"dpdk:balance;hash=dpdk:l2\": expected one of a, b");
  }
  EXPECT_THROW(lag.add_member("a"), fwd::Error);
}

TEST(Lag, BatchEqualsScalarForEveryDistributor) {
  const auto f = random_frames(500, 1);
  for (const char* spec : {"freebsd-9.3:lacp;key=0x1234", "freebsd-10:loadbalance;key=9", "freebsd-12:roundrobin",
                           "freebsd-10:broadcast", "linux-6.12:802.3ad;xmit_hash_policy=layer3+4",
                           "linux-3.x:balance-xor;xmit_hash_policy=encap3+4", "linux:balance-rr",
                           "ovs-3.1:balance-slb;basis=7", "ovs-3.1:balance-tcp;basis=1", "dpdk:balance;xmit_policy=l34",
                           "vendor:modulo", "vendor:table;size=8", "vendor:resilient;size=32;hash=toeplitz:ipv4_tcp"}) {
    auto scalar = Lag::from_spec(spec, {"a", "b", "c", "d"});
    scalar.set_link(1, false);
    auto batch = scalar;
    std::vector<std::int16_t> out(f.count);
    batch.select_batch(f.batch(), out.data());
    for (std::size_t i = 0; i < f.count; ++i)
      ASSERT_EQ(out[i], Lag::encode(scalar.select(f.row(i)))) << spec << " row " << i;
  }
}

TEST(Lag, OvsBondThroughTheLagUsesTheSlbHash) {
  // Spec §9.5: F1's SLB hash (basis 0, VLAN 0) is 0xfed15e38: bucket 56.
  auto lag = Lag::from_spec("ovs-3.1:balance-slb;basis=0;bond=b1", {"m1", "m2"});
  EXPECT_EQ(lag.hash(F1), 0xfed15e38u);
  EXPECT_EQ(lag.select(F1), Selection::to(0));
  ASSERT_NE(lag.ovs_bond(), nullptr);
  EXPECT_EQ(lag.ovs_bond()->bucket_member(56), 0);
  EXPECT_EQ(lag.ovs_bond()->name(), "b1");
  // Carrier loss through the Lag reaches the bond.
  lag.set_link(0, false, Time::from_s(1));
  EXPECT_EQ(lag.ovs_bond()->bucket_member(56), 1);
  EXPECT_EQ(lag.ovs_bond()->active_member(), 1);
  EXPECT_EQ(lag.select(F1), Selection::to(1));
  EXPECT_EQ(Lag::from_spec("dpdk:balance", {"a"}).ovs_bond(), nullptr);
}

TEST(Lag, ExplainShowsTheHashWalkAndTheStepWithoutChangingState) {
  auto lag = Lag::from_spec("linux-6.12:802.3ad;xmit_hash_policy=layer3+4", {"eth0", "eth1", "eth2"});
  const auto e = lag.explain(F1);
  EXPECT_EQ(e.hash, 0x5fcbe3e3u);
  EXPECT_EQ(e.member, "eth2");
  ASSERT_TRUE(e.hash_walk.has_value());
  const auto text = e.to_text();
  EXPECT_NE(text.find("distributor: usable_slaves [eth0, eth1, eth2] (enslave order, can transmit); 0x5fcbe3e3 % 3 = 2 -> eth2"),
            std::string::npos) << text;
  EXPECT_NE(text.find("member: eth2 (index 2)"), std::string::npos) << text;
  EXPECT_NE(fwd::describe::dump(e.to_json()).find(R"("member":"eth2","index":2)"), std::string::npos) << fwd::describe::dump(e.to_json());
  // OVS: explain does not assign the bucket.
  auto ovs = Lag::from_spec("ovs-3.1:balance-slb", {"m1", "m2"});
  const auto oe = ovs.explain(F1);
  EXPECT_EQ(oe.member, "m1");
  EXPECT_NE(oe.step.find("first use"), std::string::npos) << oe.step;
  EXPECT_EQ(ovs.ovs_bond()->bucket_member(56), fwd::lag::no_member);
  // Not hashed modes say so.
  EXPECT_NE(Lag::from_spec("linux:active-backup", {"a"}).explain(F1).hash_source.find("not hashed"), std::string::npos);
  fwd::net::PacketMeta meta;
  meta.flow_hash = 0x70000;
  const auto fe = Lag::from_spec("freebsd-10:lacp", {"a", "b"}).explain(F1, meta);
  EXPECT_EQ(fe.hash, 7u);
  EXPECT_NE(fe.hash_source.find("flow id 0x00070000 >> 16"), std::string::npos) << fe.hash_source;
}

TEST(Lag, WhatIfCountsMovedFlowsAndTheMinimum) {
  const auto f = random_frames(2000, 2);
  const std::vector<std::string> fail = {"b"};
  const auto mod = fwd::lag::what_if(Lag::from_spec("vendor:modulo;hash=linux-6.12:layer3+4", {"a", "b", "c", "d"}),
                                     f.batch(), fail, {});
  const auto res = fwd::lag::what_if(Lag::from_spec("vendor:resilient;size=64;hash=linux-6.12:layer3+4", {"a", "b", "c", "d"}),
                                     f.batch(), fail, {});
  EXPECT_EQ(mod.flows, 2000u);
  EXPECT_EQ(mod.after[1], 0u);
  EXPECT_EQ(res.after[1], 0u);
  EXPECT_EQ(res.moved, res.min_moved);  // resilient: only b's flows move
  EXPECT_EQ(res.min_moved, res.before[1]);
  EXPECT_GT(mod.moved, mod.min_moved);
  std::uint64_t sum = 0;
  for (auto v : mod.after) sum += v;
  EXPECT_EQ(sum + mod.dropped_after, 2000u);
  EXPECT_NE(mod.to_text().find("minimum possible"), std::string::npos);
  EXPECT_NE(fwd::describe::dump(res.to_json()).find(R"("failed":["b"])"), std::string::npos);
  // Adding a member: the minimum is the flows that land on it.
  const std::vector<std::string> add = {"e"};
  const auto grow = fwd::lag::what_if(Lag::from_spec("linux-6.12:balance-xor;xmit_hash_policy=layer3+4", {"a", "b", "c", "d"}),
                                      f.batch(), {}, add);
  EXPECT_EQ(grow.members.size(), 5u);
  EXPECT_EQ(grow.before[4], 0u);
  EXPECT_EQ(grow.min_moved, grow.after[4]);
  EXPECT_THROW(fwd::lag::what_if(Lag::from_spec("dpdk:balance", {"a"}), f.batch(), std::vector<std::string>{"zz"}, {}), fwd::Error);
}

TEST(Lag, TextAndJsonDescribeMembersAndOrder) {
  auto lag = Lag::from_spec("freebsd-9.3:lacp", {"a", "b"});
  lag.set_link(0, false);
  EXPECT_NE(lag.to_text().find("order: [b]"), std::string::npos) << lag.to_text();
  EXPECT_NE(fwd::describe::dump(lag.to_json()).find(R"("order":["b"])"), std::string::npos) << fwd::describe::dump(lag.to_json());
  EXPECT_NE(fwd::describe::dump(Lag::from_spec("ovs:balance-slb", {"m1"}).to_json()).find(R"("bond":{"bond":"bond0")"), std::string::npos);
}

TEST(Lag, OrderDependentExactlyWhenSelectKeepsState) {
  // Order-dependent: the choice of a frame depends on the frames before it.
  for (const char* spec : {"linux-6.12:balance-rr", "freebsd-9.3:roundrobin", "dpdk:round-robin", "ovs-3.1:balance-tcp",
                           "ovs-3.1:balance-slb"})
    EXPECT_TRUE(Lag::from_spec(spec, {"a", "b"}).order_dependent()) << spec;
  for (const char* spec : {"linux-6.12:802.3ad;xmit_hash_policy=layer3+4", "linux-6.12:balance-xor",
                           "linux-6.12:active-backup", "freebsd-9.3:lacp;lagghash=l2,l3,l4", "freebsd-9.3:loadbalance",
                           "dpdk:balance;xmit_policy=l34", "vendor:modulo", "vendor:resilient"})
    EXPECT_FALSE(Lag::from_spec(spec, {"a", "b"}).order_dependent()) << spec;
  // and it is what it claims: a round-robin choice changes with the frame before it, a hash does not
  auto rr = Lag::from_spec("linux-6.12:balance-rr", {"a", "b"});
  EXPECT_NE(rr.select_hash(7).member, rr.select_hash(7).member);
  auto xr = Lag::from_spec("linux-6.12:balance-xor", {"a", "b"});
  EXPECT_EQ(xr.select_hash(7).member, xr.select_hash(7).member);
}
