#include "fwd/net/ip.hpp"

#include <gtest/gtest.h>

#include "fwd/error.hpp"

using namespace fwd::net;

TEST(Ipv4, ParsesAndFormats) {
  EXPECT_EQ(Ipv4::parse("10.0.0.1").value, 0x0a000001u);
  EXPECT_EQ(Ipv4::parse("192.168.80.2").to_string(), "192.168.80.2");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "1234.1.1.1"})
    EXPECT_THROW(Ipv4::parse(bad), fwd::Error) << bad;
}

TEST(Ipv6, ParsesAndFormatsCanonically) {
  EXPECT_EQ(Ipv6::parse("2001:0db8:0:0:0:0:0:1").to_string(), "2001:db8::1");
  EXPECT_EQ(Ipv6::parse("ff02::1").bytes[0], 0xff);
  EXPECT_THROW(Ipv6::parse("2001:db8::1::2"), fwd::Error);
  EXPECT_THROW(Ipv6::parse("10.0.0.1"), fwd::Error);
}

TEST(Vlan, MakesParsesAndRejectsOutOfRange) {
  const Vlan v = Vlan::make(100, 5);
  EXPECT_EQ(v.tci, 0xa064);
  EXPECT_EQ(v.vid(), 100);
  EXPECT_EQ(v.pcp(), 5u);
  EXPECT_EQ(Vlan::parse("100/5"), v);
  EXPECT_EQ(Vlan::parse("4094").vid(), 4094);
  EXPECT_THROW(Vlan::make(4096), fwd::Error);
  EXPECT_THROW(Vlan::make(1, 8), fwd::Error);
  EXPECT_THROW(Vlan::parse("abc"), fwd::Error);
  EXPECT_THROW(Vlan::parse("10/"), fwd::Error);
}
