#include "bindings.hpp"

namespace fwd::py {
void bind_lag(pybind11::module_&) {}
}  // namespace fwd::py
