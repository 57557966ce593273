#include "convert.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "fwd/error.hpp"

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
    // uint32 (what the capture readers and generate_flows return) is used in place, checked in one
    // pass; any other integer type is converted.
    if (pyb::isinstance<pyb::array_t<std::uint32_t, pyb::array::c_style>>(l)) {
      auto lu = pyb::reinterpret_borrow<pyb::array_t<std::uint32_t, pyb::array::c_style>>(l);
      const std::uint32_t* v = lu.data();
      std::uint32_t longest = 0;
      for (std::size_t i = 0; i < b.count; ++i) longest = std::max(longest, v[i]);
      if (longest > b.stride) {
        const auto i = static_cast<std::size_t>(std::find_if(v, v + b.count, [&](std::uint32_t x) { return x > b.stride; }) - v);
        throw pyb::value_error(fmt::format("lengths[{}] = {} out of range: expected 0..{} (the row width)", i, v[i], b.stride));
      }
      b.lengths_in_data = v;
      b.lengths_in = std::move(lu);
      return b;
    }
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

namespace {
std::string type_name(const pyb::handle& h) { return pyb::str(h.get_type().attr("__name__")).cast<std::string>(); }

bool is_int(const pyb::handle& h) {
  if (pyb::isinstance<pyb::bool_>(h)) return false;
  if (pyb::isinstance<pyb::int_>(h)) return true;
  const auto np = pyb::module_::import("numpy");
  return pyb::isinstance(h, np.attr("integer"));
}

Time checked(const std::function<Time()>& f) {
  try {
    return f();
  } catch (const Error& e) {
    throw pyb::value_error(e.what());
  }
}
}  // namespace

Time time_arg(const pyb::handle& h, const char* name) {
  if (pyb::isinstance<pyb::str>(h)) {
    const std::string t = h.cast<std::string>();
    return checked([&] { return parse_time(t, name); });
  }
  if (pyb::isinstance<pyb::bool_>(h) || h.is_none())
    throw pyb::type_error(fmt::format("{}: expected {}; got {}", name, time_forms, type_name(h)));
  const auto np = pyb::module_::import("numpy");
  const auto datetime = pyb::module_::import("datetime");
  if (pyb::isinstance(h, datetime.attr("timedelta"))) {
    // Exact integer arithmetic: days, seconds and microseconds are ints.
    const auto days = h.attr("days").cast<long long>();
    const auto secs = h.attr("seconds").cast<long long>();
    const auto us = h.attr("microseconds").cast<long long>();
    const __int128 ns = (static_cast<__int128>(days) * 86400 + secs) * 1'000'000'000 + static_cast<__int128>(us) * 1000;
    if (ns > INT64_MAX || ns < INT64_MIN)
      throw pyb::value_error(fmt::format("{}: timedelta out of range: expected at most +-292 years (int64 nanoseconds)", name));
    return Time{static_cast<std::int64_t>(ns)};
  }
  if (pyb::isinstance(h, np.attr("timedelta64"))) {
    if (np.attr("isnat")(h).cast<bool>()) throw pyb::value_error(fmt::format("{}: numpy.timedelta64('NaT') is not a time", name));
    // Range first in floating seconds (a unit conversion in numpy would wrap silently) ...
    const std::string unit = pyb::str(np.attr("datetime_data")(h.attr("dtype"))[pyb::int_(0)]);
    if (unit == "Y" || unit == "M")
      throw pyb::value_error(fmt::format("{}: numpy.timedelta64 in '{}' has no fixed length: expected W, D, h, m, s, ms, us "
                                         "or ns", name, unit));
    const double s = (h / np.attr("timedelta64")(1, "s")).cast<double>();
    checked([&] { return time_from_seconds(s, name); });
    // ... then exactly in nanoseconds.
    return Time{h.attr("astype")("timedelta64[ns]").attr("astype")("int64").cast<std::int64_t>()};
  }
  if (is_int(h) || pyb::isinstance<pyb::float_>(h) || pyb::isinstance(h, np.attr("floating"))) {
    double s = 0;
    try {
      s = pyb::reinterpret_steal<pyb::object>(PyNumber_Float(h.ptr())).cast<double>();
      if (PyErr_Occurred()) throw pyb::error_already_set();
    } catch (const pyb::error_already_set&) {  // an int too large for a float
      throw pyb::value_error(fmt::format("{}: time {} s out of range: expected at most +-9223372036 s", name,
                                         pyb::str(h).cast<std::string>()));
    }
    return checked([&] { return time_from_seconds(s, name); });
  }
  throw pyb::type_error(fmt::format("{}: expected {}; got {}", name, time_forms, type_name(h)));
}

Time time_ns_arg(const pyb::handle& h, const char* name) {
  return Time{int_arg(h, name, INT64_MIN, INT64_MAX)};
}

