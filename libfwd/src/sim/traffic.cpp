// PingResult and TcpConnectResult summaries (fwd/sim/traffic.hpp): what ping(8) prints and counts
// over a finished run; the applications producing them live in host_apps.cpp (ping) and host_apps_tcp.cpp.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "fwd/sim/traffic.hpp"

namespace fwd::sim {

std::vector<std::uint32_t> PingResult::lost_seqs() const {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < sent && i < rtt_ns.size(); ++i)
    if (rtt_ns[i] < 0) out.push_back(static_cast<std::uint32_t>(i));
  return out;
}

std::vector<double> PingResult::lost_gaps_ms() const {
  std::vector<double> out;
  std::int64_t prev = -1;
  for (std::size_t i = 0; i < sent && i < rtt_ns.size(); ++i) {
    if (rtt_ns[i] >= 0) continue;
    if (prev >= 0) out.push_back(static_cast<double>(send_ns[i] - prev) / 1e6);
    prev = send_ns[i];
  }
  return out;
}

std::string PingResult::summary(const std::string& dst) const {
  double mn = 1e300, mx = 0, sum = 0, sq = 0;
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < sent && i < rtt_ns.size(); ++i) {
    if (rtt_ns[i] < 0) continue;
    const double ms = static_cast<double>(rtt_ns[i]) / 1e6;
    mn = std::min(mn, ms);
    mx = std::max(mx, ms);
    sum += ms;
    sq += ms * ms;
    ++n;
  }
  // ping.c prints the loss as an integer-rounded percentage with one decimal: 56/100000 -> 0.1%.
  const double loss = sent ? (static_cast<double>(sent - received) * 100.0 / sent) : 0.0;
  std::string s = fmt::format("--- {} ping statistics ---\n{} packets transmitted, {} packets received, {:.1f}% packet loss\n",
                              dst, sent, received, loss);
  if (n) {
    const double avg = sum / static_cast<double>(n);
    const double var = std::max(0.0, sq / static_cast<double>(n) - avg * avg);
    s += fmt::format("round-trip min/avg/max/stddev = {:.3f}/{:.3f}/{:.3f}/{:.3f} ms\n", mn, avg, mx, std::sqrt(var));
  }
  return s;
}

std::uint32_t TcpConnectResult::established() const {
  std::uint32_t n = 0;
  for (const auto& a : attempts) n += a.established_ns >= 0;
  return n;
}
std::uint32_t TcpConnectResult::retransmitted() const {
  std::uint32_t n = 0;
  for (const auto& a : attempts) n += a.syn_sent > 1;
  return n;
}

}  // namespace fwd::sim
