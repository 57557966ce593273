// libFuzzer target: the capture readers and the flow table over arbitrary files. The input is a
// whole capture (pcap or pcapng; seed it with tests/data/captures). Checked on every input:
//  - CaptureReader over memory (an exactly-sized heap copy, so AddressSanitizer sees any read past
//    it) and the FlowTable built from it by the prefetching pipeline (add_capture) agree with a
//    record-by-record build (FlowTable::add): same flows, same counters, same per-record indices;
//  - every record is accounted for: records == frames in flows + skipped, packets and bytes add up;
//  - the same file streamed from disk in small chunks gives the same table;
//  - PcapReader / read_frames (libpcap) read it or throw fwd::Error, never crash or overflow.
// Errors (fwd::Error) are expected outcomes; anything else aborts. Build: see hash_fuzz.cpp, then
//   BUILD-fuzz/tests/fuzz/pcap_fuzz -max_total_time=60 tests/data/captures
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fwd/io/flows.hpp"
#include "fwd/io/pcap.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Outcome {
  bool error = false;
  std::vector<fwd::io::Flow> flows;
  std::vector<std::int64_t> index;
  std::uint64_t records = 0, skipped = 0, truncated = 0;
};

bool same(const Outcome& a, const Outcome& b) {
  if (a.error != b.error) return false;
  if (a.error) return true;
  return a.records == b.records && a.skipped == b.skipped && a.truncated == b.truncated &&
         a.flows.size() == b.flows.size() &&
         (a.flows.empty() || std::memcmp(a.flows.data(), b.flows.data(), a.flows.size() * sizeof(fwd::io::Flow)) == 0);
}

Outcome summarize(const fwd::io::FlowTable& t, std::vector<std::int64_t> index) {
  Outcome o;
  o.flows = t.flows();
  o.index = std::move(index);
  o.records = t.records();
  o.skipped = t.skipped_total();
  o.truncated = t.truncated_records();
  std::uint64_t packets = 0;
  for (const auto& f : t.flows()) {
    check(f.packets > 0 && f.first_ns <= f.last_ns);
    packets += f.packets;
  }
  check(packets + o.skipped == o.records);
  return o;
}

const std::string& scratch() {
  // tmpfs when there is one: a file is written per input.
  static const std::string path =
      std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/fwd_pcap_fuzz_" + std::to_string(::getpid()) + ".cap";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto buf = std::make_unique<std::uint8_t[]>(size ? size : 1);
  if (size) std::memcpy(buf.get(), data, size);
  const fwd::net::Bytes bytes(buf.get(), size);

  // Pipeline build from memory.
  Outcome piped;
  try {
    fwd::io::CaptureReader r(bytes, "fuzz", 1 << 16);
    fwd::io::FlowTable t(1 << 12);
    std::vector<std::int64_t> index;
    fwd::io::add_capture(t, r, &index);
    check(index.size() == t.records());
    piped = summarize(t, std::move(index));
  } catch (const fwd::Error&) {
    piped.error = true;
  }

  // Record-by-record build: the same table and indices.
  Outcome scalar;
  try {
    fwd::io::CaptureReader r(bytes, "fuzz", 1 << 16);
    fwd::io::FlowTable t(1 << 12);
    std::vector<std::int64_t> index;
    fwd::io::CaptureRecord rec;
    std::uint64_t wire_in_flows = 0;
    while (r.next(rec)) {
      index.push_back(t.add(rec.linktype, rec.timestamp_ns, rec.wire_length, rec.data));
      if (index.back() >= 0) wire_in_flows += rec.wire_length;
    }
    if (r.truncated_tail()) t.add_truncated_record();
    std::uint64_t bytes_sum = 0;
    for (const auto& f : t.flows()) bytes_sum += f.bytes;
    check(bytes_sum == wire_in_flows);
    scalar = summarize(t, std::move(index));
  } catch (const fwd::Error&) {
    scalar.error = true;
  }
  check(same(piped, scalar));
  if (!piped.error) check(piped.index == scalar.index);

  // Streamed from a file in small chunks, and through libpcap.
  const std::string& path = scratch();
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    Outcome streamed;
    try {
      fwd::io::CaptureReader r(path, 4096, 1 << 16);
      fwd::io::FlowTable t(1 << 12);
      fwd::io::add_capture(t, r);
      streamed = summarize(t, {});
    } catch (const fwd::Error&) {
      streamed.error = true;
    }
    check(same(piped, streamed));
    try {
      const auto block = fwd::io::read_frames(path, size % 2 ? 0 : 96);
      check(block.data.size() == block.count * block.stride);
      for (std::size_t i = 0; i < block.count; ++i) check(block.lengths[i] <= block.stride);
    } catch (const fwd::Error&) {
    }
  }
  return 0;
}
