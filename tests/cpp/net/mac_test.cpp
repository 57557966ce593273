#include "fwd/net/mac.hpp"

#include <gtest/gtest.h>

#include "fwd/error.hpp"

using fwd::net::Mac;

TEST(Mac, ParsesAndFormatsEveryAcceptedForm) {
  const Mac m = Mac::parse("00:25:90:11:22:33");
  EXPECT_EQ(m.to_u64(), 0x002590112233ULL);
  EXPECT_EQ(m.to_string(), "00:25:90:11:22:33");
  EXPECT_EQ(Mac::parse("00-25-90-11-22-33"), m);
  EXPECT_EQ(Mac::parse("0025.9011.2233"), m);
  EXPECT_EQ(Mac::parse("AA:BB:CC:DD:EE:FF").to_string(), "aa:bb:cc:dd:ee:ff");
}

TEST(Mac, RejectsMalformedTextNamingIt) {
  for (const char* bad : {"", "00:25:90:11:22", "00:25:90:11:22:3g", "00:25-90:11:22:33",
                          "0025.9011.223", "00:25:90:11:22:33:44"}) {
    try {
      Mac::parse(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const fwd::Error& e) {
      EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos);
    }
  }
}

TEST(Mac, ClassifiesGroupAndZeroAddresses) {
  EXPECT_TRUE(Mac::broadcast().is_broadcast());
  EXPECT_TRUE(Mac::broadcast().is_multicast());
  EXPECT_TRUE(Mac::parse("01:80:c2:00:00:02").is_multicast());
  EXPECT_FALSE(Mac::parse("00:00:5e:00:01:01").is_multicast());
  EXPECT_TRUE(Mac{}.is_zero());
  EXPECT_EQ(Mac::from_u64(0x00005e000101ULL).to_string(), "00:00:5e:00:01:01");
}
