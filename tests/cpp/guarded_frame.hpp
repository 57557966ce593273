#pragma once
// Guarded: a frame copied to the very end of a readable page followed by an inaccessible one,
// so any read past the frame faults. Used by the truncation tests of every header walk.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "fwd/net/bytes.hpp"

/// A frame copied to the very end of a readable page that is followed by an inaccessible one:
/// any read past the frame faults.
class Guarded {
public:
  explicit Guarded(const std::vector<std::uint8_t>& f, std::size_t len) : len_(len) {
    page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* m = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) throw std::runtime_error("mmap failed");
    base_ = static_cast<std::uint8_t*>(m);
    if (mprotect(base_ + page_, page_, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
    std::memcpy(base_ + page_ - len_, f.data(), len_);
  }
  ~Guarded() { munmap(base_, 2 * page_); }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;
  fwd::net::Bytes bytes() const { return {base_ + page_ - len_, len_}; }

private:
  std::uint8_t* base_ = nullptr;
  std::size_t page_ = 0, len_ = 0;
};
