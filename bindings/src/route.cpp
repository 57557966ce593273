// fwd._fwd.route: ECMP next-hop selection of real systems (NextHop, PathSet, Ecmp, Explanation).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "describe.hpp"
#include "parallel.hpp"
#include "fwd/error.hpp"
#include "fwd/route/ecmp.hpp"

namespace fwd::py {

namespace pyb = pybind11;
using namespace fwd::route;

namespace {

/// rx_hash_l4: True, False or "auto" (decide as the kernel's software flow hash does).
struct L4Flag {
  bool value = true, automatic = false;
};

Meta make_meta(const std::string& lookup, const std::optional<std::uint32_t>& rx_hash, L4Flag rx_hash_l4,
               std::int64_t time_ns) {
  Meta m;
  m.lookup = lookup_from_name(lookup);
  m.rx_hash = rx_hash;
  m.rx_hash_l4 = rx_hash_l4.value;
  m.rx_hash_l4_auto = rx_hash_l4.automatic;
  m.now = Time::from_ns(time_ns);
  return m;
}

L4Flag l4_arg(const pyb::object& o) {
  if (pyb::isinstance<pyb::str>(o)) {
    if (o.cast<std::string>() == "auto") return {true, true};
    throw Error("rx_hash_l4 '" + o.cast<std::string>() + "': expected True, False or 'auto'");
  }
  return {o.cast<bool>(), false};
}

Family family_arg(int f) {
  if (f == 4) return Family::ipv4;
  if (f == 6) return Family::ipv6;
  throw Error(fmt::format("family {}: expected 4 or 6", f));
}

Flow flow_args(const std::string& src, const std::string& dst, std::optional<int> proto, int sport, int dport,
               std::uint32_t flowlabel) {
  if (sport < 0 || sport > 65535 || dport < 0 || dport > 65535)
    throw Error(fmt::format("ports {}, {}: expected 0 to 65535", sport, dport));
  if (proto && (*proto < 0 || *proto > 255)) throw Error(fmt::format("proto {}: expected 0 to 255", *proto));
  std::optional<std::uint8_t> p;
  if (proto) p = static_cast<std::uint8_t>(*proto);
  Flow f = Flow::make(src.empty() ? Address::parse(dst.find(':') != std::string::npos ? "::" : "0.0.0.0")
                                  : Address::parse(src),
                      Address::parse(dst), p, static_cast<std::uint16_t>(sport), static_cast<std::uint16_t>(dport),
                      flowlabel);
  if (src.empty()) f.flags &= static_cast<std::uint8_t>(~flow_has_src);
  return f;
}

std::span<const Flow> flow_span(const pyb::array& a) {
  if (a.ndim() != 1) throw Error(fmt::format("flows must be a 1-D array of fwd.route.FLOW_DTYPE, got {} dims", a.ndim()));
  if (a.itemsize() != sizeof(Flow) || !(a.flags() & pyb::array::c_style))
    throw Error("flows must be a C-contiguous numpy array of fwd.route.FLOW_DTYPE (48-byte records)");
  return {static_cast<const Flow*>(a.data()), static_cast<std::size_t>(a.shape(0))};
}

const std::uint32_t* rx_array(const pyb::object& rx, std::size_t n, pyb::array_t<std::uint32_t>& keep) {
  if (rx.is_none()) return nullptr;
  keep = pyb::array_t<std::uint32_t, pyb::array::c_style | pyb::array::forcecast>::ensure(rx);
  if (!keep || keep.ndim() != 1 || static_cast<std::size_t>(keep.shape(0)) != n)
    throw Error(fmt::format("rx_hashes must be a 1-D uint32 array of {} values (one per row)", n));
  return keep.data();
}

/// Pickled forms of the route values: plain tuples of their fields (times in ns), rebuilt field by
/// field, so a copy equals the original whatever was set after construction.
pyb::tuple nexthop_state(const NextHop& n) {
  return pyb::make_tuple(n.gateway, n.device, n.weight, n.prefsrc ? n.prefsrc->to_string() : std::string(), n.id,
                         n.dead, n.linkdown, n.neigh_valid);
}
NextHop nexthop_from(const pyb::tuple& t) {
  if (t.size() != 8)
    throw pyb::value_error("NextHop pickle: expected (gateway, device, weight, prefsrc, id, dead, linkdown, neigh_valid)");
  NextHop n;
  n.gateway = t[0].cast<std::string>();
  n.device = t[1].cast<std::string>();
  n.weight = t[2].cast<std::uint32_t>();
  if (const auto src = t[3].cast<std::string>(); !src.empty()) n.prefsrc = Address::parse(src);
  n.id = t[4].cast<std::uint32_t>();
  n.dead = t[5].cast<bool>();
  n.linkdown = t[6].cast<bool>();
  n.neigh_valid = t[7].cast<bool>();
  return n;
}
pyb::tuple pathset_state(const PathSet& p, const std::vector<std::uint32_t>& buckets) {
  pyb::list hops;
  for (const auto& n : p.nexthops) hops.append(nexthop_state(n));
  return pyb::make_tuple(std::string(name(p.kind)), static_cast<int>(p.family), hops, p.num_buckets, p.idle_timer.ns,
                         p.unbalanced_timer.ns, buckets);
}
PathSet pathset_from(const pyb::tuple& t) {
  if (t.size() != 7)
    throw pyb::value_error("PathSet pickle: expected (kind, family, nexthops, num_buckets, idle_timer_ns, "
                           "unbalanced_timer_ns, buckets)");
  PathSet p;
  p.kind = group_kind_from_name(t[0].cast<std::string>());
  p.family = family_arg(t[1].cast<int>());
  for (const auto& h : t[2].cast<pyb::list>()) p.nexthops.push_back(nexthop_from(h.cast<pyb::tuple>()));
  p.num_buckets = t[3].cast<std::uint32_t>();
  p.idle_timer = Time::from_ns(t[4].cast<std::int64_t>());
  p.unbalanced_timer = Time::from_ns(t[5].cast<std::int64_t>());
  p.buckets = t[6].cast<std::vector<std::uint32_t>>();
  return p;
}

/// Runs a selection over rows [0, n) of a batch. Selecting only reads an Ecmp, except on a
/// resilient group (buckets are marked used, upkeep may run): that one goes in row order on the
/// calling thread, exactly as one select_batch call; every other group is split over `threads`
/// (parallel.hpp), each row's choice its own, so the result is the same for any count.
template <class Work> void select_rows(const Ecmp& e, std::size_t n, unsigned threads, Work&& work) {
  if (e.paths().kind == route::GroupKind::resilient) {
    pyb::gil_scoped_release nogil;
    work(std::size_t{0}, n);
    return;
  }
  run_batch(n, threads, work);
}

}  // namespace

void bind_route(pyb::module_& m) {
  pyb::class_<NextHop>(m, "NextHop", "One path of a multipath route / one member of a nexthop group.")
      .def(pyb::init([](std::string gateway, std::string device, std::uint32_t weight, std::optional<std::string> prefsrc,
                        std::uint32_t id, bool dead, bool linkdown, bool neigh_valid) {
             NextHop n;
             n.gateway = std::move(gateway);
             n.device = std::move(device);
             n.weight = weight;
             if (prefsrc && !prefsrc->empty()) n.prefsrc = Address::parse(*prefsrc);
             n.id = id;
             n.dead = dead;
             n.linkdown = linkdown;
             n.neigh_valid = neigh_valid;
             return n;
           }),
           pyb::arg("gateway") = "", pyb::arg("device") = "", pyb::arg("weight") = 1, pyb::arg("prefsrc") = pyb::none(),
           pyb::arg("id") = 0, pyb::arg("dead") = false, pyb::arg("linkdown") = false, pyb::arg("neigh_valid") = true,
           "NextHop(gateway='', device='', weight=1, prefsrc=None, id=0, dead=False, linkdown=False, neigh_valid=True)")
      .def_readwrite("gateway", &NextHop::gateway, "`via` address as text")
      .def_readwrite("device", &NextHop::device, "egress device")
      .def_readwrite("weight", &NextHop::weight, "weight 1..256")
      .def_property("prefsrc",
                    [](const NextHop& n) -> pyb::object { return n.prefsrc ? pyb::cast(n.prefsrc->to_string()) : pyb::none(); },
                    [](NextHop& n, std::optional<std::string> s) {
                      if (s && !s->empty()) n.prefsrc = Address::parse(*s);
                      else n.prefsrc.reset();
                    },
                    "preferred source address of the path (IPv4 source-address preference), or None")
      .def_readwrite("id", &NextHop::id, "nexthop object id (groups)")
      .def_readwrite("dead", &NextHop::dead, "RTNH_F_DEAD: out of the hash")
      .def_readwrite("linkdown", &NextHop::linkdown, "RTNH_F_LINKDOWN: out only with ignore_routes_with_linkdown=1")
      .def_readwrite("neigh_valid", &NextHop::neigh_valid, "neighbour usable (hash-threshold groups skip invalid)")
      .def("__repr__", [](const NextHop& n) { return "NextHop(" + n.to_string() + ")"; })
      .def(pyb::pickle(&nexthop_state, &nexthop_from), "Pickles every field (flags included).");

  pyb::class_<PathSet>(m, "PathSet", "A multipath route or nexthop group: next hops in kernel order.")
      .def(pyb::init([](std::vector<NextHop> nexthops, const std::string& kind, int family, std::uint32_t num_buckets,
                        const pyb::object& idle_timer, const pyb::object& unbalanced_timer,
                        std::vector<std::uint32_t> buckets) {
             PathSet p;
             p.nexthops = std::move(nexthops);
             p.kind = group_kind_from_name(kind);
             p.family = family_arg(family);
             p.num_buckets = num_buckets;
             p.idle_timer = time_arg(idle_timer, "idle_timer");
             p.unbalanced_timer = time_arg(unbalanced_timer, "unbalanced_timer");
             p.buckets = std::move(buckets);
             return p;
           }),
           pyb::arg("nexthops"), pyb::arg("kind") = "multipath", pyb::arg("family") = 4, pyb::arg("num_buckets") = 128,
           pyb::arg("idle_timer") = pyb::float_(120.0), pyb::arg("unbalanced_timer") = pyb::float_(0.0),
           pyb::arg("buckets") = std::vector<std::uint32_t>{},
           "PathSet(nexthops, kind='multipath'|'hash-threshold'|'resilient', family=4|6, num_buckets=128, "
           "idle_timer=120.0 s, unbalanced_timer=0.0 s (times: seconds, '500ms', datetime.timedelta or "
           "numpy.timedelta64), buckets=[] (starting table as member ids))")
      .def_property_readonly("idle_timer", [](const PathSet& p) { return p.idle_timer.seconds(); },
                             "resilient groups: idle timer, seconds")
      .def_property_readonly("unbalanced_timer", [](const PathSet& p) { return p.unbalanced_timer.seconds(); },
                             "resilient groups: unbalanced timer, seconds (0 = off)")
      .def_readwrite("nexthops", &PathSet::nexthops, "the next hops (list of NextHop)")
      .def_property_readonly("kind", [](const PathSet& p) { return std::string(name(p.kind)); }, "path set kind")
      .def_property_readonly("family", [](const PathSet& p) { return static_cast<int>(p.family); }, "4 or 6")
      .def_readwrite("num_buckets", &PathSet::num_buckets, "resilient groups: number of buckets")
      .def("__repr__", [](const PathSet& p) {
        return "<PathSet " + std::string(name(p.kind)) + " IPv" + std::to_string(static_cast<int>(p.family)) + " " +
               std::to_string(p.nexthops.size()) + " next hops>";
      })
      .def(pyb::pickle([](const PathSet& p) { return pathset_state(p, p.buckets); }, &pathset_from),
           "Pickles every field (timers exactly, in ns).");

  pyb::class_<Explanation>(m, "Explanation", "How a next hop was chosen: fields, hashed bytes, hash, bounds/bucket.")
      .def_readonly("spec", &Explanation::spec, "canonical spec of the Ecmp")
      .def_readonly("follows", &Explanation::follows, "what the behaviour follows")
      .def_readonly("path", &Explanation::path, "which hash path was taken")
      .def_readonly("fields", &Explanation::fields, "the fields hashed, 'name=value'")
      .def_property_readonly("hashed", [](const Explanation& e) { return pyb::bytes(reinterpret_cast<const char*>(e.hashed.data()), e.hashed.size()); }, "bytes hashed")
      .def_property_readonly("inner_hashed", [](const Explanation& e) { return pyb::bytes(reinterpret_cast<const char*>(e.inner_hashed.data()), e.inner_hashed.size()); }, "policy 3: bytes of the inner hash")
      .def_readonly("outer_hash", &Explanation::outer_hash, "policy 3: hash of the outer fields (jhash_2words input a)")
      .def_readonly("inner_hash", &Explanation::inner_hash, "policy 3: hash of the inner fields (jhash_2words input b)")
      .def_readonly("hash", &Explanation::hash, "32-bit flow hash / flowid / vendor hash")
      .def_readonly("h", &Explanation::h, "value the selection used (Linux: hash >> 1)")
      .def_readonly("upper_bounds", &Explanation::upper_bounds, "hash-threshold upper bounds (-1 = out of the hash)")
      .def_readonly("bucket", &Explanation::bucket, "resilient bucket / FreeBSD slot / vendor index, or None")
      .def_readonly("step", &Explanation::step, "the selection rule applied, one line")
      .def_readonly("chosen", &Explanation::chosen, "index of the next hop, -1 = none")
      .def_readonly("nexthop", &Explanation::nexthop, "chosen next hop as text")
      .def("to_text", &Explanation::to_text, "multi-line text")
      .def("to_json", [](const Explanation& e) { return to_python(e.to_json()); }, "the explanation as a dict (the JSON twin of to_text())")
      .def("__str__", &Explanation::to_text)
      .def("__repr__", [](const Explanation& e) {
        return "<Explanation " + e.spec + " hash=" + std::to_string(e.hash) + " -> " +
               (e.nexthop.empty() ? std::string("no path") : e.nexthop) + ">";
      });

  pyb::class_<Ecmp>(m, "Ecmp",
                    "ECMP next-hop selection of a named system over a PathSet. Ecmp(spec, paths); see fwd.route.")
      .def(pyb::init([](const std::string& spec, PathSet paths) { return Ecmp::from_spec(spec, std::move(paths)); }),
           pyb::arg("spec"), pyb::arg("paths"), "Builds from an ECMP spec string and a PathSet (ValueError on bad input)")
      .def_property_readonly("spec", &Ecmp::spec, "canonical spec string")
      .def_property_readonly("system", [](const Ecmp& e) { return std::string(name(e.system())); }, "linux-6.18, linux-6.12, freebsd-13 or vendor")
      .def_property_readonly("follows", &Ecmp::follows, "what the behaviour follows")
      .def_property_readonly("paths", &Ecmp::paths, "the PathSet (copy)")
      .def("__len__", &Ecmp::size, "number of next hops")
      .def("set_dead", [](Ecmp& e, std::size_t i, bool v, std::int64_t t) { e.set_dead(i, v, Time::from_ns(t)); },
           pyb::arg("index"), pyb::arg("dead") = true, pyb::arg("time_ns") = 0,
           "marks next hop `index` dead (device down) or alive; bounds/table recomputed")
      .def("set_linkdown", [](Ecmp& e, std::size_t i, bool v, std::int64_t t) { e.set_linkdown(i, v, Time::from_ns(t)); },
           pyb::arg("index"), pyb::arg("linkdown") = true, pyb::arg("time_ns") = 0,
           "marks next hop `index` link-down (carrier lost) or up")
      .def("set_neigh_valid", [](Ecmp& e, std::size_t i, bool v, std::int64_t t) { e.set_neigh_valid(i, v, Time::from_ns(t)); },
           pyb::arg("index"), pyb::arg("valid") = true, pyb::arg("time_ns") = 0,
           "neighbour state of next hop `index`")
      .def("replace", [](Ecmp& e, std::vector<NextHop> n, std::int64_t t) { e.replace(std::move(n), Time::from_ns(t)); },
           pyb::arg("nexthops"), pyb::arg("time_ns") = 0, "`ip nexthop replace` / `ip route replace` with new members")
      .def("remove_nexthop", [](Ecmp& e, std::uint32_t id, std::int64_t t) { e.remove_nexthop(id, Time::from_ns(t)); },
           pyb::arg("id"), pyb::arg("time_ns") = 0, "`ip nexthop del id N`: the member leaves the group")
      .def("run", [](Ecmp& e, std::int64_t t) { e.run(Time::from_ns(t)); }, pyb::arg("time_ns"),
           "periodic work at virtual time time_ns (resilient upkeep)")
      .def_property_readonly("upper_bounds", &Ecmp::upper_bounds, "hash-threshold upper bounds (-1 = out)")
      .def_property_readonly("buckets", &Ecmp::buckets, "resilient table: next-hop index per bucket (-1 empty)")
      .def_property_readonly("bucket_ids", &Ecmp::bucket_ids, "resilient table: member id per bucket")
      .def("select",
           [](Ecmp& e, const pyb::object& packet, const std::string& lookup, std::optional<std::uint32_t> rx_hash,
              const pyb::object& rx_hash_l4, std::int64_t time_ns) {
             const auto b = frame_bytes(packet, "packet");
             return e.select(net::Bytes(b.data(), b.size()), make_meta(lookup, rx_hash, l4_arg(rx_hash_l4), time_ns));
           },
           pyb::arg("packet"), pyb::arg("lookup") = "forward", pyb::arg("rx_hash") = pyb::none(),
           pyb::arg("rx_hash_l4") = true, pyb::arg("time_ns") = 0,
           "next-hop index for a raw IPv4/IPv6 packet (no L2 header); -1 = no usable path")
      .def("select_flow",
           [](Ecmp& e, const std::string& src, const std::string& dst, std::optional<int> proto, int sport, int dport,
              std::uint32_t flowlabel, const std::string& lookup, std::optional<std::uint32_t> rx_hash, const pyb::object& rx_hash_l4,
              std::int64_t time_ns) {
             return e.select(flow_args(src, dst, proto, sport, dport, flowlabel),
                             make_meta(lookup, rx_hash, l4_arg(rx_hash_l4), time_ns));
           },
           pyb::arg("src"), pyb::arg("dst"), pyb::arg("proto") = pyb::none(), pyb::arg("sport") = 0,
           pyb::arg("dport") = 0, pyb::arg("flowlabel") = 0, pyb::arg("lookup") = "forward",
           pyb::arg("rx_hash") = pyb::none(), pyb::arg("rx_hash_l4") = true, pyb::arg("time_ns") = 0,
           "next-hop index for a flow description (`ip route get` arguments; src '' = not given, proto None = "
           "not given); lookup forward|local|socket|packet")
      .def("hash_flow",
           [](const Ecmp& e, const std::string& src, const std::string& dst, std::optional<int> proto, int sport,
              int dport, std::uint32_t flowlabel, const std::string& lookup) {
             return e.hash(flow_args(src, dst, proto, sport, dport, flowlabel), make_meta(lookup, {}, L4Flag{}, 0));
           },
           pyb::arg("src"), pyb::arg("dst"), pyb::arg("proto") = pyb::none(), pyb::arg("sport") = 0,
           pyb::arg("dport") = 0, pyb::arg("flowlabel") = 0, pyb::arg("lookup") = "forward",
           "the selection value of a flow (Linux: the 31-bit multipath hash h)")
      .def("hash",
           [](const Ecmp& e, const pyb::object& packet, const std::string& lookup, std::optional<std::uint32_t> rx_hash,
              const pyb::object& rx_hash_l4) {
             const auto b = frame_bytes(packet, "packet");
             return e.hash(net::Bytes(b.data(), b.size()), make_meta(lookup, rx_hash, l4_arg(rx_hash_l4), 0));
           },
           pyb::arg("packet"), pyb::arg("lookup") = "forward", pyb::arg("rx_hash") = pyb::none(),
           pyb::arg("rx_hash_l4") = true, "the selection value of a packet (Linux: h, 31 bits)")
      .def("explain",
           [](const Ecmp& e, const pyb::object& packet, const std::string& lookup, std::optional<std::uint32_t> rx_hash,
              const pyb::object& rx_hash_l4) {
             const auto b = frame_bytes(packet, "packet");
             return e.explain(net::Bytes(b.data(), b.size()), make_meta(lookup, rx_hash, l4_arg(rx_hash_l4), 0));
           },
           pyb::arg("packet"), pyb::arg("lookup") = "forward", pyb::arg("rx_hash") = pyb::none(),
           pyb::arg("rx_hash_l4") = true, "Explanation of the choice for a packet (no state change)")
      .def("explain_flow",
           [](const Ecmp& e, const std::string& src, const std::string& dst, std::optional<int> proto, int sport,
              int dport, std::uint32_t flowlabel, const std::string& lookup, std::optional<std::uint32_t> rx_hash,
              const pyb::object& rx_hash_l4) {
             return e.explain(flow_args(src, dst, proto, sport, dport, flowlabel),
                              make_meta(lookup, rx_hash, l4_arg(rx_hash_l4), 0));
           },
           pyb::arg("src"), pyb::arg("dst"), pyb::arg("proto") = pyb::none(), pyb::arg("sport") = 0,
           pyb::arg("dport") = 0, pyb::arg("flowlabel") = 0, pyb::arg("lookup") = "forward",
           pyb::arg("rx_hash") = pyb::none(), pyb::arg("rx_hash_l4") = true,
           "Explanation of the choice for a flow description")
      .def("select_batch",
           [](Ecmp& e, const pyb::array& flows, const std::string& lookup, const pyb::object& rx_hashes,
              const pyb::object& rx_hash_l4, std::int64_t time_ns, const pyb::object& threads) {
             const unsigned nthreads = threads_arg(threads);
             const auto span = flow_span(flows);
             pyb::array_t<std::uint32_t> keep;
             const std::uint32_t* rx = rx_array(rx_hashes, span.size(), keep);
             const Meta meta = make_meta(lookup, {}, l4_arg(rx_hash_l4), time_ns);
             pyb::array_t<std::int32_t> out(static_cast<pyb::ssize_t>(span.size()));
             std::int32_t* o = out.mutable_data();
             select_rows(e, span.size(), nthreads, [&](std::size_t lo, std::size_t hi) {
               e.select_batch(span.subspan(lo, hi - lo), o + lo, meta, rx ? rx + lo : nullptr);
             });
             return out;
           },
           pyb::arg("flows"), pyb::arg("lookup") = "forward", pyb::arg("rx_hashes") = pyb::none(),
           pyb::arg("rx_hash_l4") = true, pyb::arg("time_ns") = 0, pyb::kw_only(), pyb::arg("threads") = 1,
           "int32 next-hop index per row of a FLOW_DTYPE array (GIL released); rx_hashes: optional uint32 per row. "
           "threads: 1 (default), N, or 0 for every core; the same result for any count (a resilient group, "
           "which marks buckets as it selects, always runs in row order on one thread)")
      .def("select_packets",
           [](Ecmp& e, const pyb::object& packets, const pyb::object& lengths, const std::string& lookup,
              const pyb::object& rx_hashes, const pyb::object& rx_hash_l4, std::int64_t time_ns,
              const pyb::object& threads) {
             const unsigned nthreads = threads_arg(threads);
             FrameBatch fb = frame_batch(packets, lengths);
             PacketBatch pb{fb.frames.data(), fb.stride, fb.count, fb.lengths_ptr()};
             pyb::array_t<std::uint32_t> keep;
             const std::uint32_t* rx = rx_array(rx_hashes, fb.count, keep);
             const Meta meta = make_meta(lookup, {}, l4_arg(rx_hash_l4), time_ns);
             pyb::array_t<std::int32_t> out(static_cast<pyb::ssize_t>(fb.count));
             std::int32_t* o = out.mutable_data();
             select_rows(e, fb.count, nthreads, [&](std::size_t lo, std::size_t hi) {
               const PacketBatch part{pb.data + lo * pb.stride, pb.stride, hi - lo, pb.lengths ? pb.lengths + lo : nullptr};
               e.select_batch(part, o + lo, meta, rx ? rx + lo : nullptr);
             });
             return out;
           },
           pyb::arg("packets"), pyb::arg("lengths") = pyb::none(), pyb::arg("lookup") = "forward",
           pyb::arg("rx_hashes") = pyb::none(), pyb::arg("rx_hash_l4") = true, pyb::arg("time_ns") = 0,
           pyb::kw_only(), pyb::arg("threads") = 1,
           "int32 next-hop index per row of a 2-D uint8 array of raw IP packets (GIL released); threads as for "
           "select_batch")
      .def("hash_batch",
           [](const Ecmp& e, const pyb::array& flows, const std::string& lookup, const pyb::object& threads) {
             const unsigned nthreads = threads_arg(threads);
             const auto span = flow_span(flows);
             const Meta meta = make_meta(lookup, {}, L4Flag{}, 0);
             pyb::array_t<std::uint32_t> out(static_cast<pyb::ssize_t>(span.size()));
             std::uint32_t* o = out.mutable_data();
             // hash() only reads: rows split over threads, each row's value its own.
             run_batch(span.size(), nthreads, [&](std::size_t lo, std::size_t hi) {
               e.hash_batch(span.subspan(lo, hi - lo), o + lo, meta);
             });
             return out;
           },
           pyb::arg("flows"), pyb::arg("lookup") = "forward", pyb::kw_only(), pyb::arg("threads") = 1,
           "uint32 selection value per flow row (GIL released); threads: 1 (default), N, or 0 for every core")
      .def("to_text", &Ecmp::to_text, "paths, bounds / buckets as text")
      .def("to_json", [](const Ecmp& e) { return to_python(e.to_json()); }, "paths, bounds / buckets as a dict (the JSON twin of to_text())")
      .def(pyb::pickle(
               [](const Ecmp& e) {
                 // A resilient group's current table rides as the starting table of the copy.
                 const bool resilient = e.paths().kind == GroupKind::resilient;
                 return pyb::make_tuple(e.spec(), pathset_state(e.paths(), resilient ? e.bucket_ids() : e.paths().buckets));
               },
               [](const pyb::tuple& t) {
                 if (t.size() != 2) throw pyb::value_error("Ecmp pickle: expected (spec, paths)");
                 return Ecmp::from_spec(t[0].cast<std::string>(), pathset_from(t[1].cast<pyb::tuple>()));
               }),
           "Pickles as its spec and PathSet (next-hop flags included); a resilient group's bucket table is "
           "kept, its bucket activity times start afresh (as in a group created with that table).")
      .def("__copy__", [](const Ecmp& e) { return Ecmp(e); })
      .def("copy", [](const Ecmp& e) { return Ecmp(e); }, "an independent copy (what-if studies)")
      .def("__repr__", [](const Ecmp& e) { return "Ecmp('" + e.spec() + "', " + std::to_string(e.size()) + " next hops)"; });

  m.attr("FLOW_SIZE") = sizeof(Flow);
}

}  // namespace fwd::py
