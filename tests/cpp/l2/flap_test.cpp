// Tests for fwd/l2/flap.hpp: thresholds, windows, emit modes, rate limits, actions, presets.
#include <gtest/gtest.h>

#include "fwd/error.hpp"
#include "fwd/l2/flap.hpp"
#include "fwd/l2/mac_table.hpp"

using namespace fwd;
using namespace fwd::l2;

namespace {
Time ms(std::int64_t v) { return Time::from_ms(v); }
constexpr std::uint64_t key = 0x000a02aa00000001ULL;

FlapConfig cfg(std::uint32_t n, Time window, FlapEmit emit, FlapWindow kind = FlapWindow::sliding) {
  FlapConfig c;
  c.enabled = true;
  c.threshold = n;
  c.window = window;
  c.emit = emit;
  c.window_kind = kind;
  return c;
}
}  // namespace

TEST(Flap, DisabledDetectorSeesNothing) {
  FlapDetector d;
  EXPECT_FALSE(d.on_move(key, 0, 1, ms(0)).event);
  EXPECT_EQ(d.counters().moves_seen, 0u);
}

TEST(Flap, SpecCheckCarpStrayGivesExactlyOneEvent) {
  // l2-learning.md §5: threshold 2, window 1 s, on_threshold; backup frame then the master's
  // next advert 0.77 s later = 2 moves = one event.
  FlapDetector d(cfg(2, Time::from_s(1), FlapEmit::on_threshold));
  const auto a = d.on_move(key, 0, 1, ms(1602));
  EXPECT_FALSE(a.event);
  EXPECT_EQ(a.count, 1u);
  const auto b = d.on_move(key, 1, 0, ms(2371));
  EXPECT_TRUE(b.event);
  EXPECT_EQ(b.count, 2u);
  EXPECT_EQ(d.counters().events, 1u);
}

TEST(Flap, SlidingWindowForgetsOldMoves) {
  FlapDetector d(cfg(3, Time::from_s(1), FlapEmit::on_threshold));
  d.on_move(key, 0, 1, ms(0));
  d.on_move(key, 1, 0, ms(600));
  EXPECT_EQ(d.on_move(key, 0, 1, ms(1000)).count, 2u);  // the move at 0 left the window
  EXPECT_TRUE(d.on_move(key, 1, 0, ms(1500)).event);    // 600, 1000, 1500
}

TEST(Flap, FixedWindowResets) {
  FlapDetector d(cfg(2, Time::from_s(1), FlapEmit::on_threshold, FlapWindow::fixed));
  d.on_move(key, 0, 1, ms(0));
  EXPECT_TRUE(d.on_move(key, 1, 0, ms(999)).event);
  EXPECT_FALSE(d.on_move(key, 0, 1, ms(1000)).event);  // new window, count 1
  EXPECT_TRUE(d.on_move(key, 1, 0, ms(1100)).event);   // threshold reached again
}

TEST(Flap, EmitModes) {
  FlapDetector every(cfg(1, Time::from_s(1), FlapEmit::every_move));
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(every.on_move(key, i & 1, !(i & 1), ms(i * 10)).event);

  FlapDetector once(cfg(2, Time::from_s(1), FlapEmit::once_per_window));
  int events = 0;
  for (int i = 0; i < 20; ++i) events += once.on_move(key, i & 1, !(i & 1), ms(i * 100)).event;
  EXPECT_EQ(events, 2);  // at 100 ms and again a full window later (1100 ms)
  EXPECT_GT(once.counters().suppressed, 0u);
}

TEST(Flap, RateLimit) {
  auto c = cfg(1, Time::from_s(1), FlapEmit::every_move);
  c.log_rate_limit = Time::from_s(1);
  FlapDetector d(c);
  EXPECT_TRUE(d.on_move(key, 0, 1, ms(0)).event);
  EXPECT_FALSE(d.on_move(key, 1, 0, ms(500)).event);
  EXPECT_TRUE(d.on_move(key, 0, 1, ms(1000)).event);
}

TEST(Flap, PerPortScopeCountsBothEnds) {
  auto c = cfg(3, Time::from_s(60), FlapEmit::on_threshold, FlapWindow::fixed);
  c.scope = FlapScope::per_port;
  FlapDetector d(c);
  // Different MACs all moving into port 5: the port reaches the threshold.
  EXPECT_FALSE(d.on_move(key + 1, 1, 5, ms(0)).event);
  EXPECT_FALSE(d.on_move(key + 2, 2, 5, ms(10)).event);
  EXPECT_TRUE(d.on_move(key + 3, 3, 5, ms(20)).event);
}

