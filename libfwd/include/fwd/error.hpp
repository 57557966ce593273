#pragma once
/// \file
/// fwd::Error: the one exception type libfwd throws.
///
/// Thrown only at the edges: spec strings, addresses, configuration, files. Hot paths (parsing,
/// hashing, selection, FDB lookups) never throw; they count malformed input instead. A message
/// says what was wrong and what is accepted, e.g.
/// `unknown hash field 'l5' in "freebsd-9.3:l2,l5": expected l2, l3, l4`.

#include <stdexcept>
#include <string>

namespace fwd {

/// The exception type of libfwd. Python sees it as ValueError.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace fwd
