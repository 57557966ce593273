// describe::System: the registry of followed systems and the name lookup every layer uses.
#include "fwd/describe/system.hpp"

#include <fmt/format.h>

#include <array>

#include "fwd/error.hpp"

namespace fwd::describe {

namespace {

using namespace std::string_view_literals;

template <class... L>
constexpr std::uint8_t bits(L... l) {
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(l) | ...));
}

// Aliases: old spellings kept because each names exactly one system.
constexpr std::array freebsd_9_3_aliases{"freebsd-9"sv, "freebsd-9.x"sv, "freebsd-hash32"sv};
constexpr std::array freebsd_10_aliases{"freebsd-10.4"sv};
constexpr std::array freebsd_12_aliases{"freebsd-fnv"sv, "freebsd-current"sv};
constexpr std::array linux_6_aliases{"linux"sv, "linux-6"sv, "linux-6.x"sv};
constexpr std::array linux_3_aliases{"linux-3"sv, "linux-3.16"sv};
constexpr std::array ovs_aliases{"ovs"sv};
constexpr std::span<const std::string_view> none{};

constexpr std::array<System, 10> registry{{
    {"freebsd-9.3", "9.3 (9.x)",
     "FreeBSD 9.x lagg(4) with hash32 hashing, if_bridge(4), and the 9.3 host stack of fwd.sim", freebsd_9_3_aliases, bits(Layer::hash, Layer::lag, Layer::l2, Layer::sim), "freebsd-bridge"},
    {"freebsd-10", "10.x",
     "FreeBSD 10.x lagg(4): hash32 hashing as 9.3, adds laggproto broadcast and rr_limit; a 10.x host in fwd.sim",
     freebsd_10_aliases, bits(Layer::hash, Layer::lag, Layer::sim), ""},
    {"freebsd-12", "12.0 and later (current, 2019+)", "FreeBSD 12+ lagg(4) with FNV-1 hashing", freebsd_12_aliases,
     bits(Layer::hash, Layer::lag), ""},
    {"linux-6.12", "6.12 (bridge recorded on 6.18)",
     "Linux bonding (xmit_hash_policy, bond modes), the Linux bridge, and a Linux host in fwd.sim (exact timers, "
     "1 s SYN RTO; keepalived recorded on Debian 12)",
     linux_6_aliases, bits(Layer::hash, Layer::lag, Layer::l2, Layer::sim), "linux-bridge"},
    {"linux-3.x", "3.x (3.16)", "Linux 3.x bonding member selection (h % all, then the next usable member)",
     linux_3_aliases, bits(Layer::lag), ""},
    {"ovs-3.1", "3.1 (generic, non-SSE4.2 build)", "Open vSwitch bonds, flow hashes and the NORMAL action",
     ovs_aliases, bits(Layer::hash, Layer::lag, Layer::l2), "ovs-3.1"},
    {"dpdk", "net/bonding @38f72e500b", "DPDK bonding PMD transmit policies and modes", none,
     bits(Layer::hash, Layer::lag), ""},
    {"toeplitz", "Microsoft RSS verification suite", "Toeplitz receive-side scaling hash and RETA", none,
     bits(Layer::hash), ""},
    {"bmv2", "@9674187f", "P4 bmv2 hash primitives", none, bits(Layer::hash), ""},
    {"vendor", "libfwd's own model", "a generic vendor-style hash, LAG and IEEE 802.1Q switch; not bit-exact to any product",
     none, bits(Layer::hash, Layer::lag, Layer::l2), "vendor"},
}};

constexpr std::array ambiguous{"freebsd"sv};

bool names(const System& s, std::string_view name, Layer layer) {
  if (s.name == name) return true;
  for (auto a : s.aliases)
    if (a == name) return true;
  return layer == Layer::l2 && !s.l2_profile.empty() && s.l2_profile == name;
}

std::string choices(std::string_view prefix, Layer layer) {
  std::string out;
  for (const auto& s : registry) {
    if (!s.in(layer) || s.name.substr(0, prefix.size()) != prefix) continue;
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", layer == Layer::l2 ? s.l2_profile : s.name, s.follows);
  }
  return out;
}

}  // namespace

std::string_view to_string(Layer l) {
  switch (l) {
    case Layer::hash: return "hash";
    case Layer::lag: return "lag";
    case Layer::l2: return "l2";
    case Layer::sim: return "sim";
  }
  return "?";
}

std::span<const System> systems() { return registry; }
std::span<const std::string_view> ambiguous_names() { return ambiguous; }

const System* lookup_system(std::string_view name, Layer layer) noexcept {
  for (auto a : ambiguous)
    if (a == name) return nullptr;
  for (const auto& s : registry)
    if (names(s, name, layer)) return s.in(layer) ? &s : nullptr;
  return nullptr;
}

std::string accepted_systems(Layer layer) {
  std::string out;
  for (const auto& s : registry) {
    if (!s.in(layer)) continue;
    std::string t(layer == Layer::l2 ? s.l2_profile : s.name);
    std::string al;
    if (layer == Layer::l2) al = std::string(s.name);
    for (auto a : s.aliases) al += fmt::format("{}{}", al.empty() ? "" : ", ", a);
    if (!al.empty()) t += " (" + al + ")";
    out += (out.empty() ? "" : ", ") + t;
  }
  return out;
}

const System& find_system(std::string_view name, Layer layer, std::string_view what) {
  for (auto a : ambiguous)
    if (a == name)
      throw Error(fmt::format("ambiguous {} '{}' (it named different FreeBSD versions in different layers): expected "
                              "one of {}",
                              what, name, choices(name, layer)));
  for (const auto& s : registry) {
    if (!names(s, name, layer)) continue;
    if (!s.in(layer))
      throw Error(fmt::format("{} '{}' ({}) has no {} model: expected {}", what, name, s.follows, to_string(layer),
                              accepted_systems(layer)));
    return s;
  }
  throw Error(fmt::format("unknown {} '{}': expected {}", what, name, accepted_systems(layer)));
}

}  // namespace fwd::describe
