// hash::Policy: spec-string parsing and explanations (slow paths).
#include "fwd/hash/policy.hpp"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <random>

#include "fwd/describe/system.hpp"
#include "fwd/error.hpp"
#include "fwd/hash/splitmix64.hpp"

namespace fwd::hash {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::string join(const std::vector<std::string_view>& v) {
  std::string out;
  for (auto s : v) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

/// The parts of a spec string after the family has been recognised.
struct Parsed {
  std::string_view spec;
  std::string_view family;
  std::string_view options;
  std::map<std::string, std::string, std::less<>> keys;

  /// Throws `<problem> in "<spec>": <what is accepted>`: the spec goes before the first ": ".
  [[noreturn]] void fail(const std::string& what) const {
    const auto colon = what.find(": ");
    if (colon == std::string::npos) throw Error(fmt::format("{} in \"{}\"", what, spec));
    throw Error(fmt::format("{} in \"{}\"{}", what.substr(0, colon), spec, what.substr(colon)));
  }
  void allow_keys(const std::vector<std::string_view>& allowed) const {
    for (const auto& [k, v] : keys) {
      bool ok = false;
      for (auto a : allowed) ok = ok || a == k;
      if (!ok)
        fail(allowed.empty() ? fmt::format("unknown option '{}': {} takes no options", k, family)
                             : fmt::format("unknown option '{}': expected {}", k, join(allowed)));
    }
  }
  /// Decimal or 0x-hex unsigned number of at most `bits` bits.
  std::uint64_t number(std::string_view key, std::uint64_t fallback, unsigned bits = 32) const {
    const auto it = keys.find(key);
    if (it == keys.end()) return fallback;
    std::string_view text = it->second;
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      text.remove_prefix(2);
      base = 16;
    }
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
        (bits < 64 && v >> bits))
      fail(fmt::format("invalid {}={}: expected a {}-bit number, decimal or 0x hex", key, it->second, bits));
    return v;
  }
};

std::vector<std::uint8_t> parse_hex(const Parsed& p, std::string_view key, std::string_view text) {
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  if (text.size() % 2) p.fail(fmt::format("invalid {}: odd number of hex digits", key));
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) p.fail(fmt::format("invalid {}: '{}' is not hex", key, text.substr(i, 2)));
    out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return out;
}

/// The single option of a spec (`linux-6.12:layer3+4`) as a value of E, by E's description table;
/// fails with every accepted name.
template <class E>
E one_of(const Parsed& p, std::string_view what) {
  if (const E* v = describe::find_enumerator<E>(p.options)) return *v;
  const std::string names = describe::enumerator_names<E>();
  p.fail(p.options.empty() ? fmt::format("missing {}: expected one of {}", what, names)
                           : fmt::format("unknown {} '{}': expected one of {}", what, p.options, names));
}

/// A deterministic "random" draw from an explicit seed (splitmix64): what libfwd uses wherever
/// the real system draws a random number (FreeBSD's per-lagg key).
std::uint32_t seeded_draw(std::uint64_t seed) { return static_cast<std::uint32_t>(splitmix64(seed) >> 32); }

Policy::Hasher parse_freebsd(const Parsed& p, freebsd::Variant variant, std::string& canonical) {
  p.allow_keys({"key", "seed"});
  freebsd::Options o;
  o.variant = variant;
  if (!p.options.empty()) {
    o.flags = 0;
    for (auto tok : split(p.options, ',')) {
      if (const auto* f = describe::find_enumerator<freebsd::Flags>(tok)) o.flags |= *f;
      else p.fail(fmt::format("unknown lagghash flag '{}': expected {}", tok, describe::enumerator_names<freebsd::Flags>()));
    }
  }
  if (p.keys.count("key") && p.keys.count("seed")) p.fail("give either key= or seed=, not both");
  if (p.keys.count("key")) {
    o.key = static_cast<std::uint32_t>(p.number("key", 0));
  } else {
    // No key: the real system draws one at random; libfwd draws it from seed= (default 0).
    const std::uint32_t s = seeded_draw(p.number("seed", 0, 64));
    o.key = variant == freebsd::Variant::fnv ? freebsd::fnv_key_from_random(s) : s;
  }
  std::string flags;
  for (const auto& f : describe::Enumerators<freebsd::Flags>::list)
    if (o.flags & f.value) {
      if (!flags.empty()) flags += ',';
      flags += f.name;
    }
  canonical = fmt::format("{}:{};key=0x{:08x}", p.family, flags, o.key);
  return FreebsdHasher{o};
}

}  // namespace

