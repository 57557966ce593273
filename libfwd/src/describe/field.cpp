// describe: the out-of-line pieces of the description tables and the one JSON serialiser.
#include "fwd/describe/field.hpp"

#include <fmt/format.h>

#include <boost/json/serialize.hpp>

#include "fwd/describe/json.hpp"
#include "fwd/error.hpp"

namespace fwd::describe {

void throw_unknown(std::string_view what, std::string_view text, const std::string& accepted) {
  throw Error(fmt::format("unknown {} '{}': expected {}", what, text, accepted));
}

std::string dump(const json::value& v) { return json::serialize(v); }

}  // namespace fwd::describe
