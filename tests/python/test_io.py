"""fwd.io: pcap/pcapng files are generated here with struct, never checked in."""
import struct

import numpy as np
import pytest

import fwd.io


def pcap_usec(path, frames, linktype=1, cut=0):
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        data += struct.pack("<IIII", 1_700_000_000, 250 + i, len(f), len(f) + 4) + f
    with open(path, "wb") as out:
        out.write(data[:len(data) - cut])


def pcapng_nsec(path, frames, t0=1_600_000_000_000_000_123):
    shb = struct.pack("<IIIHHqI", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1, 28)
    opts = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)  # if_tsresol = 9 (ns), end of options
    idb_len = 16 + len(opts) + 4
    idb = struct.pack("<IIHHI", 1, idb_len, 1, 0, 0) + opts + struct.pack("<I", idb_len)
    body = b""
    t = t0
    for f in frames:
        pad = (-len(f)) % 4
        n = 32 + len(f) + pad
        body += struct.pack("<IIIIIII", 6, n, 0, t >> 32, t & 0xFFFFFFFF, len(f), len(f)) + f + b"\0" * pad
        body += struct.pack("<I", n)
        t += 1500
    with open(path, "wb") as out:
        out.write(shb + idb + body)


def test_read_pcap_microseconds(tmp_path):
    p = tmp_path / "a.pcap"
    pcap_usec(p, [b"\x01" * 60, b"\x02" * 42, b"\x03" * 5])
    frames, lengths, ts = fwd.io.read_pcap(p)
    assert frames.dtype == np.uint8 and frames.shape == (3, 60) and frames.flags["C_CONTIGUOUS"]
    assert lengths.dtype == np.uint32 and lengths.tolist() == [60, 42, 5]
    assert ts.dtype == np.int64 and ts.tolist() == [1_700_000_000_000_250_000 + 1000 * i for i in range(3)]
    assert frames[1, 41] == 2 and frames[1, 42] == 0  # zero-padded
    *_, wire = fwd.io.read_pcap(p, wire_lengths=True)
    assert wire.tolist() == [64, 46, 9]
    f2, l2, _ = fwd.io.read_pcap(p, max_length=32)
    assert f2.shape == (3, 32) and l2.tolist() == [32, 32, 5]


def test_read_pcapng_nanoseconds(tmp_path):
    p = tmp_path / "b.pcapng"
    pcapng_nsec(p, [b"\x07" * 60, b"\x08" * 61])
    frames, lengths, ts, fmt = fwd.io.read_pcap(p, with_format=True)
    assert fmt == "pcapng" and lengths.tolist() == [60, 61]
    assert ts.tolist() == [1_600_000_000_000_000_123, 1_600_000_000_000_001_623]


def test_write_roundtrip_and_iter(tmp_path):
    p = tmp_path / "w.pcap"
    frames = np.arange(3 * 64, dtype=np.uint8).reshape(3, 64)
    assert fwd.io.write_pcap(p, frames, np.array([64, 20, 1]), [5, 6, 7_000_000_001], wire_lengths=[64, 1514, 1]) == 3
    f, l, ts, w = fwd.io.read_pcap(p, wire_lengths=True)
    assert l.tolist() == [64, 20, 1] and ts.tolist() == [5, 6, 7_000_000_001] and w.tolist() == [64, 1514, 1]
    assert (f[0] == frames[0]).all() and (f[1, :20] == frames[1, :20]).all()
    recs = list(fwd.io.iter_pcap(p))
    assert recs[2] == (7_000_000_001, bytes([128]), 1)
    fwd.io.write_pcap(p, [b"ab", b"cde"])
    assert fwd.io.read_pcap(p)[1].tolist() == [2, 3]
    with fwd.io.PcapWriter(str(tmp_path / "x.pcap")) as wr:
        wr.write(b"\0" * 14, timestamp_ns=9)
    assert fwd.io.read_pcap(tmp_path / "x.pcap")[2].tolist() == [9]


def test_errors(tmp_path):
    with pytest.raises(OSError, match="No such file"):
        fwd.io.read_pcap(tmp_path / "missing.pcap")
    assert issubclass(fwd.io.FileError, OSError)
    p = tmp_path / "t.pcap"
    pcap_usec(p, [b"\x01" * 60, b"\x02" * 60], cut=30)
    with pytest.raises(ValueError, match=r"record 2 at byte offset 100: truncated dump file"):
        fwd.io.read_pcap(p)
    pcap_usec(p, [b"\x01" * 20], linktype=113)
    with pytest.raises(ValueError, match=r"link type LINUX_SLL \(113\) is not supported: supported link types: EN10MB"):
        fwd.io.read_pcap(p)
    p.write_bytes(b"not a capture at all, certainly")
    with pytest.raises(ValueError, match="expected a pcap or pcapng file"):
        fwd.io.read_pcap(p)
    with pytest.raises(ValueError, match="max_length"):
        fwd.io.read_pcap(p, max_length=0)
    with pytest.raises(TypeError):
        fwd.io.write_pcap(tmp_path / "o.pcap", np.zeros((2, 3), dtype=np.float32))
