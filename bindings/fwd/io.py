"""pcap and pcapng input, pcap output (through libpcap).

    >>> frames, lengths, timestamps_ns = fwd.io.read_pcap("trace.pcapng")
    >>> frames, lengths, timestamps_ns, wire_lengths = fwd.io.read_pcap("trace.pcap", wire_lengths=True)
    >>> lag.select_batch(frames, lengths)

`frames` is the 2-D batch layout of fwd.hash / fwd.lag (numpy.uint8, one zero-padded frame per
row, as wide as the longest captured frame or `max_length`), `lengths` the captured length of
each frame (what can be hashed; uint32), `timestamps_ns` int64 nanoseconds as written in the file
(microsecond files scaled), and on request `wire_lengths` the length on the wire (uint32). Only
Ethernet captures (link type EN10MB) are read. A missing or unreadable file raises FileError (an
OSError); a file that is not a capture, a truncated or corrupt record (with its number and byte
offset) or another link type raises ValueError. Frames shorter than their headers are returned
like any other frame, never dropped. Rows are padded to the longest frame unless `max_length` is
given; when padding would take far more memory than the capture (max(64 MiB, 16x its size)), a
ValueError asks for `max_length` (512 holds every header libfwd hashes).

Flow tables (unidirectional 5-tuple flows with packets, bytes and times, from Ethernet, Linux
cooked SLL/SLL2 and raw IP captures, streamed in bounded memory): `fwd.io.read_flows`, the same
function as `fwd.flows.read_flows` (see pydoc fwd.flows).
"""
import os

import numpy as np

from ._fwd.io import FileError, PcapReader, PcapWriter  # noqa: F401
from ._fwd.io import _read_frames, _write_pcap
from .flows import read_flows  # noqa: F401  (documented above; fwd.flows has the rest)


def read_pcap(path, *, wire_lengths=False, max_length=None, with_format=False):
    """Read a pcap/pcapng file -> (frames, lengths, timestamps_ns[, wire_lengths][, format])."""
    if max_length is not None and int(max_length) < 1:
        raise ValueError(f"max_length={max_length}: expected a positive number of bytes")
    frames, lengths, wire, ts, fmt = _read_frames(os.fspath(path), int(max_length or 0))
    out = [frames, lengths, ts]
    if wire_lengths:
        out.append(wire)
    if with_format:
        out.append(fmt)
    return tuple(out)


def iter_pcap(path):
    """Iterate (timestamp_ns, frame bytes, wire_length) without loading the whole file."""
    return PcapReader(os.fspath(path))


def write_pcap(path, frames, lengths=None, timestamps_ns=None, *, wire_lengths=None, nanosecond=True, linktype=1):
    """Write frames (a 2-D uint8 batch, or a list of bytes) to a classic pcap file; returns the count."""
    if isinstance(frames, (list, tuple)):
        if lengths is not None:
            raise TypeError("lengths go with a 2-D frame array, not with a list of frames")
        width = max((len(f) for f in frames), default=1) or 1
        batch = np.zeros((len(frames), width), dtype=np.uint8)
        lengths = np.zeros(len(frames), dtype=np.uint32)
        for i, f in enumerate(frames):
            b = np.frombuffer(bytes(f), dtype=np.uint8)
            batch[i, :len(b)] = b
            lengths[i] = len(b)
        frames = batch
    return _write_pcap(os.fspath(path), frames, lengths, timestamps_ns, wire_lengths, bool(nanosecond), int(linktype))


__all__ = ["read_pcap", "iter_pcap", "write_pcap", "read_flows", "PcapReader", "PcapWriter", "FileError"]
