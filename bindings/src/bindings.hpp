#pragma once
// One function per library area adds its classes to a submodule of fwd._fwd. Each lives in its own
// file (net.cpp, hash.cpp, lag.cpp, l2.cpp, sim.cpp, io.cpp) so areas can grow independently.
#include <pybind11/pybind11.h>

namespace fwd::py {
void bind_net(pybind11::module_& m);
void bind_hash(pybind11::module_& m);
void bind_lag(pybind11::module_& m);
void bind_l2(pybind11::module_& m);
void bind_sim(pybind11::module_& m);
void bind_io(pybind11::module_& m);
void bind_route(pybind11::module_& m);
void bind_path(pybind11::module_& m);
void bind_describe(pybind11::module_& m);
}  // namespace fwd::py
