// Tests for fwd/l2/mac_table.hpp: learning, ageing boundaries per system, moves, capacity,
// flushes, events, OVS refresh and gratuitous-ARP rules, clock edge cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "fwd/error.hpp"
#include "fwd/l2/mac_table.hpp"

using namespace fwd;
using namespace fwd::l2;

namespace {
net::Mac mac(std::uint64_t low) { return net::Mac::from_u64(0x02aa00000000ULL | low); }
Time ms(double v) { return Time{static_cast<std::int64_t>(v * 1e6)}; }
}  // namespace

TEST(MacTable, LearnLookupRefreshMove) {
  MacTable t(TableConfig::linux_bridge());
  EXPECT_EQ(t.learn(0, mac(1), 0, ms(0)).status, LearnStatus::learned);
  EXPECT_EQ(t.lookup(0, mac(1), ms(1)).port, 0);
  EXPECT_FALSE(t.lookup(0, mac(2), ms(1)));
  EXPECT_EQ(t.learn(0, mac(1), 0, ms(10)).status, LearnStatus::refreshed);
  const auto r = t.learn(0, mac(1), 2, ms(20));
  EXPECT_EQ(r.status, LearnStatus::moved);
  EXPECT_EQ(r.from, 0);
  EXPECT_EQ(t.lookup(0, mac(1), ms(21)).port, 2);
  EXPECT_EQ(t.counters().learned, 1u);
  EXPECT_EQ(t.counters().moved, 1u);
  const auto ev = t.drain_events();
  ASSERT_EQ(ev.size(), 1u);  // learned events are off by default
  EXPECT_EQ(ev[0].kind, EventKind::moved);
  EXPECT_EQ(ev[0].from, 0);
  EXPECT_EQ(ev[0].to, 2);
  EXPECT_EQ(ev[0].mac, mac(1));
  EXPECT_EQ(ev[0].time, ms(20));
}

TEST(MacTable, VlanKeyedEntriesAreIndependent) {
  MacTable t(TableConfig::ovs());
  t.learn(10, mac(1), 0, ms(0));
  t.learn(20, mac(1), 1, ms(0));
  EXPECT_EQ(t.lookup(10, mac(1), ms(1)).port, 0);
  EXPECT_EQ(t.lookup(20, mac(1), ms(1)).port, 1);
  EXPECT_EQ(t.counters().moved, 0u);  // OVS row 1: not a move
  EXPECT_EQ(t.size(), 2u);
}

TEST(MacTable, LinuxAgeingOnJiffies) {
  auto c = TableConfig::linux_bridge();
  c.ageing = Time::from_s(2);
  MacTable t(c);
  t.learn(0, mac(1), 0, ms(1));          // jiffy 0 (4 ms ticks)
  EXPECT_TRUE(t.lookup(0, mac(1), ms(1999.9)));  // jiffy 499
  EXPECT_FALSE(t.lookup(0, mac(1), ms(2000)));   // jiffy 500 = updated + 500
  EXPECT_EQ(t.counters().expired, 1u);
  // Relearning after ageing is a new entry, not a move.
  EXPECT_EQ(t.learn(0, mac(1), 1, ms(2001)).status, LearnStatus::learned);
  EXPECT_EQ(t.counters().moved, 0u);
}

TEST(MacTable, LinuxAgeingRoundsDownToTheJiffy) {
  auto c = TableConfig::linux_bridge();
  c.ageing = ms(90);  // 9 cs becomes 88 ms at HZ=250 (row 31: 9 cs -> 8 cs analogue)
  MacTable t(c);
  t.learn(0, mac(1), 0, ms(0));
  EXPECT_TRUE(t.lookup(0, mac(1), ms(87.9)));
  EXPECT_FALSE(t.lookup(0, mac(1), ms(88)));
}

