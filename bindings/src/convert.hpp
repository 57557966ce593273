#pragma once
// Conversions shared by the binding files: byte buffers in, frame batches in, metadata kwargs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "fwd/net/ip.hpp"
#include "fwd/net/mac.hpp"
#include "fwd/net/packet.hpp"
#include "fwd/time.hpp"

namespace fwd::py {

namespace pyb = pybind11;

/// A frame given as bytes, bytearray, memoryview or a 1-D uint8 numpy array, copied.
std::vector<std::uint8_t> frame_bytes(const pyb::handle& obj, const char* what = "frame");

/// A frame batch: a 2-D C-contiguous uint8 array (one zero-padded frame per row) and optional
/// lengths. Validates dtype, shape and lengths (each ≤ the row width) with clear errors.
struct FrameBatch {
  pyb::array_t<std::uint8_t, pyb::array::c_style> frames;
  std::vector<std::uint32_t> lengths;  // a converted copy of the caller's lengths
  pyb::object lengths_in;               // or the caller's own uint32 array, read in place
  const std::uint32_t* lengths_in_data = nullptr;
  std::size_t count = 0, stride = 0;
  /// Null: every row is a whole frame.
  const std::uint32_t* lengths_ptr() const {
    return lengths_in_data ? lengths_in_data : lengths.empty() ? nullptr : lengths.data();
  }
  /// Row i's frame length.
  std::size_t length(std::size_t i) const {
    const std::uint32_t* l = lengths_ptr();
    return l ? l[i] : stride;
  }
};
FrameBatch frame_batch(const pyb::object& frames, const pyb::object& lengths);

/// PacketMeta from keyword arguments (vlan_tci, protocol, network_offset, flow_hash,
/// flow_hash_is_l4, output_vlan, ingress_port); an unknown keyword raises TypeError.
net::PacketMeta packet_meta(const pyb::kwargs& kw);

// ---- the one Python time convention ----------------------------------------------------------
/// Accepted forms, for messages and docstrings.
inline constexpr const char* time_forms =
    "seconds (int or float), a string with a unit ('10ms', '3s', '250us'), datetime.timedelta or numpy.timedelta64";

/// A time argument: float/int seconds, a string with a unit, datetime.timedelta or
/// numpy.timedelta64. TypeError (wrong type) / ValueError (bad text, NaN, beyond int64 ns)
/// naming `name` and the accepted forms.
Time time_arg(const pyb::handle& h, const char* name);
/// An argument whose name ends in _ns: integer nanoseconds only (int or numpy integer), in int64.
Time time_ns_arg(const pyb::handle& h, const char* name);
/// `now` (time_arg) or `time_ns` (time_ns_arg), at most one of them; `fallback` when neither.
Time time_either(const pyb::handle& now, const pyb::handle& time_ns, Time fallback = Time{});

// ---- the one MAC and the one address converter -------------------------------------------------
/// fwd.net.Mac, '00:25:90:11:22:33' (also '-' separated), an int 0..2**48-1 or 6 bytes.
net::Mac mac_arg(const pyb::handle& h, const char* name = "mac");
/// fwd.net.Ipv4, '10.0.0.1' or an int 0..2**32-1.
net::Ipv4 ipv4_arg(const pyb::handle& h, const char* name = "address");
/// fwd.net.Ipv6 or '2001:db8::1'.
net::Ipv6 ipv6_arg(const pyb::handle& h, const char* name = "address");

// ---- strict scalars (no silent bool/float/str coercion, no pybind11 signature dumps) ---------
/// An integer in [lo, hi]: int or numpy integer (not bool, float or str).
std::int64_t int_arg(const pyb::handle& h, const char* name, std::int64_t lo, std::int64_t hi);
/// An unsigned 64-bit integer, 0 to 2^64-1 (int_arg stops at INT64_MAX): seeds and masks.
std::uint64_t uint64_arg(const pyb::handle& h, const char* name);
/// A boolean: True/False or numpy.bool_ only.
bool bool_arg(const pyb::handle& h, const char* name);

}  // namespace fwd::py
