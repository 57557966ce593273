#pragma once
/// \file
/// Engine: the discrete-event queue that advances fwd::Time for fwd::sim.
///
/// Follows the classic discrete-event design of ns-3's `Simulator` (3.37, DefaultSimulatorImpl):
/// a priority queue of (time, sequence) keys, a clock that jumps to the earliest event, and no
/// wall clock anywhere. Time is an int64 nanosecond count (fwd::Time).
///
/// Ordering contract (the tie-break): events run in increasing time; events scheduled for the
/// *same* nanosecond run in the order they were scheduled (FIFO), because every schedule() call
/// takes the next value of a 64-bit sequence counter and the heap orders by (time, sequence).
/// The order is therefore a pure function of the calls made, identical on every run and machine;
/// no container hash or address takes part in it. Scheduling in the past is clamped to `now()`
/// (the event runs after the events already due at `now()`), never reordered before them.
///
/// Data structure: a binary min-heap in a std::vector of small POD events (the payload is the
/// caller's, e.g. 24 bytes in fwd::sim::Network). Cancellation is lazy: owners keep a generation
/// number and ignore stale events, so there is no erase-from-the-middle. push/pop are O(log n)
/// and allocate only when the heap outgrows its high-water mark (reserve() avoids even that).
/// Thread rules: one Engine per thread.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "fwd/time.hpp"

namespace fwd::sim {

/// A discrete-event queue over a POD payload. See the file comment for the ordering contract.
template <class Payload>
class Engine {
public:
  struct Entry {
    Time at;
    std::uint64_t seq;
    Payload payload;
  };

  /// Current virtual time: the time of the event being run (or of the last one run).
  Time now() const { return now_; }
  /// Events scheduled and not yet run (stale, lazily cancelled events included).
  std::size_t pending() const { return heap_.size(); }
  /// Events run so far.
  std::uint64_t executed() const { return executed_; }
  /// Events scheduled so far (the next sequence number).
  std::uint64_t scheduled() const { return seq_; }
  bool empty() const { return heap_.empty(); }
  void reserve(std::size_t n) { heap_.reserve(n); }

  /// Schedules `p` at `at` (clamped to now()). Returns the event's sequence number.
  std::uint64_t schedule(Time at, const Payload& p) {
    if (at < now_) at = now_;
    const std::uint64_t s = seq_++;
    heap_.push_back(Entry{at, s, p});
    sift_up(heap_.size() - 1);
    return s;
  }
  /// Schedules `p` `delay` after now().
  std::uint64_t schedule_in(Time delay, const Payload& p) { return schedule(now_ + delay, p); }

  /// Time of the earliest pending event (undefined when empty()).
  Time next_time() const { return heap_.front().at; }

  /// Removes the earliest event, advances now() to its time and returns it. Requires !empty().
  Entry pop() {
    Entry top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    now_ = top.at;
    ++executed_;
    return top;
  }

  /// Runs every event with time <= `until` through `f(const Entry&)`, in order, then sets now()
  /// to `until`. Events that `f` schedules at or before `until` run in the same call. Returns
  /// the number of events run.
  /// With `max_events`, stops after that many (now() stays at the last event run) and returns
  /// the count; the clock reaches `until` only once every event up to it has run.
  template <class F>
  /// A `stop` flag set by `f` ends the run after the event that set it.
  std::uint64_t run_until(Time until, F&& f, std::uint64_t max_events = UINT64_MAX, const bool* stop = nullptr) {
    std::uint64_t n = 0;
    while (!heap_.empty() && heap_.front().at <= until) {
      if (n == max_events || (stop && *stop)) return n;
      const Entry e = pop();
      f(e);
      ++n;
    }
    if (until > now_) now_ = until;
    return n;
  }

  /// Drops every pending event and resets the clock to `t` (sequence numbers keep counting).
  void clear(Time t = {}) {
    heap_.clear();
    now_ = t;
  }

private:
  static bool before(const Entry& a, const Entry& b) {
    return a.at.ns != b.at.ns ? a.at.ns < b.at.ns : a.seq < b.seq;
  }
  void sift_up(std::size_t i) {
    Entry e = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  void sift_down(std::size_t i) {
    const std::size_t n = heap_.size();
    Entry e = heap_[i];
    for (;;) {
      std::size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(heap_[c + 1], heap_[c])) ++c;
      if (!before(heap_[c], e)) break;
      heap_[i] = heap_[c];
      i = c;
    }
    heap_[i] = e;
  }

  std::vector<Entry> heap_;
  Time now_{};
  std::uint64_t seq_ = 0;
  std::uint64_t executed_ = 0;
};

}  // namespace fwd::sim