TEST(MacTable, MoveAndRefreshRestartAgeing) {
  auto c = TableConfig::linux_bridge();
  c.ageing = Time::from_s(2);
  MacTable t(c);
  t.learn(0, mac(1), 0, ms(0));
  t.learn(0, mac(1), 1, ms(1200));  // move restarts the timer (row 17)
  EXPECT_TRUE(t.lookup(0, mac(1), ms(2600)));
  EXPECT_FALSE(t.lookup(0, mac(1), ms(3200)));
}

TEST(MacTable, AgeingZeroTurnsLearningOff) {
  auto c = TableConfig::linux_bridge();
  c.ageing = Time{};
  MacTable t(c);
  EXPECT_EQ(t.learn(0, mac(1), 0, ms(0)).status, LearnStatus::refused_off);
  EXPECT_EQ(t.size(), 0u);
  t.add_static(0, mac(2), 1);
  EXPECT_EQ(t.lookup(0, mac(2), ms(5)).port, 1);  // static entries still forward
}

TEST(MacTable, OvsExpiresOnWholeSecondTicks) {
  auto c = TableConfig::ovs();
  c.ageing = Time::from_s(15);
  MacTable t(c);
  t.learn(0, mac(1), 0, ms(300));       // second 0
  t.learn(0, mac(2), 0, ms(1000));      // second 1
  EXPECT_TRUE(t.lookup(0, mac(1), ms(14999)));
  EXPECT_FALSE(t.lookup(0, mac(1), ms(15000)));  // lifetime 14.7 s: in (T-1, T]
  EXPECT_TRUE(t.lookup(0, mac(2), ms(15999)));
  EXPECT_FALSE(t.lookup(0, mac(2), ms(16000)));
}

TEST(MacTable, OvsRefreshNeedsAWholeSecondOfAge) {
  MacTable t(TableConfig::ovs());
  t.learn(0, mac(1), 0, ms(100));
  EXPECT_EQ(t.learn(0, mac(1), 0, ms(900)).status, LearnStatus::unchanged);  // same second
  EXPECT_EQ(t.learn(0, mac(1), 0, ms(1100)).status, LearnStatus::refreshed);
  EXPECT_EQ(t.learn(0, mac(1), 1, ms(1200)).status, LearnStatus::moved);     // moves are never held back
}

TEST(MacTable, FreeBsdSweepsEveryPrunePeriod) {
  MacTable t(TableConfig::freebsd_bridge());  // 1200 s timeout, 300 s sweep
  t.learn(1, mac(1), 0, Time::from_s(10));
  EXPECT_TRUE(t.lookup(1, mac(1), Time::from_s(1211)));   // expired but not yet swept
  EXPECT_TRUE(t.lookup(1, mac(1), Time::from_s(1499)));
  EXPECT_FALSE(t.lookup(1, mac(1), Time::from_s(1500)));  // the sweep at 1500 s removes it
}

TEST(MacTable, StaticEntriesPerSystem) {
  MacTable lin(TableConfig::linux_bridge());
  lin.add_static(0, mac(1), 0);
  EXPECT_EQ(lin.learn(0, mac(1), 1, ms(5)).status, LearnStatus::moved);  // Linux: static moves
  auto e = lin.find(0, mac(1), ms(6));
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->is_static);  // and stays static
  EXPECT_TRUE(lin.lookup(0, mac(1), Time::from_s(100000)));  // never ages

  lin.add_static(0, mac(2), 0, /*sticky=*/true);
  EXPECT_EQ(lin.learn(0, mac(2), 1, ms(5)).status, LearnStatus::kept);
  EXPECT_EQ(lin.lookup(0, mac(2), ms(6)).port, 0);

  MacTable bsd(TableConfig::freebsd_bridge());
  bsd.add_static(1, mac(1), 0);
  EXPECT_EQ(bsd.learn(1, mac(1), 1, ms(5)).status, LearnStatus::kept);  // FreeBSD: never moves
}

