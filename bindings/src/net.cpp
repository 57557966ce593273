#include "bindings.hpp"

namespace fwd::py {
void bind_net(pybind11::module_&) {}
}  // namespace fwd::py
