#include "bindings.hpp"

namespace fwd::py {
void bind_hash(pybind11::module_&) {}
}  // namespace fwd::py