TEST(MacTable, LinuxCapRefusesNewMacsButMovesExisting) {
  auto c = TableConfig::linux_bridge();
  c.max_entries = 3;
  MacTable t(c);
  t.add_static(0, mac(9), 3);  // static entries are not counted
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(t.learn(0, mac(i), 0, ms(i)).status, LearnStatus::learned);
  EXPECT_EQ(t.learn(0, mac(4), 1, ms(10)).status, LearnStatus::refused_full);
  EXPECT_EQ(t.learned_count(), 3u);
  EXPECT_EQ(t.learn(0, mac(1), 2, ms(11)).status, LearnStatus::moved);
  EXPECT_EQ(t.counters().refused_full, 1u);
  EXPECT_EQ(t.counters().evicted, 0u);
  t.flush_port(0);
  EXPECT_EQ(t.learn(0, mac(4), 1, ms(12)).status, LearnStatus::learned);  // flushes free slots
}

TEST(MacTable, OvsEvictsLruOfBusiestPort) {
  // The recorded ovs-fdbmax-evict-busiest sequence (OVS row 26).
  auto c = TableConfig::ovs();
  c.max_entries = 10;
  MacTable t(c);
  double at = 0;
  for (int i = 1; i <= 6; ++i) t.learn(0, mac(i), 0, ms(at += 115));
  for (int i = 0x11; i <= 0x14; ++i) t.learn(0, mac(i), 1, ms(at += 115));
  ASSERT_EQ(t.size(), 10u);
  t.learn(0, mac(0x21), 2, ms(at += 115));  // p0 has 6: its LRU (mac 1) goes
  EXPECT_FALSE(t.lookup(0, mac(1), ms(at)));
  t.learn(0, mac(0x15), 1, ms(at += 115));  // 5 vs 4: mac 2
  EXPECT_FALSE(t.lookup(0, mac(2), ms(at)));
  t.learn(0, mac(0x22), 2, ms(at += 115));  // 4 vs 5: p1's LRU (0x11)
  EXPECT_FALSE(t.lookup(0, mac(0x11), ms(at)));
  EXPECT_TRUE(t.lookup(0, mac(0x12), ms(at)));
  EXPECT_EQ(t.counters().evicted, 3u);
  EXPECT_EQ(t.counters().learned, 13u);
  EXPECT_EQ(t.size(), 10u);
}

TEST(MacTable, OvsRefreshChangesWhichEntryIsLru) {
  auto c = TableConfig::ovs();
  c.max_entries = 10;
  MacTable t(c);
  for (int i = 1; i <= 10; ++i) t.learn(0, mac(i), 0, ms(i * 10));
  t.learn(0, mac(1), 0, ms(2000));  // age >= 1 s: refreshed, now most recent
  t.learn(0, mac(11), 1, ms(2100));
  EXPECT_TRUE(t.lookup(0, mac(1), ms(2100)));
  EXPECT_FALSE(t.lookup(0, mac(2), ms(2100)));
}

TEST(MacTable, OvsGratuitousArpLockOnlyStopsBonds) {
  MacTable t(TableConfig::ovs());
  const LearnOptions garp_plain{true, false, false}, garp_bond{true, true, false};
  t.learn(10, mac(1), 0, ms(0), garp_plain);  // locks for 5 s
  EXPECT_EQ(t.learn(10, mac(1), 1, ms(100), garp_plain).status, LearnStatus::moved);  // ordinary port: moves
  t.learn(10, mac(1), 0, ms(200), garp_plain);  // back on port 0, lock renewed until 5.2 s
  EXPECT_EQ(t.learn(10, mac(1), 2, ms(1500), garp_bond).status, LearnStatus::garp_locked);
  EXPECT_EQ(t.lookup(10, mac(1), ms(1500)).port, 0);
  EXPECT_EQ(t.learn(10, mac(1), 2, ms(5300), garp_bond).status, LearnStatus::moved);  // lock over
}

