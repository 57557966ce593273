// Which member does a frame take, and why? A minimal C++ use of libfwd:
//   explain_frame SPEC FRAME_HEX [MEMBERS]
// e.g. explain_frame 'freebsd-9.3:l2,l3,l4;key=0' 00005e000101002590112233080045... 2
#include <cstdio>
#include <string>
#include <vector>

#include "fwd/error.hpp"
#include "fwd/hash/policy.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s SPEC FRAME_HEX [MEMBERS]\n", argv[0]);
    return 2;
  }
  try {
    const auto policy = fwd::hash::Policy::from_spec(argv[1]);
    const std::string hex = argv[2];
    if (hex.size() % 2) throw fwd::Error("FRAME_HEX has an odd number of digits");
    std::vector<std::uint8_t> frame;
    for (std::size_t i = 0; i < hex.size(); i += 2) frame.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    const unsigned members = argc > 3 ? static_cast<unsigned>(std::stoul(argv[3])) : 2;
    std::fputs(policy.explain(frame, {}, members).to_text().c_str(), stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
