// fwd._fwd.io: pcap / pcapng reading into numpy batches (no copy of the frame block), pcap writing.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include "bindings.hpp"
#include "convert.hpp"
#include "fwd/io/flows.hpp"
#include "fwd/io/pcap.hpp"

namespace fwd::py {

namespace pyb = pybind11;

namespace {

/// A numpy array viewing `v`, which is moved to the heap and freed with the array.
template <class T>
pyb::array_t<T> adopt(std::vector<T>&& v, std::vector<pyb::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(v));
  pyb::capsule base(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pyb::array_t<T>(shape, owned->data(), base);
}

struct PyReader {
  std::unique_ptr<io::PcapReader> r;
};

/// The flow rows as a flat uint8 array over the table's own memory (Python views it with
/// fwd.flows.FLOW_TABLE_DTYPE), and the counters as a dict.
pyb::tuple flow_result(io::FlowTable&& t, const std::string& format, const std::vector<int>& linktypes) {
  auto* owned = new std::vector<io::Flow>(std::move(t.flows()));
  pyb::capsule base(owned, [](void* p) { delete static_cast<std::vector<io::Flow>*>(p); });
  pyb::array_t<std::uint8_t> rows({static_cast<pyb::ssize_t>(owned->size() * sizeof(io::Flow))},
                                  reinterpret_cast<std::uint8_t*>(owned->data()), base);
  pyb::dict stats, skipped, unknown;
  for (std::size_t i = 0; i < io::skip_reason_count; ++i) {
    const auto r = static_cast<io::SkipReason>(i);
    skipped[pyb::str(std::string(io::skip_reason_name(r)))] = t.skipped(r);
  }
  for (const auto& [lt, n] : t.unknown_linktypes()) unknown[pyb::int_(lt)] = n;
  stats["records"] = t.records();
  stats["flows"] = owned->size();
  stats["in_flows"] = t.records() - t.skipped_total();
  stats["skipped"] = skipped;
  stats["later_fragments"] = t.later_fragments();
  stats["truncated_records"] = t.truncated_records();
  stats["unknown_linktypes"] = unknown;
  stats["format"] = format;
  stats["linktypes"] = linktypes;
  return pyb::make_tuple(rows, stats);
}

}  // namespace

void bind_io(pyb::module_& m) {
  pyb::register_exception<io::FileError>(m, "FileError", PyExc_OSError);

  m.def("_read_frames", [](const std::string& path, std::size_t max_length) {
    io::FrameBlock b;
    {
      pyb::gil_scoped_release nogil;
      b = io::read_frames(path, max_length);
    }
    const auto n = static_cast<pyb::ssize_t>(b.count), w = static_cast<pyb::ssize_t>(b.stride);
    return pyb::make_tuple(adopt(std::move(b.data), {n, w}), adopt(std::move(b.lengths), {n}),
                           adopt(std::move(b.wire_lengths), {n}), adopt(std::move(b.timestamps_ns), {n}), b.format);
  }, pyb::arg("path"), pyb::arg("max_length") = 0);

  m.attr("FLOW_ROW_SIZE") = sizeof(io::Flow);
  m.def("_read_flows", [](const std::string& path, std::size_t max_flows, std::size_t chunk_bytes, bool frame_index) {
    io::FlowTable t(max_flows);
    std::vector<std::int64_t> index;
    std::string format;
    std::vector<int> linktypes;
    {
      pyb::gil_scoped_release nogil;
      io::CaptureReader r(path, chunk_bytes ? chunk_bytes : io::CaptureReader::default_chunk_bytes);
      io::add_capture(t, r, frame_index ? &index : nullptr);
      format = r.format();
      linktypes = r.interface_linktypes();
    }
    pyb::tuple out = flow_result(std::move(t), format, linktypes);
    if (!frame_index) return out;
    const auto n = static_cast<pyb::ssize_t>(index.size());
    return pyb::make_tuple(out[0], out[1], adopt(std::move(index), {n}));
  }, pyb::arg("path"), pyb::arg("max_flows") = 0, pyb::arg("chunk_bytes") = 0, pyb::arg("frame_index") = false);

  m.def("_flows_of_frames", [](const pyb::object& frames, const pyb::object& lengths, const pyb::object& wire_lengths,
                               const pyb::object& timestamps, int linktype, std::size_t max_flows) {
    const FrameBatch b = frame_batch(frames, lengths);
    std::vector<std::int64_t> ts;
    std::vector<std::uint32_t> wire;
    if (!timestamps.is_none()) ts = timestamps.cast<std::vector<std::int64_t>>();
    if (!wire_lengths.is_none()) wire = wire_lengths.cast<std::vector<std::uint32_t>>();
    if ((!ts.empty() && ts.size() != b.count) || (!wire.empty() && wire.size() != b.count))
      throw pyb::value_error(fmt::format("timestamps_ns / wire_lengths must have one entry per frame ({} frames)", b.count));
    io::FlowTable t(max_flows);
    std::vector<std::int64_t> index(b.count);
    {
      pyb::gil_scoped_release nogil;
      const std::uint8_t* data = b.frames.data();
      for (std::size_t i = 0; i < b.count; ++i) {
        const std::size_t len = b.length(i);
        index[i] = t.add(linktype, ts.empty() ? 0 : ts[i], wire.empty() ? static_cast<std::uint32_t>(len) : wire[i],
                         net::Bytes(data + i * b.stride, len));
      }
    }
    pyb::tuple out = flow_result(std::move(t), "frames", {linktype});
    const auto n = static_cast<pyb::ssize_t>(index.size());
    return pyb::make_tuple(out[0], out[1], adopt(std::move(index), {n}));
  }, pyb::arg("frames"), pyb::arg("lengths"), pyb::arg("wire_lengths"), pyb::arg("timestamps_ns"), pyb::arg("linktype"),
     pyb::arg("max_flows") = 0);

  m.def("_write_pcap", [](const std::string& path, const pyb::object& frames, const pyb::object& lengths,
                          const pyb::object& timestamps, const pyb::object& wire_lengths, bool nanosecond, int linktype) {
    const FrameBatch b = frame_batch(frames, lengths);
    std::vector<std::int64_t> ts;
    std::vector<std::uint32_t> wire;
    if (!timestamps.is_none()) {
      ts = timestamps.cast<std::vector<std::int64_t>>();
      if (ts.size() != b.count)
        throw pyb::value_error(fmt::format("timestamps_ns has {} entries for {} frames", ts.size(), b.count));
    }
    if (!wire_lengths.is_none()) {
      wire = wire_lengths.cast<std::vector<std::uint32_t>>();
      if (wire.size() != b.count)
        throw pyb::value_error(fmt::format("wire_lengths has {} entries for {} frames", wire.size(), b.count));
    }
    io::PcapWriter w(path, linktype, 262144, nanosecond);
    const std::uint8_t* data = b.frames.data();
    for (std::size_t i = 0; i < b.count; ++i) {
      const std::size_t len = b.length(i);
      w.write(Time::from_ns(ts.empty() ? 0 : ts[i]), net::Bytes(data + i * b.stride, len), wire.empty() ? 0 : wire[i]);
    }
    w.close();
    return b.count;
  }, pyb::arg("path"), pyb::arg("frames"), pyb::arg("lengths"), pyb::arg("timestamps_ns"), pyb::arg("wire_lengths"),
     pyb::arg("nanosecond"), pyb::arg("linktype"));

  pyb::class_<PyReader>(m, "PcapReader", "Iterates a pcap/pcapng file: (timestamp_ns, frame bytes, wire_length).")
      .def(pyb::init([](const std::string& path) { return PyReader{std::make_unique<io::PcapReader>(path)}; }), pyb::arg("path"))
      .def_property_readonly("linktype", [](const PyReader& r) { return r.r->linktype(); },
                             "The capture's link type (1: Ethernet).")
      .def_property_readonly("format", [](const PyReader& r) { return r.r->format(); }, "'pcap' or 'pcapng'.")
      .def("__repr__", [](const PyReader& r) {
        return fmt::format("<PcapReader {} linktype={}>", r.r->format(), r.r->linktype());
      })
      .def("__iter__", [](PyReader& r) -> PyReader& { return r; }, pyb::return_value_policy::reference_internal)
      .def("__next__", [](PyReader& r) {
        io::Record v;
        if (!r.r->next(v)) throw pyb::stop_iteration();
        return pyb::make_tuple(v.timestamp.ns, pyb::bytes(reinterpret_cast<const char*>(v.data.data()), v.data.size()),
                               v.wire_length);
      });

  pyb::class_<io::PcapWriter>(m, "PcapWriter", "Writes a classic pcap file (nanosecond timestamps by default).")
      .def(pyb::init<const std::string&, int, std::uint32_t, bool>(), pyb::arg("path"), pyb::arg("linktype") = 1,
           pyb::arg("snaplen") = 262144, pyb::arg("nanosecond") = true)
      .def("write", [](io::PcapWriter& w, const pyb::object& frame, std::int64_t t, std::uint32_t wire) {
             const auto f = frame_bytes(frame);
             w.write(Time::from_ns(t), f, wire);
           }, pyb::arg("frame"), pyb::arg("timestamp_ns") = 0, pyb::arg("wire_length") = 0,
           "Appends one frame at timestamp_ns (integer nanoseconds); wire_length 0: the frame's length.")
      .def("close", &io::PcapWriter::close, "Flushes and closes the file (also on leaving a with block).")
      .def("__repr__", [](const io::PcapWriter&) { return std::string("<PcapWriter>"); })
      .def("__enter__", [](io::PcapWriter& w) -> io::PcapWriter& { return w; }, pyb::return_value_policy::reference)
      .def("__exit__", [](io::PcapWriter& w, const pyb::args&) { w.close(); });
}

}  // namespace fwd::py
