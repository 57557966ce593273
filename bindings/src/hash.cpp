// fwd._fwd.hash: Policy over every emulated hash family, single-frame and batch (numpy) forms.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "describe.hpp"
#include "bindings.hpp"
#include "convert.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/policy.hpp"
#include "parallel.hpp"

namespace fwd::py {

namespace pyb = pybind11;
using hash::Explanation;
using hash::Policy;

namespace {


/// Strict: an int (not bool, float or str) in 1..65535, else TypeError/ValueError naming it.
std::uint32_t members_arg(const pyb::object& members) {
  return static_cast<std::uint32_t>(int_arg(members, "members", 1, 0xffff));
}

}  // namespace

void bind_hash(pyb::module_& m) {
  pyb::class_<Explanation>(m, "Explanation", "The walk of one hash: fields, running hash, final hash, member.")
      .def_readonly("spec", &Explanation::spec, "The policy's canonical spec.")
      .def_readonly("hash", &Explanation::hash, "The final hash.")
      .def_readonly("members", &Explanation::members, "Members the index was taken over.")
      .def_readonly("index", &Explanation::index, "The member index (or OVS bucket).")
      .def_readonly("index_rule", &Explanation::index_rule, "The index rule with numbers, e.g. '0x4fd006c2 % 2 = 0'.")
      .def_readonly("frame", &Explanation::frame_summary, "One line describing the frame.")
      .def_property_readonly("steps", [](const Explanation& e) { return to_python(e.to_json())["steps"]; },
                             "The walk: dicts of kind field (name, offset, bytes, hash), step or note.")
      .def("to_text", &Explanation::to_text, "The walk as text (also str()).")
      .def("to_json", [](const Explanation& e) { return to_python(e.to_json()); }, "The explanation as a dict (the JSON twin of str()).")
      .def("to_dict", [](const Explanation& e) { return to_python(e.to_json()); }, "Old name of to_json(), kept one release.")
      .def("__str__", &Explanation::to_text)
      .def("__repr__", [](const Explanation& e) {
        return fmt::format("<Explanation {} hash=0x{:x} index={}>", e.spec, e.hash, e.index);
      });

  pyb::class_<Policy>(m, "Policy",
                      "A hash policy of a real system, named by a spec string such as "
                      "'freebsd-9.3:l2,l3,l4;key=0x1234abcd' or 'linux-6.12:layer3+4'. Immutable: share it between "
                      "threads freely; its batch calls take no lock.")
      .def(pyb::init([](const std::string& spec) { return Policy::from_spec(spec); }), pyb::arg("spec"))
      .def_property_readonly("spec", &Policy::spec, "The canonical spec string.")
      .def_property_readonly("family", [](const Policy& p) { return std::string(p.family()); },
                             "The system name the spec starts with (see fwd.describe.systems()).")
      .def_property_readonly("hash_bits", &Policy::hash_bits, "Width of the hash: 32, or 64 for bmv2 identity.")
      .def_property_readonly("takes_raw_input", &Policy::takes_raw_input, "Whether hash_input() works (Toeplitz, bmv2).")
      .def("hash", [](const Policy& p, const pyb::object& frame, const pyb::kwargs& kw) {
             const auto f = frame_bytes(frame);
             return p.hash(f, packet_meta(kw));
           }, pyb::arg("frame"),
           "Hash of one frame. Keyword metadata: vlan_tci (out-of-band tag), protocol (Linux skb->protocol), "
           "network_offset, flow_hash, flow_hash_is_l4, output_vlan (OVS), ingress_port (vendor).")
      .def("hash_input", [](const Policy& p, const pyb::object& data) {
             const auto f = frame_bytes(data, "input");
             return p.hash_input(f);
           }, pyb::arg("data"), "Hash of raw input bytes (Toeplitz tuple, bmv2 field list).")
      .def("index", [](const Policy& p, const pyb::object& frame, const pyb::object& members, const pyb::kwargs& kw) {
             const auto f = frame_bytes(frame);
             return p.index(p.hash(f, packet_meta(kw)), members_arg(members));
           }, pyb::arg("frame"), pyb::arg("members"),
           "Member index of one frame by the family's own rule (OVS: the bucket 0..255).")
      .def("index_of_hash", [](const Policy& p, std::uint64_t h, const pyb::object& members) {
             return p.index(h, members_arg(members));
           }, pyb::arg("hash"), pyb::arg("members"), "Member index of a given hash by the family's own rule.")
      .def("explain", [](const Policy& p, const pyb::object& frame, const pyb::object& members, const pyb::kwargs& kw) {
             const auto f = frame_bytes(frame);
             return p.explain(f, packet_meta(kw), members_arg(members));
           }, pyb::arg("frame"), pyb::arg("members") = 2, "The hash walk of one frame (print it, or .to_json()).")
      .def("explain_input", [](const Policy& p, const pyb::object& data, const pyb::object& members) {
             const auto f = frame_bytes(data, "input");
             return p.explain_input(f, members_arg(members));
           }, pyb::arg("data"), pyb::arg("members") = 2, "The hash walk of raw input bytes (Toeplitz, bmv2).")
      .def("hash_batch", [](const Policy& p, const pyb::object& frames, const pyb::object& lengths,
                            const pyb::object& threads) -> pyb::object {
             const unsigned nthreads = threads_arg(threads);
             const FrameBatch b = frame_batch(frames, lengths);
             const Policy::Batch batch{b.frames.data(), b.stride, b.count, b.lengths_ptr()};
             const auto run = [&](auto* o) {
               run_batch(b.count, nthreads, [&](std::size_t lo, std::size_t hi) { p.hash_batch(sub_batch(batch, lo, hi), o + lo); });
             };
             if (p.hash_bits() == 64) {
               pyb::array_t<std::uint64_t> out(b.count);
               run(out.mutable_data());
               return std::move(out);
             }
             pyb::array_t<std::uint32_t> out(b.count);
             run(out.mutable_data());
             return std::move(out);
           }, pyb::arg("frames"), pyb::arg("lengths") = pyb::none(), pyb::kw_only(), pyb::arg("threads") = 1,
           "Hashes of a 2-D uint8 array of zero-padded frames (one per row) -> numpy.uint32[n] "
           "(uint64 for 64-bit policies). lengths: the true length of each row's frame. threads: 1 (default), "
           "N, or 0 for every core; the GIL is released and the result is the same for any count. A Policy is "
           "immutable: batches on one Policy from many Python threads run concurrently, without locks. "
           "Ctrl-C interrupts (KeyboardInterrupt).")
      .def("index_batch", [](const Policy& p, const pyb::object& frames, const pyb::object& members, const pyb::object& lengths,
                             const pyb::object& threads) {
             const std::uint32_t n = members_arg(members);
             const unsigned nthreads = threads_arg(threads);
             const FrameBatch b = frame_batch(frames, lengths);
             const Policy::Batch batch{b.frames.data(), b.stride, b.count, b.lengths_ptr()};
             pyb::array_t<std::uint16_t> out(b.count);
             auto* o = out.mutable_data();
             run_batch(b.count, nthreads, [&](std::size_t lo, std::size_t hi) { p.index_batch(sub_batch(batch, lo, hi), n, o + lo); });
             return out;
           }, pyb::arg("frames"), pyb::arg("members"), pyb::arg("lengths") = pyb::none(), pyb::kw_only(),
           pyb::arg("threads") = 1,
           "Member indices of a 2-D uint8 frame array -> numpy.uint16[n]. threads: as for hash_batch "
           "(lock-free, identical for any count, interruptible).")
      .def(pyb::pickle([](const Policy& p) { return pyb::make_tuple(p.spec()); },
                       [](const pyb::tuple& t) {
                         if (t.size() != 1) throw pyb::value_error("Policy pickle: expected (spec,)");
                         return Policy::from_spec(t[0].cast<std::string>());
                       }))
      .def("__repr__", [](const Policy& p) { return fmt::format("Policy('{}')", p.spec()); })
      .def("__eq__", [](const Policy& a, const Policy& b) { return a.spec() == b.spec(); });

  // Test hook for run_batch (parallel.hpp), the splitter behind every batch call: `slices` slices
  // of slice_frames frames, each taking `ms_per_slice` ms, on `threads` threads; fails with
  // fwd::Error in slice `fail_slice` (-1: never). Returns the frames processed. Lets the tests time
  // Ctrl-C handling and error propagation without gigabytes of frames.
  m.def("_run_batch_probe", [](std::size_t slices, const pyb::object& threads, unsigned ms_per_slice, long long fail_slice) {
    const unsigned nthreads = threads_arg(threads);
    std::atomic<std::size_t> done{0};
    run_batch(slices * slice_frames, nthreads, [&](std::size_t lo, std::size_t hi) {
      if (fail_slice >= 0 && lo / slice_frames == static_cast<std::size_t>(fail_slice))
        throw Error(fmt::format("probe failure in slice {}", fail_slice));
      std::this_thread::sleep_for(std::chrono::milliseconds(ms_per_slice));
      done += hi - lo;
    });
    return done.load();
  }, pyb::arg("slices"), pyb::arg("threads") = 1, pyb::arg("ms_per_slice") = 0, pyb::arg("fail_slice") = -1);
}

}  // namespace fwd::py
