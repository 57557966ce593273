// Tests of fwd/sim/engine.hpp: time order, FIFO tie-break among simultaneous events, clamping,
// run_until boundaries.
#include "fwd/sim/engine.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using fwd::Time;
using fwd::sim::Engine;

struct P {
  int id;
};

TEST(Engine, RunsInTimeOrder) {
  Engine<P> e;
  e.schedule(Time::from_us(30), {3});
  e.schedule(Time::from_us(10), {1});
  e.schedule(Time::from_us(20), {2});
  std::vector<int> got;
  std::vector<std::int64_t> times;
  e.run_until(Time::from_s(1), [&](const auto& x) {
    got.push_back(x.payload.id);
    times.push_back(e.now().ns);
  });
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(times, (std::vector<std::int64_t>{10'000, 20'000, 30'000}));
  EXPECT_EQ(e.now(), Time::from_s(1));
  EXPECT_EQ(e.executed(), 3u);
}

TEST(Engine, SimultaneousEventsRunInSchedulingOrder) {
  Engine<P> e;
  // 1000 events at 3 distinct times, scheduled in an interleaved order: within one time the
  // order must be the scheduling order (FIFO), whatever the heap does internally.
  for (int i = 0; i < 1000; ++i) e.schedule(Time::from_ns((i * 7) % 3), {i});
  std::vector<std::pair<std::int64_t, int>> got;
  e.run_until(Time::from_ns(10), [&](const auto& x) { got.push_back({x.at.ns, x.payload.id}); });
  ASSERT_EQ(got.size(), 1000u);
  for (std::size_t k = 1; k < got.size(); ++k) {
    ASSERT_LE(got[k - 1].first, got[k].first);
    if (got[k - 1].first == got[k].first) {
      ASSERT_LT(got[k - 1].second, got[k].second) << "at " << k;
    }
  }
}

TEST(Engine, EventsScheduledWhileRunningAtTheSameTimeRunAfterPendingOnes) {
  Engine<P> e;
  e.schedule(Time::from_ns(5), {1});
  e.schedule(Time::from_ns(5), {2});
  std::vector<int> got;
  e.run_until(Time::from_ns(5), [&](const auto& x) {
    got.push_back(x.payload.id);
    if (x.payload.id == 1) e.schedule(e.now(), {3});  // same nanosecond: after 2
  });
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
}

TEST(Engine, PastIsClampedToNow) {
  Engine<P> e;
  e.run_until(Time::from_ms(1), [](const auto&) {});
  e.schedule(Time::from_us(1), {7});
  ASSERT_EQ(e.pending(), 1u);
  EXPECT_EQ(e.next_time(), Time::from_ms(1));
}

TEST(Engine, RunUntilIsInclusiveAndStopsThere) {
  Engine<P> e;
  e.schedule(Time::from_ns(100), {1});
  e.schedule(Time::from_ns(101), {2});
  int n = 0;
  EXPECT_EQ(e.run_until(Time::from_ns(100), [&](const auto&) { ++n; }), 1u);
  EXPECT_EQ(n, 1);
  EXPECT_EQ(e.pending(), 1u);
  EXPECT_EQ(e.now(), Time::from_ns(100));
  EXPECT_EQ(e.run_until(Time::from_ns(1000), [&](const auto&) { ++n; }), 1u);
  EXPECT_EQ(n, 2);
}

TEST(Engine, SameInputsSameOrderAcrossInstances) {
  auto trace = [] {
    Engine<P> e;
    std::uint64_t x = 12345;
    for (int i = 0; i < 5000; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      e.schedule(Time::from_ns(static_cast<std::int64_t>(x >> 60)), {i});
    }
    std::vector<int> out;
    e.run_until(Time::from_s(1), [&](const auto& y) { out.push_back(y.payload.id); });
    return out;
  };
  EXPECT_EQ(trace(), trace());
}

}  // namespace
