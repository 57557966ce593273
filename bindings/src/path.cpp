// fwd._fwd.path: Fabric (build, change state), trace (numpy out, GIL released), loads,
// polarization and what-if. The pure-Python fwd.path wraps these with names, pandas and plots.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "parallel.hpp"
#include "fwd/error.hpp"
#include "fwd/path/fabric.hpp"
#include "fwd/path/metrics.hpp"
#include "fwd/path/trace.hpp"

namespace fwd::py {

namespace {

using namespace fwd::path;

std::optional<net::Mac> opt_mac(const pyb::object& o) {
  if (o.is_none()) return std::nullopt;
  return net::Mac::parse(pyb::str(o).cast<std::string>());
}

PortId port_arg(const Fabric& f, const pyb::object& o) {
  if (pyb::isinstance<pyb::int_>(o)) {
    const auto p = o.cast<std::int64_t>();
    if (p < 0 || static_cast<std::size_t>(p) >= f.ports().size())
      throw Error(fmt::format("port id {} out of range (the fabric has {} ports)", p, f.ports().size()));
    return static_cast<PortId>(p);
  }
  return f.port_id(o.cast<std::string>());
}

NodeId node_arg(const Fabric& f, const pyb::object& o) {
  if (pyb::isinstance<pyb::int_>(o)) {
    const auto n = o.cast<std::int64_t>();
    if (n < 0 || static_cast<std::size_t>(n) >= f.nodes().size())
      throw Error(fmt::format("node id {} out of range (the fabric has {} nodes)", n, f.nodes().size()));
    return static_cast<NodeId>(n);
  }
  return f.node_id(o.cast<std::string>());
}

template <class T>
const T* arr(const pyb::dict& d, const char* key, std::size_t n, bool required = true) {
  if (!d.contains(key)) {
    if (required) throw Error(fmt::format("paths: missing array '{}'", key));
    return nullptr;
  }
  auto a = pyb::array_t<T, pyb::array::c_style>::ensure(d[key]);
  if (!a) throw Error(fmt::format("paths['{}'] must be a numpy array of {}", key, pyb::dtype::of<T>().attr("name").template cast<std::string>()));
  if (static_cast<std::size_t>(a.size()) != n)
    throw Error(fmt::format("paths['{}'] has {} entries, expected {}", key, a.size(), n));
  // Keep the (possibly converted) array alive in the dict for the duration of the call.
  d[key] = a;
  return a.data();
}

PathView view_of(const pyb::dict& d) {
  PathView v;
  auto get = [&](const char* k) { return d.contains(k) ? pyb::object(d[k]) : pyb::object(pyb::none()); };
  auto nh = pyb::array::ensure(get("n_hops"));
  if (!nh) throw Error("paths: missing array 'n_hops' (pass what Fabric.trace returned)");
  auto hop = pyb::array::ensure(get("hop_node"));
  if (!hop || hop.ndim() != 2) throw Error("paths['hop_node'] must be a 2-D array (flows x max_hops)");
  v.count = static_cast<std::size_t>(hop.shape(0));
  v.max_hops = static_cast<std::size_t>(hop.shape(1));
  const std::size_t nn = v.count * v.max_hops;
  v.hop_node = arr<std::int32_t>(d, "hop_node", nn);
  v.hop_port = arr<std::int32_t>(d, "hop_port", nn);
  v.hop_dev = arr<std::int32_t>(d, "hop_dev", nn, false);
  v.hop_nexthop = arr<std::int32_t>(d, "hop_nexthop", nn, false);
  v.n_hops = arr<std::uint8_t>(d, "n_hops", v.count);
  v.end_node = arr<std::int32_t>(d, "end_node", v.count);
  v.end_port = arr<std::int32_t>(d, "end_port", v.count, false);
  v.drop = arr<std::uint8_t>(d, "drop", v.count);
  v.drop_node = arr<std::int32_t>(d, "drop_node", v.count, false);
  return v;
}

template <class T>
pyb::array_t<T> to_array(const std::vector<T>& v) {
  pyb::array_t<T> a(v.size());
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

/// trace() over a batch, split over `threads` when every flow's path depends on that flow alone:
/// no LAG of the fabric keeps order-dependent state (OVS buckets, round robin) and the fabric's
/// multipath groups only read while picking. Each thread traces a contiguous range of flows into
/// its rows of the output, so the paths equal one thread's. Otherwise one call, flows in order.
void trace_split(const Fabric& f, const hash::Policy::Batch& batch, const Ingress& in, const PathOut& out,
                 const TraceOptions& opt, unsigned threads) {
  // order_dependent() also compiles the fabric here, before any thread reads its tables.
  if (f.order_dependent() || threads == 1 || batch.count == 0) {
    pybind11::gil_scoped_release nogil;
    trace(f, batch, in, out, opt);
    return;
  }
  run_batch(batch.count, threads, [&](std::size_t lo, std::size_t hi) {
    Ingress part = in;
    if (in.ports) part.ports = in.ports + lo;
    TraceOptions o = opt;
    if (opt.rx_hash) o.rx_hash = opt.rx_hash + lo * opt.rx_hash_stride;
    const std::size_t h = lo * out.max_hops;
    const auto at = [](auto* p, std::size_t k) { return p ? p + k : p; };
    const PathOut rows{out.max_hops,           at(out.hop_node, h),  at(out.hop_dev, h),   at(out.hop_port, h),
                       at(out.hop_nexthop, h), at(out.hop_rx_hash, h), at(out.n_hops, lo), at(out.end_node, lo),
                       at(out.end_port, lo),   at(out.drop, lo),     at(out.drop_node, lo)};
    trace(f, sub_batch(batch, lo, hi), part, rows, o);
  });
}

}  // namespace

void bind_path(pyb::module_& m) {
  m.attr("NONE") = -1;
  pyb::list drops;
  for (int d = 0; d < drop_reason_count; ++d) drops.append(std::string(path::name(static_cast<Drop>(d))));
  m.attr("DROP_REASONS") = drops;
  pyb::list descr;
  for (int d = 0; d < drop_reason_count; ++d) descr.append(std::string(path::describe(static_cast<Drop>(d))));
  m.attr("DROP_DESCRIPTIONS") = descr;

  pyb::class_<Fabric>(m, "Fabric", "A fabric: nodes (host, switch, router, sink), ports, links; see fwd.path.")
      .def(pyb::init<>())
      .def("__repr__", [](const Fabric& f) {
        return fmt::format("<Fabric nodes={} ports={} links={}>", f.nodes().size(), f.ports().size(), f.links().size());
      })
      .def("copy", [](const Fabric& f) { return Fabric(f); }, "An independent copy (what-if studies).")
      .def("add_node", [](Fabric& f, const std::string& name, const std::string& kind) {
             return f.add_node(name, node_kind_from_name(kind));
           }, pyb::arg("name"), pyb::arg("kind"), "Adds a node ('host', 'switch', 'router', 'sink') -> node id.")
      .def("add_port", [](Fabric& f, const pyb::object& node, const std::string& name, const pyb::object& mac) {
             return f.add_port(node_arg(f, node), name, opt_mac(mac));
           }, pyb::arg("node"), pyb::arg("name"), pyb::arg("mac") = pyb::none(), "Adds a physical port -> port id.")
      .def("add_lag", [](Fabric& f, const pyb::object& node, const std::string& name, const std::string& spec,
                         const std::vector<std::string>& members, const pyb::object& mac) {
             const NodeId n = node_arg(f, node);
             std::vector<PortId> ids;
             for (const auto& m2 : members) ids.push_back(f.port_id(n, m2));
             return f.add_lag(n, name, spec, ids, opt_mac(mac));
           }, pyb::arg("node"), pyb::arg("name"), pyb::arg("spec"), pyb::arg("members"), pyb::arg("mac") = pyb::none(),
           "A lagg (host) or LAG port (switch) over existing ports, with a LAG spec string -> port id.")
      .def("connect", [](Fabric& f, const pyb::object& a, const pyb::object& b) {
             return f.connect(port_arg(f, a), port_arg(f, b));
           }, pyb::arg("a"), pyb::arg("b"), "Links two physical ports ('node:port' or ids) -> link id.")
      .def("add_address", [](Fabric& f, const pyb::object& p, const std::string& cidr, bool route) {
             f.add_address(port_arg(f, p), cidr, route);
           }, pyb::arg("port"), pyb::arg("cidr"), pyb::arg("connected_route") = true,
           "An address with prefix length; adds the connected route unless connected_route=False.")
      .def("add_local", [](Fabric& f, const pyb::object& n, const std::string& prefix) { f.add_local(node_arg(f, n), prefix); },
           pyb::arg("node"), pyb::arg("prefix"), "A prefix the node owns (ends every packet to it).")
      .def("add_route", [](Fabric& f, const pyb::object& node, const std::string& prefix, const pyb::list& nexthops) {
             const NodeId n = node_arg(f, node);
             std::vector<NextHop> hops;
             for (const auto& item : nexthops) {
               NextHop h;
               pyb::object gw = pyb::none(), dev = pyb::none(), weight = pyb::int_(1);
               if (pyb::isinstance<pyb::dict>(item)) {
                 auto d = item.cast<pyb::dict>();
                 for (auto kv : d) {
                   const auto k = kv.first.cast<std::string>();
                   if (k != "gw" && k != "gateway" && k != "dev" && k != "weight")
                     throw Error(fmt::format("route {} on node '{}': unknown next-hop key '{}' (expected gw, dev, weight)",
                                             prefix, f.node(n).name, k));
                 }
                 if (d.contains("gw")) gw = d["gw"];
                 if (d.contains("gateway")) gw = d["gateway"];
                 if (d.contains("dev")) dev = d["dev"];
                 if (d.contains("weight")) weight = d["weight"];
               } else {
                 auto t = item.cast<pyb::tuple>();
                 if (t.size() < 2 || t.size() > 3)
                   throw Error(fmt::format("route {}: a next hop is (gateway, dev[, weight]) or a dict", prefix));
                 gw = t[0];
                 dev = t[1];
                 if (t.size() == 3) weight = t[2];
               }
               if (dev.is_none()) throw Error(fmt::format("route {} on node '{}': a next hop needs 'dev'", prefix, f.node(n).name));
               if (!gw.is_none() && !pyb::str(gw).cast<std::string>().empty())
                 h.gateway = Address::parse(pyb::str(gw).cast<std::string>());
               h.dev = f.port_id(n, pyb::str(dev).cast<std::string>());
               const auto w = weight.cast<std::int64_t>();
               if (w < 1 || w > 256) throw Error(fmt::format("route {}: weight {} out of range 1..256", prefix, w));
               h.weight = static_cast<std::uint16_t>(w);
               hops.push_back(std::move(h));
             }
             f.add_route(n, prefix, std::move(hops));
           }, pyb::arg("node"), pyb::arg("prefix"), pyb::arg("nexthops"),
           "A route: next hops as (gateway, dev[, weight]) tuples or {gw, dev, weight} dicts, in kernel order.")
      .def("add_neighbour", [](Fabric& f, const pyb::object& p, const std::string& ip, const std::string& mac) {
             f.add_neighbour(port_arg(f, p), ip, net::Mac::parse(mac));
           }, pyb::arg("port"), pyb::arg("ip"), pyb::arg("mac"), "A permanent neighbour entry on a device.")
      .def("set_forwarding", [](Fabric& f, const pyb::object& n, bool on) { f.set_forwarding(node_arg(f, n), on); },
           pyb::arg("node"), pyb::arg("on"), "net.ipv4/ipv6 forwarding of a node (a router forwards, a host does not).")
      .def("set_ecmp", [](Fabric& f, const pyb::object& n, const std::string& spec, const pyb::object& family) {
             const NodeId id = node_arg(f, n);
             if (family.is_none()) {
               f.set_ecmp(id, 4, spec);
               f.set_ecmp(id, 6, spec);
             } else {
               f.set_ecmp(id, family.cast<int>(), spec);
             }
           }, pyb::arg("node"), pyb::arg("spec"), pyb::arg("family") = pyb::none(),
           "The router's ECMP spec (fwd.route), for family 4, 6 or both (None).")
      .def("ecmp", [](const Fabric& f, const pyb::object& n, int family) {
             if (family != 4 && family != 6) throw Error(fmt::format("address family {}: expected 4 or 6", family));
             return f.node(node_arg(f, n)).ecmp_spec[family == 6];
           }, pyb::arg("node"), pyb::arg("family") = 4, "The node's ECMP spec (fwd.route) for family 4 or 6.")
      .def("set_admin", [](Fabric& f, const pyb::object& p, bool up) { f.set_admin(port_arg(f, p), up); },
           pyb::arg("port"), pyb::arg("up"), "Administrative state of a port (`ip link set X up/down`).")
      .def("set_link_up", [](Fabric& f, const pyb::object& p, bool up) {
             const PortId id = port_arg(f, p);
             if (f.link_of(id) == none) throw Error(fmt::format("port '{}' has no link", f.port_label(id)));
             f.set_link_up(f.link_of(id), up);
           }, pyb::arg("port"), pyb::arg("up"), "The link attached to a port up or down (carrier loss at both ends).")
      .def("set_node_up", [](Fabric& f, const pyb::object& n, bool up) { f.set_node_up(node_arg(f, n), up); },
           pyb::arg("node"), pyb::arg("up"), "Every port of the node administratively up/down.")
      .def("carrier", [](const Fabric& f, const pyb::object& p) { return f.carrier(port_arg(f, p)); }, pyb::arg("port"),
           "Carrier of a physical port: it and its peer administratively up and the link up.")
      .def("port_mac", [](const Fabric& f, const pyb::object& p) {
             const Port& pp = f.port(port_arg(f, p));
             return (pp.lag != none ? f.port(pp.lag).mac : pp.mac).to_string();
           }, pyb::arg("port"), "The MAC the port answers with (its lagg's for a member).")
      .def("node_id", [](const Fabric& f, const std::string& n) { return f.node_id(n); }, pyb::arg("name"),
           "The id of a node by name; ValueError listing the nodes.")
      .def("port_id", [](const Fabric& f, const std::string& p) { return f.port_id(p); }, pyb::arg("name"),
           "The id of a port named 'node:port'; ValueError listing the node's ports.")
      .def_property_readonly("node_names", [](const Fabric& f) {
        std::vector<std::string> v;
        for (const auto& n : f.nodes()) v.push_back(n.name);
        return v;
      }, "Node names, by node id.")
      .def_property_readonly("node_kinds", [](const Fabric& f) {
        std::vector<std::string> v;
        for (const auto& n : f.nodes()) v.emplace_back(path::name(n.kind));
        return v;
      }, "Node kinds (host, switch, router, sink), by node id.")
      .def_property_readonly("port_names", [](const Fabric& f) {
        std::vector<std::string> v;
        for (const auto& p : f.ports()) v.push_back(p.name);
        return v;
      }, "Port names, by port id.")
      .def_property_readonly("port_nodes", [](const Fabric& f) {
        std::vector<std::int32_t> v;
        for (const auto& p : f.ports()) v.push_back(p.node);
        return to_array(v);
      }, "int32 array by port id: the port's node id.")
      .def_property_readonly("port_peers", [](const Fabric& f) {
        std::vector<std::int32_t> v;
        for (const auto& p : f.ports()) v.push_back(p.peer);
        return to_array(v);
      }, "int32 array by port id: the port at the other end of its link (-1: none or a logical port).")
      .def_property_readonly("port_lags", [](const Fabric& f) {
        std::vector<std::int32_t> v;
        for (const auto& p : f.ports()) v.push_back(p.lag);
        return to_array(v);
      }, "int32 array by port id: the logical (lag) port a physical member belongs to (-1: none).")
      .def_property_readonly("port_carrier", [](const Fabric& f) {
        std::vector<std::uint8_t> v;
        for (std::size_t p = 0; p < f.ports().size(); ++p) v.push_back(f.carrier(static_cast<PortId>(p)) ? 1 : 0);
        return to_array(v);
      }, "uint8 array by port id: 1 where carrier() is true.")
      .def_property_readonly("port_admin", [](const Fabric& f) {
        std::vector<std::uint8_t> v;
        for (const auto& p : f.ports()) v.push_back(p.admin_up ? 1 : 0);
        return to_array(v);
      }, "uint8 array by port id: 1 where the port is administratively up.")
      .def_property_readonly("port_is_lag", [](const Fabric& f) {
        std::vector<std::uint8_t> v;
        for (const auto& p : f.ports()) v.push_back(p.members.empty() ? 0 : 1);
        return to_array(v);
      }, "uint8 array by port id: 1 for a logical (lag) port.")
      .def_property_readonly("nexthop_gateways", [](const Fabric& f) {
        std::vector<std::string> v;
        for (std::size_t k = 0; k < f.nexthops().size(); ++k) v.push_back(f.nexthop_gateway(static_cast<std::int32_t>(k)));
        return v;
      }, "Per global next hop id: its '[router, gateway, device]' text.")
      .def_property_readonly("nexthop_prefixes", [](const Fabric& f) {
        std::vector<std::string> v;
        for (const auto& ref : f.nexthops())
          v.push_back(f.node(ref.node).routes[ref.family == 6][static_cast<std::size_t>(ref.route)].dst.to_string());
        return v;
      }, "Per global next hop: the destination prefix of its route.")
      .def("node_ports", [](const Fabric& f, const pyb::object& n) {
        std::vector<std::int32_t> v(f.node(node_arg(f, n)).ports);
        return v;
      }, pyb::arg("node"), "The port ids of a node (name or id).")
      .def("compile", [](const Fabric& f) { f.compile(); }, "Builds the tables the tracer reads (checks the fabric).")
      .def("trace", [](const Fabric& f, const pyb::object& frames, const pyb::object& lengths, const pyb::object& ingress,
                       std::size_t max_hops, const pyb::object& rx_hash, const pyb::object& threads) {
             const unsigned nthreads = threads_arg(threads);
             const FrameBatch b = frame_batch(frames, lengths);
             const hash::Policy::Batch batch{b.frames.data(), b.stride, b.count, b.lengths_ptr()};
             Ingress in;
             pyb::array_t<std::int32_t, pyb::array::c_style | pyb::array::forcecast> per_flow;
             if (pyb::isinstance<pyb::str>(ingress)) {
               const auto s = ingress.cast<std::string>();
               if (s.find(':') == std::string::npos) in.node = f.node_id(s);
               else in.port = f.port_id(s);
             } else if (pyb::isinstance<pyb::int_>(ingress)) {
               in.port = port_arg(f, ingress);
             } else if (pyb::isinstance<pyb::array>(ingress)) {
               per_flow = pyb::array_t<std::int32_t, pyb::array::c_style | pyb::array::forcecast>::ensure(ingress);
               if (!per_flow || static_cast<std::size_t>(per_flow.size()) != b.count)
                 throw Error(fmt::format("ingress array must have one port id per frame ({})", b.count));
               in.ports = per_flow.data();
             } else {
               throw pyb::type_error("ingress must be 'node:port', 'node' (originated there), a port id or an array of port ids");
             }
             if (max_hops < 1 || max_hops > 255) throw Error(fmt::format("max_hops {} out of range 1..255", max_hops));
             TraceOptions opt;
             pyb::array_t<std::uint32_t, pyb::array::c_style | pyb::array::forcecast> rx;
             if (!rx_hash.is_none()) {
               rx = pyb::array_t<std::uint32_t, pyb::array::c_style | pyb::array::forcecast>::ensure(rx_hash);
               if (!rx || rx.ndim() != 2 || static_cast<std::size_t>(rx.shape(0)) != b.count ||
                   static_cast<std::size_t>(rx.shape(1)) != f.nodes().size())
                 throw Error(fmt::format("rx_hash must be a uint32 array of shape (flows, nodes) = ({}, {})", b.count,
                                         f.nodes().size()));
               opt.rx_hash = rx.data();
               opt.rx_hash_stride = f.nodes().size();
             }
             const auto n = static_cast<pyb::ssize_t>(b.count), H = static_cast<pyb::ssize_t>(max_hops);
             pyb::array_t<std::int32_t> hop_node({n, H}), hop_dev({n, H}), hop_port({n, H}), hop_nh({n, H});
             pyb::array_t<std::uint32_t> hop_rx({n, H});
             pyb::array_t<std::uint8_t> n_hops(n), drop(n);
             pyb::array_t<std::int32_t> end_node(n), end_port(n), drop_node(n);
             PathOut out{max_hops,           hop_node.mutable_data(), hop_dev.mutable_data(), hop_port.mutable_data(),
                         hop_nh.mutable_data(), hop_rx.mutable_data(), n_hops.mutable_data(), end_node.mutable_data(),
                         end_port.mutable_data(), drop.mutable_data(), drop_node.mutable_data()};
             if (!f.compiled()) f.compile();  // with the GIL: may throw
             trace_split(f, batch, in, out, opt, nthreads);
             pyb::dict d;
             d["hop_node"] = hop_node;
             d["hop_dev"] = hop_dev;
             d["hop_port"] = hop_port;
             d["hop_nexthop"] = hop_nh;
             d["hop_rx_hash"] = hop_rx;
             d["n_hops"] = n_hops;
             d["end_node"] = end_node;
             d["end_port"] = end_port;
             d["drop"] = drop;
             d["drop_node"] = drop_node;
             return d;
           }, pyb::arg("frames"), pyb::arg("lengths"), pyb::arg("ingress"), pyb::arg("max_hops") = 8,
           pyb::arg("rx_hash") = pyb::none(), pyb::kw_only(), pyb::arg("threads") = 1,
           "Every frame's path -> dict of numpy arrays (hop_node, hop_dev, hop_port, hop_nexthop, hop_rx_hash: "
           "flows x max_hops, -1 unused; n_hops, end_node, end_port, drop, drop_node). GIL released; one trace "
           "at a time per Fabric (LAG and resilient-group state advances as on live devices). threads: 1 "
           "(default), N, or 0 for every core: flows split over threads when no LAG of the fabric depends on "
           "frame order (OVS, round robin), else one thread; the same paths for any count.")
      .def("load", [](const Fabric& f, const pyb::dict& paths) {
             const auto l = load(f, view_of(paths));
             pyb::dict d;
             d["port_tx"] = to_array(l.port_tx);
             d["port_rx"] = to_array(l.port_rx);
             d["node_in"] = to_array(l.node_in);
             d["node_end"] = to_array(l.node_end);
             d["node_drop"] = to_array(l.node_drop);
             d["drops"] = to_array(l.drops);
             return d;
           }, pyb::arg("paths"), "Flows per port (tx, rx) and per node (in, end, drop), drops per reason.")
      .def("polarization", [](const Fabric& f, const pyb::dict& paths) {
             pyb::list out;
             for (const auto& p : polarization(f, view_of(paths))) {
               pyb::dict d;
               d["node"] = f.node(p.node).name;
               d["flows"] = p.flows;
               std::vector<std::string> names;
               for (PortId c : p.candidates) names.push_back(f.port(c).name);
               d["candidates"] = names;
               d["candidate_ids"] = p.candidates;
               d["up"] = std::vector<bool>(p.up.begin(), p.up.end());
               d["counts"] = p.counts;
               d["used"] = p.used;
               d["up_count"] = p.up_count;
               d["entropy"] = p.entropy;
               d["conditional_entropy"] = p.conditional_entropy;
               d["normalized_entropy"] = p.normalized_entropy;
               d["normalized_conditional_entropy"] = p.normalized_conditional_entropy;
               d["imbalance"] = p.imbalance;
               out.append(d);
             }
             return out;
           }, pyb::arg("paths"), "Per node with a choice: candidates, flows per candidate, used, entropies, imbalance.")
      .def("what_if", [](const Fabric& before, const pyb::dict& pa, const Fabric& after, const pyb::dict& pb) {
             const PathView a = view_of(pa), b = view_of(pb);
             const auto w = what_if(before, a, after, b);
             pyb::array_t<std::uint8_t> moved(static_cast<pyb::ssize_t>(a.count));
             moved_flags(a, b, moved.mutable_data());
             pyb::array_t<std::uint64_t> m({static_cast<pyb::ssize_t>(w.dim), static_cast<pyb::ssize_t>(w.dim)});
             std::copy(w.matrix.begin(), w.matrix.end(), m.mutable_data());
             pyb::dict d;
             d["flows"] = w.flows;
             d["moved"] = w.moved;
             d["min_moved"] = w.min_moved;
             d["moved_share"] = w.moved_share();
             d["min_share"] = w.min_share();
             d["delivered_before"] = w.delivered_before;
             d["delivered_after"] = w.delivered_after;
             d["end_matrix"] = m;
             d["moved_flags"] = moved;
             return d;
           }, pyb::arg("paths"), pyb::arg("after"), pyb::arg("after_paths"),
           "Compares this fabric's paths with `after`'s for the same flows: moved, minimum, end-port matrix.");
}

}  // namespace fwd::py