Time time_either(const pyb::handle& now, const pyb::handle& time_ns, Time fallback) {
  if (!now.is_none() && !time_ns.is_none()) throw pyb::type_error("give now= (seconds, '10ms', timedelta) or time_ns=, not both");
  if (!now.is_none()) return time_arg(now, "now");
  if (!time_ns.is_none()) return time_ns_arg(time_ns, "time_ns");
  return fallback;
}

std::int64_t int_arg(const pyb::handle& h, const char* name, std::int64_t lo, std::int64_t hi) {
  if (!is_int(h)) {
    const bool is_float = pyb::isinstance<pyb::float_>(h);
    throw pyb::type_error(fmt::format("{}: expected an integer from {} to {}; got {}{}", name, lo, hi, type_name(h),
                                      is_float && std::string_view(name).ends_with("_ns")
                                          ? " (integer nanoseconds; pass seconds or '10ms' through the argument without _ns)"
                                          : ""));
  }
  const pyb::object v = h.attr("__index__")();
  const pyb::object plo = pyb::int_(lo), phi = pyb::int_(hi);
  if (v < plo || v > phi)
    throw pyb::value_error(fmt::format("{}: {} out of range: expected an integer from {} to {}", name,
                                       std::string(pyb::str(v)), lo, hi));
  return v.cast<std::int64_t>();
}

std::uint64_t uint64_arg(const pyb::handle& h, const char* name) {
  if (!is_int(h)) throw pyb::type_error(fmt::format("{}: expected an integer from 0 to {}; got {}", name, UINT64_MAX, type_name(h)));
  const pyb::object v = h.attr("__index__")();
  if (v < pyb::int_(0) || v > pyb::int_(UINT64_MAX))
    throw pyb::value_error(fmt::format("{}: {} out of range: expected an integer from 0 to {}", name,
                                       std::string(pyb::str(v)), UINT64_MAX));
  return v.cast<std::uint64_t>();
}

net::Mac mac_arg(const pyb::handle& h, const char* name) {
  if (pyb::isinstance<net::Mac>(h)) return h.cast<net::Mac>();
  if (pyb::isinstance<pyb::str>(h)) {
    try {
      return net::Mac::parse(h.cast<std::string>());
    } catch (const Error& e) {
      throw pyb::value_error(fmt::format("{}: {}", name, e.what()));
    }
  }
  if (is_int(h)) return net::Mac::from_u64(static_cast<std::uint64_t>(int_arg(h, name, 0, (1LL << 48) - 1)));
  if (pyb::isinstance<pyb::bytes>(h) || pyb::isinstance<pyb::bytearray>(h) || pyb::isinstance<pyb::memoryview>(h) ||
      pyb::isinstance<pyb::array>(h)) {
    const auto b = frame_bytes(h, name);
    if (b.size() != 6) throw pyb::value_error(fmt::format("{}: a MAC has 6 bytes, got {}", name, b.size()));
    return net::Mac::from_bytes(b.data());
  }
  throw pyb::type_error(fmt::format("{}: expected a MAC as '00:25:90:11:22:33', an int below 2**48, 6 bytes or "
                                    "fwd.net.Mac; got {}", name, type_name(h)));
}

net::Ipv4 ipv4_arg(const pyb::handle& h, const char* name) {
  if (pyb::isinstance<net::Ipv4>(h)) return h.cast<net::Ipv4>();
  if (pyb::isinstance<pyb::str>(h)) {
    try {
      return net::Ipv4::parse(h.cast<std::string>());
    } catch (const Error& e) {
      throw pyb::value_error(fmt::format("{}: {}", name, e.what()));
    }
  }
  if (is_int(h)) return net::Ipv4{static_cast<std::uint32_t>(int_arg(h, name, 0, 0xffffffffLL))};
  throw pyb::type_error(fmt::format("{}: expected an IPv4 address as '10.0.0.1', an int below 2**32 or fwd.net.Ipv4; "
                                    "got {}", name, type_name(h)));
}

net::Ipv6 ipv6_arg(const pyb::handle& h, const char* name) {
  if (pyb::isinstance<net::Ipv6>(h)) return h.cast<net::Ipv6>();
  if (pyb::isinstance<pyb::str>(h)) {
    try {
      return net::Ipv6::parse(h.cast<std::string>());
    } catch (const Error& e) {
      throw pyb::value_error(fmt::format("{}: {}", name, e.what()));
    }
  }
  throw pyb::type_error(fmt::format("{}: expected an IPv6 address as '2001:db8::1' or fwd.net.Ipv6; got {}", name,
                                    type_name(h)));
}

bool bool_arg(const pyb::handle& h, const char* name) {
  if (pyb::isinstance<pyb::bool_>(h)) return h.cast<bool>();
  const auto np = pyb::module_::import("numpy");
  if (pyb::isinstance(h, np.attr("bool_"))) return h.cast<bool>();
  throw pyb::type_error(fmt::format("{}: expected True or False; got {}", name, type_name(h)));
}

}  // namespace fwd::py