TEST(Flap, ActionDropFrameKeepsTheEntry) {
  auto t = TableConfig::vendor();
  t.flap = cfg(2, Time::from_s(1), FlapEmit::on_threshold);
  t.flap.action = FlapAction::drop_frame;
  MacTable m(t);
  const auto mac = net::Mac::from_u64(0x02aa00000001ULL);
  m.learn(1, mac, 0, ms(0));
  EXPECT_EQ(m.learn(1, mac, 1, ms(100)).status, LearnStatus::moved);
  const auto r = m.learn(1, mac, 0, ms(200));
  EXPECT_EQ(r.status, LearnStatus::drop_frame);
  EXPECT_TRUE(r.flap_event);
  EXPECT_EQ(m.lookup(1, mac, ms(201)).port, 1);
  EXPECT_EQ(m.flap().counters().frames_dropped, 1u);
  bool saw_flap = false;
  for (const auto& e : m.drain_events())
    if (e.kind == EventKind::flap) {
      saw_flap = true;
      EXPECT_EQ(e.action, FlapAction::drop_frame);
      EXPECT_EQ(e.count, 2u);
      EXPECT_EQ(e.from, 1);
      EXPECT_EQ(e.to, 0);
    }
  EXPECT_TRUE(saw_flap);
}

TEST(Flap, ActionPinHoldsTheOldPort) {
  auto t = TableConfig::vendor();
  t.flap = cfg(2, Time::from_s(1), FlapEmit::on_threshold);
  t.flap.action = FlapAction::pin;
  t.flap.action_hold = Time::from_s(15);
  MacTable m(t);
  const auto mac = net::Mac::from_u64(0x02aa00000001ULL);
  m.learn(1, mac, 0, ms(0));
  m.learn(1, mac, 1, ms(100));
  EXPECT_EQ(m.learn(1, mac, 0, ms(200)).status, LearnStatus::refused_flap);
  EXPECT_EQ(m.learn(1, mac, 0, ms(10000)).status, LearnStatus::refused_flap);  // still pinned
  EXPECT_EQ(m.lookup(1, mac, ms(10000)).port, 1);
  EXPECT_EQ(m.learn(1, mac, 0, ms(15300)).status, LearnStatus::moved);  // hold over
  EXPECT_EQ(m.flap().counters().pins, 1u);
}

TEST(Flap, ActionDisableLearningInTheVlan) {
  auto t = TableConfig::vendor();
  t.flap = cfg(2, Time::from_s(1), FlapEmit::on_threshold);
  t.flap.action = FlapAction::disable_learning;
  t.flap.action_hold = Time::from_s(120);
  MacTable m(t);
  const auto a = net::Mac::from_u64(0x02aa00000001ULL), b = net::Mac::from_u64(0x02aa00000002ULL);
  m.learn(7, a, 0, ms(0));
  m.learn(7, a, 1, ms(10));
  EXPECT_EQ(m.learn(7, a, 0, ms(20)).status, LearnStatus::moved);  // the tripping move happens
  EXPECT_EQ(m.learn(7, b, 2, ms(30)).status, LearnStatus::refused_flap);  // VLAN 7 frozen
  EXPECT_EQ(m.learn(8, b, 2, ms(30)).status, LearnStatus::learned);       // other VLANs learn
  EXPECT_EQ(m.learn(7, b, 2, ms(120030)).status, LearnStatus::learned);
}

TEST(Flap, PresetsAndValidation) {
  EXPECT_FALSE(FlapConfig::preset("linux-6.x").enabled);
  EXPECT_FALSE(FlapConfig::preset("freebsd-9.3").enabled);
  const auto j = FlapConfig::preset("juniper-ex");
  EXPECT_TRUE(j.enabled);
  EXPECT_EQ(j.action, FlapAction::drop_frame);
  EXPECT_EQ(j.window_kind, FlapWindow::fixed);
  EXPECT_EQ(FlapConfig::preset("evpn-rfc7432").threshold, 5u);
  EXPECT_EQ(FlapConfig::preset("evpn-rfc7432").window, Time::from_s(180));
  EXPECT_EQ(FlapConfig::preset("hpe-comware").window, Time::from_s(60));
  EXPECT_EQ(FlapConfig::preset("huawei").threshold, 10u);
  for (const auto& n : FlapConfig::preset_names()) EXPECT_NO_THROW(FlapConfig::preset(n));
  try {
    FlapConfig::preset("nokia");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'nokia'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("juniper-ex"), std::string::npos);
  }
  auto c = cfg(17, Time::from_s(1), FlapEmit::on_threshold);
  EXPECT_THROW(c.validate(), Error);  // sliding windows keep 16 moves
  c.window_kind = FlapWindow::fixed;
  EXPECT_NO_THROW(c.validate());
  c.threshold = 0;
  EXPECT_THROW(c.validate(), Error);
}
