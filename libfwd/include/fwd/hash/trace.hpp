#pragma once
/// \file
/// Tracing hooks that turn any hash walk into an explanation.
///
/// Every hash function in fwd/hash/ is a template over a tracer. The hot path instantiates it with
/// NoTrace, whose hooks are empty and whose `enabled` is false, so the walk compiles to exactly
/// the code without tracing. `Policy::explain` instantiates the same walk with Trace, which
/// records every field read (name, offset, bytes), the running hash after it, computation steps
/// (folds, shifts) and decisions ("in-band 802.1Q quirk: tag read at bytes 28..29"). One walk,
/// two uses: the explanation cannot drift from the hash.

#include <cstdint>
#include <string>
#include <vector>

#include "fwd/net/bytes.hpp"

namespace fwd::hash {

/// One recorded step of a hash walk.
struct TraceStep {
  enum class Kind : std::uint8_t { field, step, note };
  Kind kind = Kind::field;
  std::string name;                 ///< field or step name ("src_mac", "fold", "ports")
  std::size_t offset = 0;           ///< field: offset of its first byte in the frame / input
  std::vector<std::uint8_t> bytes;  ///< field: the bytes hashed, in the order they were hashed
  std::uint64_t hash = 0;           ///< running hash (or value) after this step
  bool in_frame = true;             ///< field: `bytes` are frame bytes at `offset` (not metadata)
};

/// Records a walk (used by explain).
struct Trace {
  static constexpr bool enabled = true;
  std::vector<TraceStep> steps;

  /// A field taken from the frame: `bytes` as hashed, starting at `offset`; `hash` after it.
  void field(const char* name, std::size_t offset, net::Bytes bytes, std::uint64_t hash) {
    steps.push_back({TraceStep::Kind::field, name, offset, {bytes.begin(), bytes.end()}, hash});
  }
  /// A field that is not a contiguous run of frame bytes (a tag from metadata, a packed key).
  void value(const char* name, std::vector<std::uint8_t> bytes, std::uint64_t hash) {
    steps.push_back({TraceStep::Kind::field, name, 0, std::move(bytes), hash, false});
  }
  /// A computation step on the running hash (fold, shift, finish).
  void step(const char* name, std::uint64_t hash) {
    steps.push_back({TraceStep::Kind::step, name, 0, {}, hash});
  }
  /// A decision or remark ("IPv4 fragment: no ports").
  void note(std::string text) {
    steps.push_back({TraceStep::Kind::note, std::move(text), 0, {}, 0});
  }
};

/// The no-op tracer of the hot path.
struct NoTrace {
  static constexpr bool enabled = false;
  void field(const char*, std::size_t, net::Bytes, std::uint64_t) {}
  void value(const char*, const std::vector<std::uint8_t>&, std::uint64_t) {}
  void step(const char*, std::uint64_t) {}
  template <class S> void note(S&&) {}
};

}  // namespace fwd::hash
