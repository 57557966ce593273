// fwd._fwd.net: addresses, the frame builder, flows -> frames.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "fwd/error.hpp"
#include "fwd/net/build.hpp"
#include "fwd/net/flow.hpp"
#include "fwd/net/packet.hpp"

namespace fwd::py {

namespace pyb = pybind11;
using namespace fwd::net;

namespace {
// The one MAC and address converters live in convert.cpp.
Mac to_mac(const pyb::handle& h) { return mac_arg(h); }
Ipv4 to_ipv4(const pyb::handle& h) { return ipv4_arg(h); }
Ipv6 to_ipv6(const pyb::handle& h) { return ipv6_arg(h); }
pyb::bytes as_bytes(const std::vector<std::uint8_t>& v) {
  return pyb::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}
}  // namespace

void bind_net(pyb::module_& m) {
  pyb::class_<Mac>(m, "Mac", "An Ethernet MAC address.")
      .def(pyb::init([](const pyb::object& o) { return to_mac(o); }), pyb::arg("value"))
      .def_static("parse", &Mac::parse, pyb::arg("text"),
                  "Parses 'aa:bb:cc:dd:ee:ff', 'aa-bb-cc-dd-ee-ff' or 'aabb.ccdd.eeff'; ValueError names the text\n"
                  "and the accepted forms.")
      .def("__int__", &Mac::to_u64)
      .def("__str__", &Mac::to_string)
      .def("__repr__", [](const Mac& a) { return fmt::format("Mac('{}')", a.to_string()); })
      .def_property_readonly("is_multicast", &Mac::is_multicast, "The group bit is set (broadcast included).")
      .def_property_readonly("is_broadcast", &Mac::is_broadcast, "ff:ff:ff:ff:ff:ff.")
      .def("__eq__", [](const Mac& a, const Mac& b) { return a == b; })
      .def("__lt__", [](const Mac& a, const Mac& b) { return a < b; })
      .def("__hash__", [](const Mac& a) { return a.to_u64(); })
      .def(pyb::pickle([](const Mac& a) { return pyb::make_tuple(a.to_string()); },
                       [](const pyb::tuple& t) {
                         if (t.size() != 1) throw pyb::value_error("Mac pickle: expected (text,)");
                         return Mac::parse(t[0].cast<std::string>());
                       }));
  pyb::class_<Ipv4>(m, "Ipv4", "An IPv4 address.")
      .def(pyb::init([](const pyb::object& o) { return to_ipv4(o); }), pyb::arg("value"))
      .def("__int__", [](const Ipv4& a) { return a.value; })
      .def("__str__", &Ipv4::to_string)
      .def("__repr__", [](const Ipv4& a) { return fmt::format("Ipv4('{}')", a.to_string()); })
      .def("__eq__", [](const Ipv4& a, const Ipv4& b) { return a == b; })
      .def("__hash__", [](const Ipv4& a) { return a.value; })
      .def(pyb::pickle([](const Ipv4& a) { return pyb::make_tuple(a.to_string()); },
                       [](const pyb::tuple& t) {
                         if (t.size() != 1) throw pyb::value_error("Ipv4 pickle: expected (text,)");
                         return to_ipv4(t[0]);
                       }));
  pyb::class_<Ipv6>(m, "Ipv6", "An IPv6 address.")
      .def(pyb::init([](const pyb::object& o) { return to_ipv6(o); }), pyb::arg("value"))
      .def("__str__", &Ipv6::to_string)
      .def("__bytes__", [](const Ipv6& a) { return pyb::bytes(reinterpret_cast<const char*>(a.bytes.data()), 16); })
      .def("__repr__", [](const Ipv6& a) { return fmt::format("Ipv6('{}')", a.to_string()); })
      .def("__eq__", [](const Ipv6& a, const Ipv6& b) { return a == b; })
      .def(pyb::pickle([](const Ipv6& a) { return pyb::make_tuple(a.to_string()); },
                       [](const pyb::tuple& t) {
                         if (t.size() != 1) throw pyb::value_error("Ipv6 pickle: expected (text,)");
                         return to_ipv6(t[0]);
                       }));
  pyb::class_<Vlan>(m, "Vlan", "An 802.1Q tag control word (PCP, DEI, VID).")
      .def(pyb::init([](unsigned vid, unsigned pcp, bool dei) { return Vlan::make(vid, pcp, dei); }),
           pyb::arg("vid"), pyb::arg("pcp") = 0, pyb::arg("dei") = false)
      .def_static("parse", &Vlan::parse, pyb::arg("text"),
                  "Parses a VID ('100') or 'vid/pcp' ('100/5'); ValueError for a VID above 4095 or a PCP above 7.")
      .def_readonly("tci", &Vlan::tci, "The 16-bit tag control information (PCP << 13 | DEI << 12 | VID).")
      .def_property_readonly("vid", &Vlan::vid, "The VLAN id, 0..4095.")
      .def_property_readonly("pcp", &Vlan::pcp, "The priority code point, 0..7.")
      .def("__str__", &Vlan::to_string)
      .def("__repr__", [](const Vlan& v) { return fmt::format("Vlan({}, pcp={})", v.vid(), v.pcp()); })
      .def(pyb::pickle([](const Vlan& v) { return pyb::make_tuple(v.tci); },  // the whole tag: VID, PCP, DEI
                       [](const pyb::tuple& t) {
                         if (t.size() != 1) throw pyb::value_error("Vlan pickle: expected (tci,)");
                         return Vlan{t[0].cast<std::uint16_t>()};
                       }));

  pyb::class_<FrameBuilder>(m, "FrameBuilder",
                            "Builds a frame layer by layer (outermost first); build() fills lengths, "
                            "protocol numbers and checksums and pads to 60 bytes.")
      .def(pyb::init<>())
      .def("__repr__", [](const FrameBuilder& b) {
        try {
          return fmt::format("<FrameBuilder: {} bytes when built>", b.build().size());
        } catch (const Error& e) {
          return fmt::format("<FrameBuilder: incomplete ({})>", e.what());
        }
      })
      .def("eth", [](FrameBuilder& b, const pyb::object& dst, const pyb::object& src) -> FrameBuilder& {
             return b.eth(to_mac(dst), to_mac(src)); }, pyb::arg("dst"), pyb::arg("src"), pyb::return_value_policy::reference_internal,
           "Ethernet header: destination and source MAC (required, first).")
      .def("vlan", &FrameBuilder::vlan, pyb::arg("tci"), pyb::arg("tpid") = 0x8100, pyb::return_value_policy::reference_internal,
           "An 802.1Q/802.1ad tag (tci, tpid 0x8100 or 0x88a8); several stack outermost first.")
      .def("ethertype", &FrameBuilder::ethertype, pyb::arg("type"), pyb::return_value_policy::reference_internal,
           "The ethertype of a non-IP frame (raw payload follows).")
      .def("ipv4", [](FrameBuilder& b, const pyb::object& src, const pyb::object& dst, std::uint8_t ttl, std::uint16_t id,
                      std::uint8_t tos, bool df, bool mf, std::uint16_t frag_offset, const pyb::object& options,
                      std::optional<std::uint8_t> protocol) -> FrameBuilder& {
             Ipv4Fields f;
             f.ttl = ttl; f.id = id; f.tos = tos; f.dont_fragment = df; f.more_fragments = mf;
             f.fragment_offset = frag_offset; f.protocol = protocol;
             if (!options.is_none()) f.options = frame_bytes(options, "options");
             return b.ipv4(to_ipv4(src), to_ipv4(dst), std::move(f));
           }, pyb::arg("src"), pyb::arg("dst"), pyb::kw_only(), pyb::arg("ttl") = 64, pyb::arg("id") = 0,
           pyb::arg("tos") = 0, pyb::arg("df") = false, pyb::arg("mf") = false, pyb::arg("frag_offset") = 0,
           pyb::arg("options") = pyb::none(), pyb::arg("protocol") = pyb::none(), pyb::return_value_policy::reference_internal,
           "An IPv4 header; total length, protocol and checksum are filled by build().")
      .def("ipv6", [](FrameBuilder& b, const pyb::object& src, const pyb::object& dst, std::uint8_t hop_limit,
                      std::uint8_t traffic_class, std::uint32_t flow_label, std::optional<std::uint8_t> next_header) -> FrameBuilder& {
             return b.ipv6(to_ipv6(src), to_ipv6(dst), {hop_limit, traffic_class, flow_label, next_header});
           }, pyb::arg("src"), pyb::arg("dst"), pyb::kw_only(), pyb::arg("hop_limit") = 64, pyb::arg("traffic_class") = 0,
           pyb::arg("flow_label") = 0, pyb::arg("next_header") = pyb::none(), pyb::return_value_policy::reference_internal,
           "An IPv6 header; payload length and next header are filled by build().")
      .def("tcp", [](FrameBuilder& b, std::uint16_t s, std::uint16_t d, std::uint32_t seq, std::uint32_t ack,
                     std::uint8_t flags, std::uint16_t window) -> FrameBuilder& {
             TcpFields f;
             f.seq = seq; f.ack = ack; f.flags = flags; f.window = window;
             return b.tcp(s, d, std::move(f));
           }, pyb::arg("src_port"), pyb::arg("dst_port"), pyb::kw_only(), pyb::arg("seq") = 0, pyb::arg("ack") = 0,
           pyb::arg("flags") = 0x02, pyb::arg("window") = 65535, pyb::return_value_policy::reference_internal,
           "A TCP header (flags default SYN); the checksum is filled by build().")
      .def("udp", &FrameBuilder::udp, pyb::arg("src_port"), pyb::arg("dst_port"), pyb::return_value_policy::reference_internal,
           "A UDP header; length and checksum are filled by build().")
      .def("icmp", &FrameBuilder::icmp, pyb::arg("type"), pyb::arg("code") = 0, pyb::arg("id") = 0, pyb::arg("seq") = 0,
           pyb::return_value_policy::reference_internal,
           "An ICMP (over IPv4) or ICMPv6 (over IPv6) header; the checksum is filled by build().")
      .def("arp", [](FrameBuilder& b, std::uint16_t op, const pyb::object& sha, const pyb::object& spa,
                     const pyb::object& tha, const pyb::object& tpa) -> FrameBuilder& {
             return b.arp(op, to_mac(sha), to_ipv4(spa), to_mac(tha), to_ipv4(tpa));
           }, pyb::arg("op"), pyb::arg("sender_mac"), pyb::arg("sender_ip"), pyb::arg("target_mac"), pyb::arg("target_ip"),
           pyb::return_value_policy::reference_internal,
           "An ARP packet (op 1 request, 2 reply).")
      .def("carp", [](FrameBuilder& b, std::uint8_t vhid, std::uint8_t advbase, std::uint8_t advskew, std::uint64_t counter) -> FrameBuilder& {
             return b.carp(vhid, advbase, advskew, counter);
           }, pyb::arg("vhid"), pyb::arg("advbase") = 1, pyb::arg("advskew") = 0, pyb::arg("counter") = 0,
           pyb::return_value_policy::reference_internal,
           "A CARP advertisement (FreeBSD, over IPv4, TTL 255).")
      .def("payload", [](FrameBuilder& b, const pyb::object& data) -> FrameBuilder& {
             const auto v = frame_bytes(data, "payload");
             return b.payload(v);
           }, pyb::arg("data"), pyb::return_value_policy::reference_internal,
           "Bytes after the last header.")
      .def("min_size", &FrameBuilder::min_size, pyb::arg("n"), pyb::return_value_policy::reference_internal,
           "Pad the built frame to at least n bytes (default 60, without FCS).")
      .def("build", [](const FrameBuilder& b) { return as_bytes(b.build()); },
           "The frame as bytes: lengths, protocol numbers and checksums filled in, padded to min_size. ValueError "
           "if a layer is missing or a length does not fit its 16-bit field.");

  m.def("summary", [](const pyb::object& frame) {
    const auto f = frame_bytes(frame);
    const PacketView v(f);
    pyb::dict d;
    d["length"] = f.size();
    if (!v.has_ethernet()) return d;
    d["dst_mac"] = v.dst_mac().to_string();
    d["src_mac"] = v.src_mac().to_string();
    pyb::list tags;
    for (unsigned i = 0; i < v.tag_count(); ++i) tags.append(pyb::make_tuple(v.tag_tpid(i), v.tag_tci(i)));
    d["tags"] = tags;
    d["ethertype"] = v.ethertype();
    if (v.has_ipv4()) {
      d["ip_version"] = 4;
      d["src_ip"] = v.ipv4_src().to_string();
      d["dst_ip"] = v.ipv4_dst().to_string();
      d["ttl"] = v.ttl();
    } else if (v.has_ipv6()) {
      Ipv6 a, b;
      std::copy_n(v.ip_src_bytes().begin(), 16, a.bytes.begin());
      std::copy_n(v.ip_dst_bytes().begin(), 16, b.bytes.begin());
      d["ip_version"] = 6;
      d["src_ip"] = a.to_string();
      d["dst_ip"] = b.to_string();
      d["hop_limit"] = v.ttl();
      d["flow_label"] = v.ipv6_flow_label();
    } else if (v.has_arp()) {
      // htype, ptype, hlen, plen, op, sender MAC/IP, target MAC/IP (Ethernet/IPv4 layout).
      const std::uint8_t* a = f.data() + v.l3_offset();
      const std::uint16_t op = be16(a + 6);
      d["arp_op"] = op;
      d["arp_op_name"] = op == 1 ? "request" : op == 2 ? "reply" : op == 3 ? "rarp-request" : op == 4 ? "rarp-reply" : "other";
      if (be16(a) == 1 && be16(a + 2) == 0x0800 && a[4] == 6 && a[5] == 4) {
        std::array<std::uint8_t, 6> m{};
        std::copy_n(a + 8, 6, m.begin());
        d["sender_mac"] = Mac(m).to_string();
        d["sender_ip"] = Ipv4{be32(a + 14)}.to_string();
        std::copy_n(a + 18, 6, m.begin());
        d["target_mac"] = Mac(m).to_string();
        d["target_ip"] = Ipv4{be32(a + 24)}.to_string();
      }
    }
    if (v.is_fragment()) d["fragment"] = v.is_later_fragment() ? "later" : "first";
    d["ip_proto"] = v.ip_proto();
    if (v.has_ports()) { d["src_port"] = v.src_port(); d["dst_port"] = v.dst_port(); }
    d["truncated"] = v.is_truncated();
    return d;
  }, pyb::arg("frame"), "The headers a generic parser finds in a frame, as a dict.");

  m.attr("FLOW_RECORD_SIZE") = sizeof(FlowRecord);
  m.def("_frames_from_flows", [](const pyb::array& flows) {
    if (flows.itemsize() != static_cast<pyb::ssize_t>(sizeof(FlowRecord)) || flows.ndim() != 1)
      throw pyb::type_error("flows must be a 1-D array of dtype fwd.net.FLOW_DTYPE");
    auto c = pyb::array::ensure(flows, pyb::array::c_style);
    const auto* recs = static_cast<const FlowRecord*>(c.data());
    const std::size_t n = static_cast<std::size_t>(c.shape(0));
    std::vector<std::vector<std::uint8_t>> frames(n);
    std::size_t width = 0;
    for (std::size_t i = 0; i < n; ++i) {
      frames[i] = frame_for_flow(recs[i]);
      width = std::max(width, frames[i].size());
    }
    pyb::array_t<std::uint8_t> out({n, width});
    pyb::array_t<std::uint32_t> lengths(n);
    auto* o = out.mutable_data();
    std::fill(o, o + n * width, 0);
    for (std::size_t i = 0; i < n; ++i) {
      std::copy(frames[i].begin(), frames[i].end(), o + i * width);
      lengths.mutable_data()[i] = static_cast<std::uint32_t>(frames[i].size());
    }
    return pyb::make_tuple(out, lengths);
  });
}

}  // namespace fwd::py
