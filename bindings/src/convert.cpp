#include "convert.hpp"

#include <fmt/format.h>

#include <cstring>

namespace fwd::py {

namespace {
// By kind and size, not identity: an unpickled array (Dask, multiprocessing) carries its own,
// equal, dtype object, not numpy's uint8 singleton.
bool is_uint8(const pyb::dtype& d) { return d.kind() == 'u' && d.itemsize() == 1; }
}  // namespace

std::vector<std::uint8_t> frame_bytes(const pyb::handle& obj, const char* what) {
  if (pyb::isinstance<pyb::bytes>(obj) || pyb::isinstance<pyb::bytearray>(obj) ||
      pyb::isinstance<pyb::memoryview>(obj)) {
    pyb::buffer_info info = pyb::reinterpret_borrow<pyb::buffer>(obj).request();
    if (info.ndim != 1 || info.itemsize != 1)
      throw pyb::type_error(fmt::format("{} must be a 1-D byte buffer", what));
    if (info.strides[0] != 1) throw pyb::type_error(fmt::format("{} must be contiguous", what));
    const auto* p = static_cast<const std::uint8_t*>(info.ptr);
    return {p, p + info.size};
  }
  if (pyb::isinstance<pyb::array>(obj)) {
    auto a = pyb::reinterpret_borrow<pyb::array>(obj);
    if (!is_uint8(a.dtype()))
      throw pyb::type_error(fmt::format("{} array must have dtype uint8, got {}", what,
                                        std::string(pyb::str(a.dtype()))));
    if (a.ndim() != 1) throw pyb::value_error(fmt::format("{} array must be 1-D, got {} dimensions", what, a.ndim()));
    auto c = pyb::array_t<std::uint8_t, pyb::array::c_style>::ensure(a);
    return {c.data(), c.data() + c.size()};
  }
  throw pyb::type_error(fmt::format("{} must be bytes, bytearray, memoryview or a uint8 numpy array, got {}",
                                    what, std::string(pyb::str(obj.get_type().attr("__name__")))));
}

FrameBatch frame_batch(const pyb::object& frames, const pyb::object& lengths) {
  if (!pyb::isinstance<pyb::array>(frames))
    throw pyb::type_error("frames must be a 2-D numpy.uint8 array (one zero-padded frame per row)");
  auto a = pyb::reinterpret_borrow<pyb::array>(frames);
  if (!is_uint8(a.dtype()))
    throw pyb::type_error(fmt::format("frames must have dtype uint8, got {}", std::string(pyb::str(a.dtype()))));
  if (a.ndim() != 2)
    throw pyb::value_error(fmt::format("frames must be 2-D (frames x bytes), got {} dimensions", a.ndim()));
  FrameBatch b;
  // Zero copies when the array is already C-contiguous uint8; otherwise one copy.
  b.frames = pyb::array_t<std::uint8_t, pyb::array::c_style>::ensure(a);
  b.count = static_cast<std::size_t>(a.shape(0));
  b.stride = static_cast<std::size_t>(a.shape(1));
  if (!lengths.is_none()) {
    auto l = pyb::array::ensure(lengths);
    if (!l || l.ndim() != 1)
      throw pyb::value_error("lengths must be a 1-D integer array with one length per frame");
    if (static_cast<std::size_t>(l.shape(0)) != b.count)
      throw pyb::value_error(fmt::format("lengths has {} entries for {} frames", l.shape(0), b.count));
    if (l.dtype().kind() != 'i' && l.dtype().kind() != 'u')
      throw pyb::type_error(fmt::format("lengths must be integers, got {}", std::string(pyb::str(l.dtype()))));
    auto li = pyb::array_t<std::int64_t, pyb::array::c_style | pyb::array::forcecast>::ensure(l);
    b.lengths.resize(b.count);
    for (std::size_t i = 0; i < b.count; ++i) {
      const std::int64_t v = li.data()[i];
      if (v < 0 || static_cast<std::size_t>(v) > b.stride)
        throw pyb::value_error(fmt::format("lengths[{}] = {} out of range: expected 0..{} (the row width)", i, v, b.stride));
      b.lengths[i] = static_cast<std::uint32_t>(v);
    }
  }
  return b;
}

net::PacketMeta packet_meta(const pyb::kwargs& kw) {
  net::PacketMeta m;
  for (auto [k, v] : kw) {
    const std::string key = pyb::str(k);
    if (v.is_none()) continue;
    auto u = [&](std::uint64_t max) {
      const auto x = v.cast<long long>();
      if (x < 0 || static_cast<std::uint64_t>(x) > max)
        throw pyb::value_error(fmt::format("{}={} out of range: expected 0..{}", key, x, max));
      return static_cast<std::uint64_t>(x);
    };
    if (key == "vlan_tci") m.vlan_tci = static_cast<std::uint16_t>(u(0xffff));
    else if (key == "protocol") m.protocol = static_cast<std::uint16_t>(u(0xffff));
    else if (key == "network_offset") m.network_offset = static_cast<std::uint16_t>(u(0xffff));
    else if (key == "flow_hash") m.flow_hash = static_cast<std::uint32_t>(u(0xffffffff));
    else if (key == "flow_hash_is_l4") m.flow_hash_is_l4 = v.cast<bool>();
    else if (key == "output_vlan") m.output_vlan = static_cast<std::uint16_t>(u(4095));
    else if (key == "ingress_port") m.ingress_port = static_cast<std::uint16_t>(u(0xffff));
    else
      throw pyb::type_error(fmt::format("unknown packet metadata '{}': expected vlan_tci, protocol, network_offset, "
                                        "flow_hash, flow_hash_is_l4, output_vlan, ingress_port", key));
  }
  return m;
}

}  // namespace fwd::py
