#pragma once
// Batch calls over every core, interruptible: the one place the Python module splits a batch.
//
//   threads = threads_arg(py_threads);            // threads= keyword: 1 (default), 0 = all cores
//   run_batch(n, threads, [&](std::size_t begin, std::size_t end) {
//     policy.hash_batch(sub_batch(batch, begin, end), out + begin);  // no Python in here
//   });
//
// run_batch is called with the GIL held and returns with it held. It releases the GIL, cuts
// [0, n) into `threads` contiguous ranges (the calling thread takes the first, std::threads the
// others) and has each range worked through in slices of `slice_frames`. Use it only where each
// row's result depends on that row alone (policy hashes, member indexes): then any split gives
// results identical to one thread. With threads == 1 the slices run in order on the calling
// thread, so order-dependent work (OVS first-use buckets, round robin) may use it too.
//
// Interruption: between slices the calling thread takes the GIL back for a moment and calls
// PyErr_CheckSignals; on Ctrl-C (or any signal handler raising) every thread stops at its next
// slice boundary and the Python exception (KeyboardInterrupt) is raised from the call. A slice is
// 2^20 frames, a few to a few tens of milliseconds for every policy, so Ctrl-C takes well under
// a second. An exception thrown by the work (fwd::Error) stops the others the same way and is
// rethrown to Python. No thread outlives the call.
//
// Used by hash_batch / index_batch (hash.cpp), select_batch (lag.cpp), the ECMP batches (route.cpp:
// select_batch, select_packets, hash_batch) and Fabric.trace (path.cpp).
#include <pybind11/pybind11.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "fwd/hash/policy.hpp"

namespace fwd::py {

/// Frames per slice between stop / signal checks.
inline constexpr std::size_t slice_frames = std::size_t{1} << 20;
/// Below this many frames per thread, threads cost more than they save: fewer threads are used.
inline constexpr std::size_t min_frames_per_thread = 16384;
/// Upper bound of threads=, so a typo cannot ask for a million threads.
inline constexpr long long max_threads = 1024;

/// The threads= keyword: 0 = every core (std::thread::hardware_concurrency), 1..max_threads as is.
/// Anything else (a float, a bool, 2**70, -1) is a ValueError/TypeError naming the accepted values.
inline unsigned threads_arg(const pybind11::handle& arg) {
  if (!PyLong_Check(arg.ptr()) || PyBool_Check(arg.ptr()))
    throw pybind11::type_error(fmt::format("threads must be an int: 0 (all cores) or 1..{}, got {}", max_threads,
                                           std::string(pybind11::repr(arg))));
  int overflow = 0;
  const long long threads = PyLong_AsLongLongAndOverflow(arg.ptr(), &overflow);
  if (overflow || threads < 0 || threads > max_threads)
    throw pybind11::value_error(
        fmt::format("threads={} out of range: expected 0 (all cores) or 1..{}", std::string(pybind11::str(arg)), max_threads));
  if (threads == 0) return std::max(1u, std::thread::hardware_concurrency());
  return static_cast<unsigned>(threads);
}

/// Rows [begin, end) of a frame batch, as a batch of their own.
inline hash::Policy::Batch sub_batch(const hash::Policy::Batch& b, std::size_t begin, std::size_t end) {
  return {b.data + begin * b.stride, b.stride, end - begin, b.lengths ? b.lengths + begin : nullptr};
}

/// Runs work(begin, end) over [0, n) on `threads` threads (see the top of this file).
template <class Work> void run_batch(std::size_t n, unsigned threads, Work&& work) {
  const std::size_t useful = std::max<std::size_t>(1, n / min_frames_per_thread);
  const unsigned nthreads = static_cast<unsigned>(std::min<std::size_t>(std::max(1u, threads), useful));

  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  unsigned finished = 0;     // helper threads done (under mu)
  std::exception_ptr error;  // the first exception thrown by the work (under mu)
  bool interrupted = false;  // a Python signal handler raised (the error indicator is set)

  const auto fail = [&](std::exception_ptr e) {
    std::lock_guard g(mu);
    if (!error) error = e;
    stop = true;
  };
  const auto signal_pending = [&] {
    pybind11::gil_scoped_acquire gil;
    return PyErr_CheckSignals() != 0;
  };
  const auto range = [&](unsigned i) {
    return std::pair{n * i / nthreads, n * (i + 1) / nthreads};
  };

  {
    pybind11::gil_scoped_release nogil;
    std::vector<std::thread> helpers;
    helpers.reserve(nthreads - 1);
    for (unsigned i = 1; i < nthreads; ++i) {
      helpers.emplace_back([&, i] {
        const auto [b, e] = range(i);
        try {
          for (std::size_t s = b; s < e && !stop; s += slice_frames) work(s, std::min(e, s + slice_frames));
        } catch (...) {
          fail(std::current_exception());
        }
        std::lock_guard g(mu);
        ++finished;
        cv.notify_one();
      });
    }
    // The calling thread: its own range, checking for signals between slices...
    const auto [b, e] = range(0);
    try {
      for (std::size_t s = b; s < e && !stop; s += slice_frames) {
        work(s, std::min(e, s + slice_frames));
        if (s + slice_frames < e && signal_pending()) { interrupted = true; stop = true; }
      }
    } catch (...) {
      fail(std::current_exception());
    }
    // ...then, while the helpers finish, every 50 ms.
    for (;;) {
      std::unique_lock lk(mu);
      if (cv.wait_for(lk, std::chrono::milliseconds(50), [&] { return finished == nthreads - 1; })) break;
      lk.unlock();
      if (!interrupted && signal_pending()) { interrupted = true; stop = true; }
    }
    for (auto& t : helpers) t.join();
  }
  if (interrupted) throw pybind11::error_already_set();
  if (error) std::rethrow_exception(error);
}

}  // namespace fwd::py
