#include "bindings.hpp"

namespace fwd::py {
void bind_sim(pybind11::module_&) {}
}  // namespace fwd::py