TEST(MacTable, FlushAllPortVlanAndStatic) {
  MacTable t(TableConfig::ovs());
  t.learn(10, mac(1), 0, ms(0));
  t.learn(20, mac(2), 0, ms(0));
  t.learn(10, mac(3), 1, ms(0));
  t.add_static(10, mac(4), 1);
  EXPECT_EQ(t.flush_vlan(10), 2u);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.flush_port(1, /*include_static=*/true), 1u);
  EXPECT_EQ(t.flush(), 1u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.counters().flushed, 4u);
  EXPECT_EQ(t.counters().expired, 0u);
}

TEST(MacTable, EntriesSortedAndAged) {
  auto c = TableConfig::linux_bridge();
  c.ageing = Time::from_s(10);
  MacTable t(c);
  t.learn(0, mac(3), 0, ms(0));
  t.learn(0, mac(1), 1, ms(5000));
  auto rows = t.entries(ms(6000));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].mac, mac(1));
  EXPECT_EQ(rows[1].mac, mac(3));
  EXPECT_EQ(rows[1].age_s, 6);
  EXPECT_EQ(t.entries(ms(10000)).size(), 1u);  // mac(3) expired (skipped, not removed)
  EXPECT_EQ(t.age(ms(10000)), 1u);
  EXPECT_EQ(t.counters().expired, 1u);
}

TEST(MacTable, ClockNeverRunsBackwardsAndSurvivesLongRuns) {
  auto c = TableConfig::vendor();
  c.ageing = Time::from_s(300);
  MacTable t(c);
  t.learn(1, mac(1), 0, Time::from_s(100));
  EXPECT_TRUE(t.lookup(1, mac(1), Time::from_s(50)));  // earlier time reads as the latest
  t.add_static(1, mac(2), 0);
  // 100 days later (past 2^31 ms ticks): the dynamic entry is gone, the static one stays.
  const Time later = Time::from_s(100LL * 86400);
  EXPECT_FALSE(t.lookup(1, mac(1), later));
  EXPECT_TRUE(t.lookup(1, mac(2), later));
  t.learn(1, mac(3), 0, later);
  EXPECT_TRUE(t.lookup(1, mac(3), later + Time::from_s(299)));
  EXPECT_FALSE(t.lookup(1, mac(3), later + Time::from_s(300)));
}

TEST(MacTable, BadInputAtTheEdges) {
  auto c = TableConfig::linux_bridge();
  c.ports = 4;
  MacTable t(c);
  EXPECT_EQ(t.learn(0, mac(1), 7, ms(0)).status, LearnStatus::bad_port);  // hot path: counted
  EXPECT_EQ(t.counters().refused_bad_port, 1u);
  EXPECT_THROW(t.add_static(0, mac(1), 9), Error);
  EXPECT_THROW(t.add(5000, mac(1), 0, AddOptions{}, ms(0)), Error);
  auto bad = TableConfig::linux_bridge();
  bad.tick = Time::from_ms(3);  // does not divide the 4 ms granule
  EXPECT_THROW(MacTable{bad}, Error);
  auto bad2 = TableConfig::ovs();
  bad2.ageing = Time::from_s(-1);
  EXPECT_THROW(MacTable{bad2}, Error);
}

TEST(MacTable, MemoryPerEntryAtReservedLoad) {
  auto c = TableConfig::linux_bridge();
  c.reserve = 4096;
  MacTable t(c);
  for (std::uint64_t i = 0; i < 4096; ++i) t.learn(0, net::Mac::from_u64(0x020000000000ULL + i), 0, ms(0));
  EXPECT_EQ(t.size(), 4096u);
  EXPECT_LE(static_cast<double>(t.memory_bytes()) / 4096.0, 32.0);
}

// ---- capacities and eviction cost (issue 11) ---------------------------------------------------

