// fwd::parse_time and time_from_seconds: the one checked conversion (issue 11: 1e12 s wrapped).
#include "fwd/time.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "fwd/error.hpp"

using fwd::Time;

TEST(Time, ParsesUnits) {
  EXPECT_EQ(fwd::parse_time("10ms").ns, 10'000'000);
  EXPECT_EQ(fwd::parse_time("3s").ns, 3'000'000'000);
  EXPECT_EQ(fwd::parse_time("250us").ns, 250'000);
  EXPECT_EQ(fwd::parse_time("1.5").ns, 1'500'000'000);
  EXPECT_EQ(fwd::parse_time("2e-3s").ns, 2'000'000);
  EXPECT_EQ(fwd::parse_time("7ns").ns, 7);
  EXPECT_EQ(fwd::parse_time("2min").ns, 120'000'000'000);
  EXPECT_EQ(fwd::parse_time("-1ms").ns, -1'000'000);
}

TEST(Time, RejectsWithTheArgumentName) {
  for (const char* bad : {"1e12s", "1e12", "9223372037s", "nan", "inf", "", "s", "10 parsecs", "1e"}) {
    try {
      fwd::parse_time(bad, "--until");
      ADD_FAILURE() << bad;
    } catch (const fwd::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("--until: ", 0), 0u) << e.what();
    }
  }
  EXPECT_THROW(fwd::time_from_seconds(1e12), fwd::Error);
  EXPECT_THROW(fwd::time_from_seconds(NAN), fwd::Error);
  EXPECT_EQ(fwd::time_from_seconds(9223372036.0).ns, 9'223'372'036'000'000'000);
  EXPECT_EQ(fwd::time_from_seconds(0.1).ns, 100'000'000);
}
