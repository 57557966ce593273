#pragma once
// Conversions shared by the binding files: byte buffers in, frame batches in, metadata kwargs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "fwd/net/packet.hpp"

namespace fwd::py {

namespace pyb = pybind11;

/// A frame given as bytes, bytearray, memoryview or a 1-D uint8 numpy array, copied.
std::vector<std::uint8_t> frame_bytes(const pyb::handle& obj, const char* what = "frame");

/// A frame batch: a 2-D C-contiguous uint8 array (one zero-padded frame per row) and optional
/// lengths. Validates dtype, shape and lengths (each ≤ the row width) with clear errors.
struct FrameBatch {
  pyb::array_t<std::uint8_t, pyb::array::c_style> frames;
  std::vector<std::uint32_t> lengths;  // empty: every row is a whole frame
  std::size_t count = 0, stride = 0;
  const std::uint32_t* lengths_ptr() const { return lengths.empty() ? nullptr : lengths.data(); }
};
FrameBatch frame_batch(const pyb::object& frames, const pyb::object& lengths);

/// PacketMeta from keyword arguments (vlan_tci, protocol, network_offset, flow_hash,
/// flow_hash_is_l4, output_vlan, ingress_port); an unknown keyword raises TypeError.
net::PacketMeta packet_meta(const pyb::kwargs& kw);

}  // namespace fwd::py
