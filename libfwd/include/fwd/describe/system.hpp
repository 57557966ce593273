#pragma once
/// \file
/// fwd::describe::System: the one registry of the real systems libfwd follows.
///
/// A system name means one system in every layer: `freebsd-12` is FreeBSD 12 and later (lagg with
/// FNV-1 hashing) whether it appears in a hash spec, a LAG spec or anywhere else. Each system lists
/// its version, its documented aliases and which layers model it; hash::Policy, lag::Lag and
/// l2::parse_profile resolve names here and nowhere else. A name that used to mean different
/// systems in different layers (`freebsd`: the 9.x bridge in l2, FreeBSD 12+ in hash and lag) is
/// rejected with an error that lists the choices, rather than silently picking one.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace fwd::describe {

/// The layers that model a system (bit flags).
/// `sim`: the host stack of fwd::sim::Host (HostConfig::os).
enum class Layer : std::uint8_t { hash = 1, lag = 2, l2 = 4, sim = 8 };
/// `hash`, `lag`, `l2`, `sim`.
std::string_view to_string(Layer l);

/// One real system.
struct System {
  std::string_view name;                      ///< canonical name, e.g. `freebsd-12`
  std::string_view version;                   ///< what exactly is followed, e.g. `12.0 and later`
  std::string_view follows;                   ///< one line: product and component
  std::span<const std::string_view> aliases;  ///< other accepted spellings (documented, unambiguous)
  std::uint8_t layers = 0;                    ///< Layer bits that model it
  std::string_view l2_profile;                ///< l2 profile name (`linux-bridge`), if it has one

  bool in(Layer l) const { return (layers & static_cast<std::uint8_t>(l)) != 0; }
};

/// Every layer, in documentation order (for loops and messages).
inline constexpr Layer all_layers[] = {Layer::hash, Layer::lag, Layer::l2, Layer::sim};

/// Every system, in documentation order.
std::span<const System> systems();

/// The system `name` (canonical or alias) names, if layer `layer` models it. Throws fwd::Error for
/// an unknown name, an ambiguous one (listing the choices) or a system the layer does not model
/// (listing the systems it does). `what` names the context in messages, e.g. "LAG system".
const System& find_system(std::string_view name, Layer layer, std::string_view what);

/// The same lookup without throwing: nullptr when `name` does not resolve for `layer`.
const System* lookup_system(std::string_view name, Layer layer) noexcept;

/// "freebsd-9.3 (freebsd-9, freebsd-9.x, freebsd-hash32), freebsd-10 (...), ..." for `layer`.
std::string accepted_systems(Layer layer);

/// Names once accepted that meant different systems in different layers, with the message
/// listing the choices (checked by find_system before anything else).
std::span<const std::string_view> ambiguous_names();

}  // namespace fwd::describe
