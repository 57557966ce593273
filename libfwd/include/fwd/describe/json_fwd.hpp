#pragma once
/// \file
/// Declarations of the JSON value types (fwd/describe/json.hpp) for headers that only name them:
/// a header declaring `to_json()` stays light; its callers include fwd/describe/json.hpp.

#include <boost/json/fwd.hpp>

namespace fwd::describe {
namespace json = boost::json;
}  // namespace fwd::describe
