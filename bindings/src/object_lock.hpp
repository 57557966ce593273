#pragma once
// Objects with mutable state shared between Python threads (a Lag, its OvsBond) are safe to
// share: every bound method holds the object's lock, and a batch call holds it for the whole batch
// while it runs without the GIL. A thread calling lag.set_link() during another thread's
// lag.select_batch() therefore waits for the batch to end instead of changing the member arrays
// under it (which crashed: OVS' enabled list erased mid-read).
//
// The locks live in a fixed table indexed by the object's address (lock striping), so no object
// type has to carry a mutex (C++ Lag stays a copyable value type, one per thread) and no entry
// outlives its object. Two objects sharing a stripe merely wait for each other. Each bound call
// holds at most one stripe, so there is no lock-order deadlock; waiting always happens with the
// GIL released, so the holder can take the GIL back (run_batch's signal checks) while we wait.
// Immutable objects (hash::Policy) need none of this: their batches run lock-free.
#include <pybind11/pybind11.h>

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>

namespace fwd::py {

class ObjectLock {
public:
  /// Locks `object`'s stripe; called with the GIL held. If another thread holds it (a batch in
  /// progress), waits with the GIL released.
  explicit ObjectLock(const void* object) : mu_(stripe(object)) {
    if (!mu_.try_lock()) {
      pybind11::gil_scoped_release nogil;
      mu_.lock();
    }
  }
  ~ObjectLock() { mu_.unlock(); }
  ObjectLock(const ObjectLock&) = delete;
  ObjectLock& operator=(const ObjectLock&) = delete;

private:
  static std::mutex& stripe(const void* object) {
    static std::array<std::mutex, 1024> stripes;
    const auto a = reinterpret_cast<std::uintptr_t>(object);
    return stripes[(a >> 4 ^ a >> 14) % stripes.size()];
  }
  std::mutex& mu_;
};

}  // namespace fwd::py
