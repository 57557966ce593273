// fwd._fwd: the compiled half of the `fwd` Python package. fwd::Error becomes ValueError.
#include "bindings.hpp"

#include "fwd/error.hpp"
#include "fwd/version.hpp"

PYBIND11_MODULE(_fwd, m) {
  m.doc() = "libfwd: which member link, which switch port and which node a flow lands on, and why.";
  m.attr("__version__") = FWD_VERSION;  // fwd.__version__ reads this: one version everywhere
  pybind11::register_exception<fwd::Error>(m, "Error", PyExc_ValueError);
  auto net = m.def_submodule("net", "Packet model: addresses, frame builder, flows");
  auto hash = m.def_submodule("hash", "Hash policies of real systems, bit-exact");
  auto lag = m.def_submodule("lag", "Member selection of real systems");
  auto l2 = m.def_submodule("l2", "MAC learning switches");
  auto sim = m.def_submodule("sim", "Network emulation in virtual time");
  auto io = m.def_submodule("io", "pcap / pcapng input and output");
  auto route = m.def_submodule("route", "ECMP next-hop selection of real systems");
  auto path = m.def_submodule("path", "Paths of flows across the tiers of a fabric");
  fwd::py::bind_net(net);
  fwd::py::bind_hash(hash);
  fwd::py::bind_lag(lag);
  fwd::py::bind_l2(l2);
  fwd::py::bind_sim(sim);
  fwd::py::bind_io(io);
  fwd::py::bind_route(route);
  fwd::py::bind_path(path);
  auto describe = m.def_submodule("describe", "The real systems libfwd follows, and its description tables");
  fwd::py::bind_describe(describe);
}
