#pragma once
/// \file
/// FramePool: recycled frame buffers for fwd::sim, so the per-frame path never allocates.
///
/// A frame in flight is a 32-bit handle into chunks of fixed-size slots. Each slot keeps
/// `headroom` bytes in front of the frame so an 802.1Q tag can be pushed by moving the 12 MAC
/// bytes back instead of copying the frame (what a NIC with VLAN_HWTAGGING does on transmit).
/// The pool grows by whole chunks when every slot is in use (the high-water mark of frames in
/// flight, a few dozen in the seed); freed slots go on a LIFO free list so the hot slots stay in
/// cache. A chunk is raw storage whose slots are constructed as they are first handed out, so a
/// Network that never has more than a few frames in flight touches a few slots, not 400 KB
/// (building a Network zero-filled a whole chunk; it dominated short simulations and the fuzz
/// target's executions). trim() gives back trailing chunks nobody uses once a burst is over (Network calls it
/// when a run_until ends). Thread rules: one pool per Network (one thread).

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "fwd/net/bytes.hpp"

namespace fwd::sim::detail {

/// Largest frame a slot holds (a tagged 1518-byte frame plus a second tag, rounded up).
inline constexpr std::size_t max_frame = 1600;
/// Bytes kept free in front of every frame for tag pushes.
inline constexpr std::size_t headroom = 8;

struct FrameSlot {
  std::uint16_t off = headroom;  // start of the frame in buf
  std::uint16_t len = 0;
  std::uint32_t next_free = 0;
  std::array<std::uint8_t, headroom + max_frame> buf;

  std::uint8_t* data() { return buf.data() + off; }
  const std::uint8_t* data() const { return buf.data() + off; }
  net::Bytes bytes() const { return {data(), len}; }
  /// Copies `f` in (truncated to max_frame) with full headroom.
  void assign(net::Bytes f) {
    off = headroom;
    len = static_cast<std::uint16_t>(f.size() < max_frame ? f.size() : max_frame);
    std::memcpy(buf.data() + off, f.data(), len);
  }
  /// Inserts an 802.1Q tag after the MACs (uses headroom when there is some, else moves the body).
  void push_tag(std::uint16_t tci, std::uint16_t tpid = 0x8100) {
    if (len < 12) return;
    if (off >= 4) {
      std::memmove(buf.data() + off - 4, buf.data() + off, 12);
      off = static_cast<std::uint16_t>(off - 4);
    } else {
      if (len + 4u > max_frame + headroom - off) return;
      std::memmove(buf.data() + off + 16, buf.data() + off + 12, len - 12u);
    }
    std::uint8_t* p = buf.data() + off + 12;
    p[0] = static_cast<std::uint8_t>(tpid >> 8);
    p[1] = static_cast<std::uint8_t>(tpid);
    p[2] = static_cast<std::uint8_t>(tci >> 8);
    p[3] = static_cast<std::uint8_t>(tci);
    len = static_cast<std::uint16_t>(len + 4);
  }
  /// Removes the outer tag (the frame must have one): moves the MACs forward by 4 bytes.
  void pop_tag() {
    if (len < 18) return;
    std::memmove(buf.data() + off + 4, buf.data() + off, 12);
    off = static_cast<std::uint16_t>(off + 4);
    len = static_cast<std::uint16_t>(len - 4);
  }
};

static_assert(std::is_trivially_destructible_v<FrameSlot>, "FramePool releases chunks without destroying slots");

using FrameRef = std::uint32_t;
inline constexpr FrameRef no_frame = 0xffffffffu;

class FramePool {
public:
  static constexpr std::size_t chunk = 256;

  FrameRef alloc() {
    FrameRef r;
    if (free_ != no_frame) {
      r = free_;
      free_ = slot(r).next_free;
    } else {
      if (fresh_ == capacity()) grow();
      r = static_cast<FrameRef>(fresh_++);
      ::new (static_cast<void*>(&slot(r))) FrameSlot;  // default-initialised: buf is not zero-filled
    }
    FrameSlot& s = slot(r);
    s.off = headroom;
    s.len = 0;
    ++in_use_;
    ++chunk_use_[r / chunk];
    return r;
  }
  FrameRef alloc_copy(net::Bytes f) {
    const FrameRef r = alloc();
    slot(r).assign(f);
    return r;
  }
  void free(FrameRef r) {
    FrameSlot& s = slot(r);
    s.next_free = free_;
    free_ = r;
    --in_use_;
    --chunk_use_[r / chunk];
  }
  /// Releases trailing chunks with no slot in use while the pool holds more than twice what is
  /// in use (and more than `keep` chunks); rebuilds the free list without them.
  void trim(std::size_t keep = 4) {
    std::size_t n = chunks_.size();
    if (n <= keep || n * chunk <= 2 * in_use_ + chunk) return;
    while (n > keep && chunk_use_[n - 1] == 0 && n * chunk > 2 * in_use_ + chunk) --n;
    if (n == chunks_.size()) return;
    const FrameRef limit = static_cast<FrameRef>(n * chunk);
    FrameRef head = no_frame, *tail = &head;
    for (FrameRef r = free_; r != no_frame; r = slot(r).next_free) {
      if (r >= limit) continue;
      *tail = r;
      tail = &slot(r).next_free;
    }
    *tail = no_frame;
    free_ = head;
    if (fresh_ > limit) fresh_ = limit;
    chunks_.resize(n);
    chunk_use_.resize(n);
  }
  FrameSlot& slot(FrameRef r) { return chunks_[r / chunk].get()[r % chunk]; }
  const FrameSlot& slot(FrameRef r) const { return chunks_[r / chunk].get()[r % chunk]; }
  std::size_t in_use() const { return in_use_; }
  std::size_t capacity() const { return chunks_.size() * chunk; }

private:
  struct Release {
    void operator()(FrameSlot* p) const { ::operator delete(static_cast<void*>(p)); }
  };
  // Storage for `chunk` slots; slots below fresh_ have been constructed (FrameSlot is trivially
  // destructible, so releasing the storage is all a chunk needs).
  using Chunk = std::unique_ptr<FrameSlot, Release>;
  void grow() {
    chunks_.emplace_back(static_cast<FrameSlot*>(::operator new(chunk * sizeof(FrameSlot))));
    chunk_use_.push_back(0);
  }
  std::vector<Chunk> chunks_;
  std::vector<std::uint32_t> chunk_use_;  // slots in use per chunk
  std::size_t fresh_ = 0;                 // slots never handed out start here
  FrameRef free_ = no_frame;
  std::size_t in_use_ = 0;
};

}  // namespace fwd::sim::detail