TEST(MacTable, CapacitiesAreValidatedNotLooped) {
  TableConfig c = TableConfig::linux_bridge();
  c.reserve = std::size_t{4} << 60;  // used to loop forever doubling the capacity
  EXPECT_THROW({ MacTable t(c); }, Error);
  c.reserve = 0;
  c.max_entries = ~std::size_t{0};
  try {
    MacTable t(c);
    ADD_FAILURE() << "accepted max_entries 2^64-1";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("max_entries"), std::string::npos) << e.what();
  }
  MacTable t(TableConfig::linux_bridge());
  EXPECT_THROW(t.set_max_entries(std::size_t{1} << 40), Error);
  detail::FdbTable<detail::Slot> raw;
  EXPECT_THROW(raw.reserve(std::size_t{3} << 61), std::length_error);
}

TEST(MacTable, LargeCapAllocatesLazily) {
  TableConfig c = TableConfig::ovs();
  c.max_entries = 400'000'000;  // once zero-filled 8.4 GB for an empty table
  MacTable t(c);
  EXPECT_LE(t.memory_bytes(), std::size_t{4} << 20);
  for (std::uint64_t i = 1; i <= 100'000; ++i) t.learn(0, mac(i), 0, ms(1));  // grows as needed
  EXPECT_EQ(t.size(), 100'000u);
  EXPECT_LE(t.memory_bytes(), std::size_t{8} << 20);
}

// OVS eviction takes the busiest port's LRU entry from per-port queues, not a table scan (it
// cost 1.4 ms per new MAC at 256 K entries). Same victims as the rule, computed here by brute
// force from entries() before every learn that evicts.
TEST(MacTable, OvsEvictionMatchesTheRuleWithoutScanning) {
  TableConfig c = TableConfig::ovs();
  c.max_entries = 24;
  c.ports = 4;
  c.ageing = Time::from_s(100000);  // nothing expires: eviction alone makes room
  MacTable t(c);
  std::uint64_t seed = 12345;
  auto rnd = [&] { return (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33; };
  Time now = ms(1);
  for (int step = 0; step < 3000; ++step) {
    now += ms(static_cast<double>(1 + rnd() % 1500));
    const net::Mac m = mac(rnd() % 60);
    const PortId port = static_cast<PortId>(rnd() % 4);
    // The expected victim: busiest port (dynamic entries), then least recently updated, then key.
    const auto rows = t.entries(now);
    std::vector<int> count(4, 0);
    for (const auto& e : rows) ++count[e.port];
    const int most = *std::max_element(count.begin(), count.end());
    const EntryInfo* victim = nullptr;
    for (const auto& e : rows)
      if (count[e.port] == most &&
          (!victim || e.updated < victim->updated || (e.updated == victim->updated && e.mac < victim->mac)))
        victim = &e;
    const bool full = rows.size() == 24 && !t.find(0, m, now);
    const std::optional<net::Mac> expect = full && victim ? std::optional(victim->mac) : std::nullopt;
    const auto evicted_before = t.counters().evicted;
    t.learn(0, m, port, now);
    if (expect) {
      ASSERT_EQ(t.counters().evicted, evicted_before + 1) << step;
      EXPECT_FALSE(t.find(0, *expect, now)) << "step " << step << ": expected " << expect->to_string() << " evicted";
    }
  }
  EXPECT_GT(t.counters().evicted, 100u);
}

TEST(MacTable, OvsEvictionCostDoesNotGrowWithTheTable) {
  TableConfig c = TableConfig::ovs();
  c.max_entries = 256 * 1024;
  c.ports = 8;
  c.ageing = Time::from_s(3600);
  MacTable t(c);
  Time now = ms(1);
  for (std::uint64_t i = 0; i < c.max_entries; ++i) t.learn(0, mac(i), static_cast<PortId>(i % 8), now += ms(1));
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < 4000; ++i) t.learn(0, mac(0x10000000 + i), 0, now += ms(1));
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(t.counters().evicted, 4000u);
  EXPECT_LT(s, 1.0) << "4000 evicting learns at 256 K entries took " << s << " s (a full scan each: ~5.6 s)";
}
