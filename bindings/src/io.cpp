#include "bindings.hpp"

namespace fwd::py {
void bind_io(pybind11::module_&) {}
}  // namespace fwd::py