Policy Policy::from_spec(std::string_view spec) {
  Parsed p;
  p.spec = spec;
  const auto parts = split(spec, ';');
  const std::string_view head = parts[0];
  const auto colon = head.find(':');
  const std::string_view fam = head.substr(0, colon);
  p.options = colon == std::string_view::npos ? std::string_view{} : head.substr(colon + 1);
  try {
    p.family = describe::find_system(fam, describe::Layer::hash, "hash family").name;
  } catch (const Error& e) {
    p.fail(e.what());
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto eq = parts[i].find('=');
    if (eq == std::string_view::npos || eq == 0)
      p.fail(fmt::format("option '{}' is not key=value", parts[i]));
    if (!p.keys.emplace(std::string(parts[i].substr(0, eq)), std::string(parts[i].substr(eq + 1))).second)
      p.fail(fmt::format("option '{}' given twice", parts[i].substr(0, eq)));
  }

  std::string canonical;

  if (p.family == "freebsd-9.3" || p.family == "freebsd-10" || p.family == "freebsd-12") {
    // 9.3 and 10 share hash32; 12 and later hash with FNV-1 (each keeps its own name in the spec).
    auto hasher = parse_freebsd(p, p.family == "freebsd-12" ? freebsd::Variant::fnv : freebsd::Variant::hash32, canonical);
    return Policy(std::move(hasher), canonical);
  }
  if (p.family == "linux-6.12") {
    p.allow_keys({});
    const auto policy = one_of<linux_bond::XmitHashPolicy>(p, "xmit_hash_policy");
    return Policy(LinuxHasher{policy}, fmt::format("linux-6.12:{}", p.options));
  }
  if (p.family == "ovs-3.1") {
    p.allow_keys({"basis"});
    const auto mode = one_of<ovs::BondMode>(p, "bond mode");
    const auto basis = static_cast<std::uint32_t>(p.number("basis", 0));
    return Policy(OvsHasher{mode, basis}, fmt::format("ovs-3.1:{};basis={}", p.options, basis));
  }
  if (p.family == "dpdk") {
    p.allow_keys({});
    const auto pol = one_of<dpdk::XmitPolicy>(p, "xmit_policy");
    return Policy(DpdkHasher{pol}, fmt::format("dpdk:{}", p.options));
  }
  if (p.family == "toeplitz") {
    p.allow_keys({"key", "reta"});
    const auto type = one_of<toeplitz::HashType>(p, "hash type");
    std::vector<std::uint8_t> key(toeplitz::microsoft_key.begin(), toeplitz::microsoft_key.end());
    if (auto it = p.keys.find("key"); it != p.keys.end()) key = parse_hex(p, "key", it->second);
    const auto reta = static_cast<std::uint32_t>(p.number("reta", 128));
    if (reta == 0 || (reta & (reta - 1)) || reta > 4096)
      p.fail(fmt::format("invalid reta={}: expected a power of two from 1 to 4096", reta));
    std::shared_ptr<const toeplitz::Key> k;
    try {
      k = std::make_shared<const toeplitz::Key>(net::Bytes(key));
    } catch (const Error& e) {
      p.fail(e.what());
    }
    std::string key_hex;
    for (auto b : key) key_hex += fmt::format("{:02x}", b);
    return Policy(ToeplitzHasher{std::move(k), type, reta},
                  fmt::format("toeplitz:{};key={}{}", p.options, key_hex, reta == 128 ? "" : fmt::format(";reta={}", reta)));
  }
  if (p.family == "bmv2") {
    p.allow_keys({});
    return Policy(Bmv2Hasher{one_of<bmv2::Algorithm>(p, "bmv2 algorithm")}, fmt::format("bmv2:{}", p.options));
  }
  // vendor: its options grammar is its own (vendor.hpp); hand it everything after "vendor:".
  try {
    const auto config = vendor::Config::parse(spec.substr(spec.find(':') == std::string_view::npos ? spec.size() : spec.find(':') + 1));
    return Policy(VendorHasher{config}, "vendor:" + config.to_string());
  } catch (const Error& e) {
    throw Error(fmt::format("{} in \"{}\"", e.what(), spec));
  }
}

std::string_view Policy::family() const {
  // The canonical spec always starts with the registry's system name.
  const std::string_view spec = spec_;
  return spec.substr(0, spec.find(':'));
}

unsigned Policy::hash_bits() const {
  const auto* b = std::get_if<Bmv2Hasher>(&hasher_);
  return b && b->algorithm == bmv2::Algorithm::identity ? 64 : 32;
}

void Policy::check_members(std::uint32_t members) const {
  if (members == 0 && !std::holds_alternative<OvsHasher>(hasher_))
    throw Error(fmt::format("members must be at least 1 for \"{}\"", spec_));
}

std::uint32_t Policy::index(std::uint64_t hash, std::uint32_t members) const {
  check_members(members);
  return visit([&](const auto& h) { return h.index(hash, Modulus(members)); });
}

std::uint64_t Policy::hash_input(net::Bytes input) const {
  return visit([&](const auto& h) -> std::uint64_t {
    if constexpr (requires { h.raw(input, std::declval<NoTrace&>()); }) {
      NoTrace t;
      return h.raw(input, t);
    } else {
      throw Error(fmt::format("\"{}\" hashes frames, not raw input bytes: only toeplitz and bmv2 policies take raw input", spec_));
    }
  });
}

}  // namespace fwd::hash
