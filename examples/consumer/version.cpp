// Which libfwd did this program build against? The header's FWD_VERSION and the version CMake's
// package reported must be one number, and the one expected (argv[1]) if given; exit 1 otherwise.
#include <cstdio>
#include <cstring>

#include "fwd/version.hpp"

static_assert(FWD_VERSION_NUMBER >= 100, "find_package(libfwd 0.1) gave an older header");

int main(int argc, char** argv) {
  std::printf("libfwd %s (cmake package %s)\n", FWD_VERSION, FWD_CMAKE_PACKAGE_VERSION);
  const bool same = std::strcmp(FWD_VERSION, FWD_CMAKE_PACKAGE_VERSION) == 0;
  return same && (argc < 2 || std::strcmp(argv[1], FWD_VERSION) == 0) ? 0 : 1;
}
