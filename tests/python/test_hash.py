"""fwd.hash.Policy: single-frame API, metadata, explain, batch == scalar, errors."""
import json

import numpy as np
import pytest

import fwd
from fwd.hash import Policy
from fwd.net import frame

# F1 of the spec: the seed's SYN-ACK 192.168.80.2:80 -> 192.168.0.17:30892.
F1 = bytes.fromhex("00005e0001010025901122330800450000281234000040069738c0a85002c0a80011"
                   "005078ac00000001000000005012ffff00000000000000000000")

SPECS = ["freebsd-9.3:l2,l3,l4;key=0x1234abcd", "freebsd-fnv:l3,l4;key=7", "linux-6.12:layer2",
         "linux-6.12:layer2+3", "linux-6.12:layer3+4", "linux-6.12:encap2+3", "linux-6.12:encap3+4",
         "linux-6.12:vlan+srcmac", "ovs-3.1:balance-slb;basis=42", "ovs-3.1:balance-tcp;basis=0", "dpdk:l2",
         "dpdk:l23", "dpdk:l34", "toeplitz:ipv4_tcp", "toeplitz:ipv6_udp", "bmv2:crc16", "bmv2:crc32",
         "bmv2:crcCCITT", "bmv2:csum16", "bmv2:xor16", "bmv2:identity",
         "vendor:5tuple;function=crc16;seed=1", "vendor:l2;function=xxh3;buckets=8"]


def test_worked_examples_of_the_spec():
    assert Policy("freebsd-9.3:l2,l3,l4;key=0").hash(F1) == 0x4FD006C2
    assert Policy("freebsd-9.3:l2,l3,l4;key=0").hash(F1, vlan_tci=4094) == 0x9935D5CF
    assert Policy("freebsd-fnv:l2,l3,l4;key=0").hash(F1) == 0x18C6B922
    assert Policy("linux-6.12:layer2").hash(F1) == 0x832
    assert Policy("linux-6.12:layer3+4").hash(F1) == 0x5FCBE3E3
    assert Policy("linux-6.12:layer3+4").index(F1, 3) == 2
    assert Policy("dpdk:l34").hash(F1) == 0x1343BFC7
    assert Policy("ovs-3.1:balance-slb;basis=0").index(F1, 256) == 56
    assert Policy("ovs-3.1:balance-tcp;basis=0").index(F1, 4) == 162
    t = Policy("toeplitz:ipv4_tcp")
    assert t.hash(F1) == 0x8EE0453D and t.index(F1, 2) == 1
    assert t.hash_input(bytes.fromhex("420995bba18e6450")) != 0  # raw input path works
    assert Policy("toeplitz:ipv4").hash_input(bytes.fromhex("420995bba18e6450")) == 0x323E8FC2
    assert Policy("bmv2:crc16").hash_input(b"123456789") == 0xBB3D
    assert Policy("bmv2:identity").hash_input(b"123456789") == 0x3132333435363738


def test_aliases_and_canonical_spec():
    assert Policy("freebsd-fnv:l2;key=1").spec == "freebsd-12:l2;key=0x00000001"
    assert Policy("freebsd-10:l3;key=0x10").spec == "freebsd-10:l3;key=0x00000010"
    with pytest.raises(ValueError, match="ambiguous hash family 'freebsd'.*freebsd-9.3.*freebsd-10.*freebsd-12"):
        Policy("freebsd:l2")
    assert Policy("linux:layer2").spec == "linux-6.12:layer2"
    assert Policy("ovs:balance-slb;basis=0x10").spec == "ovs-3.1:balance-slb;basis=16"
    # No key: a seeded draw, the same on every run, different per seed.
    assert Policy("freebsd-9.3:l2").spec == Policy("freebsd-9.3:l2;seed=0").spec
    assert Policy("freebsd-9.3:l2;seed=1").spec != Policy("freebsd-9.3:l2;seed=2").spec


@pytest.mark.parametrize("spec,fragment", [
    ("freebsd-9.3:l2,l5;key=0", "unknown lagghash flag 'l5'"),
    ("freebsd-9.3:l2;key=0x1ffffffff", "32-bit"),
    ("freebsd-9.3:l2;key=1;seed=2", "either key= or seed="),
    ("linux-6.12:layer5", "expected one of layer2, layer2+3"),
    ("linux-6.12:layer2;basis=1", "takes no options"),
    ("nosuch:l2", "expected freebsd-9.3"),
    ("ovs-3.1:balance-slb;bassis=1", "expected basis"),
    ("toeplitz:ipv4;key=zz", "not hex"),
    ("toeplitz:ipv4;reta=100", "power of two"),
    ("bmv2:crc99", "expected one of crc16"),
    ("vendor:src_ip,bogus", "bogus"),
    ("FREEBSD-9.3:l2", "unknown hash family"),
])
def test_bad_specs_name_the_token_and_the_choices(spec, fragment):
    with pytest.raises(ValueError) as e:
        Policy(spec)
    assert fragment in str(e.value)
    assert isinstance(e.value, fwd.Error)


def test_bad_frames_and_arguments():
    p = Policy("linux-6.12:layer3+4")
    with pytest.raises(TypeError):
        p.hash("00112233")  # text, not bytes
    with pytest.raises(TypeError, match="unknown packet metadata 'vlan'"):
        p.hash(F1, vlan=3)
    with pytest.raises(ValueError, match="members: 0 out of range"):
        p.index(F1, 0)
    with pytest.raises(ValueError, match="raw input"):
        p.hash_input(b"abc")
    # Truncated and empty frames are not errors: they hash as the real system does.
    assert p.hash(b"") == 0
    assert p.hash(F1[:13]) == 0
    assert Policy("freebsd-9.3:l2,l3,l4;key=77").hash(F1[:5]) == 77


def test_explain_text_json_and_dict_agree_with_hash():
    p = Policy("freebsd-9.3:l2,l3,l4;key=0")
    e = p.explain(F1, 2)
    assert e.hash == p.hash(F1) and e.index == 0
    text = str(e)
    assert "src_mac" in text and "0x4fd006c2 % 2 = 0" in text
    d = e.to_json()
    assert d["hash"] == e.hash and d["index_rule"] == e.index_rule
    names = [s["name"] for s in d["steps"] if s["kind"] == "field"]
    assert names == ["src_mac", "dst_mac", "ip_src,ip_dst", "src_port,dst_port"]
    assert d["steps"][1]["offset"] == 6 and d["steps"][1]["bytes"] == "002590112233"
    assert e.to_dict()["steps"][-1]["hash"] == e.hash


def random_frames(n, seed):
    """Random mixes of real-looking frames and random bytes, zero-padded to 96 bytes."""
    rng = np.random.default_rng(seed)
    frames = np.zeros((n, 96), dtype=np.uint8)
    lengths = np.zeros(n, dtype=np.uint32)
    for i in range(n):
        kind = i % 4
        if kind == 3:
            f = rng.integers(0, 256, rng.integers(0, 96), dtype=np.uint8).tobytes()
        else:
            ip6 = kind == 2
            f = frame(src_mac=int(rng.integers(0, 2**47)) * 2, dst_mac=int(rng.integers(0, 2**47)) * 2,
                      vlan=int(rng.integers(0, 4096)) if kind == 1 else None,
                      src_ip=f"2001:db8::{rng.integers(1, 65535):x}" if ip6 else f"10.{i % 250}.{rng.integers(0, 255)}.1",
                      dst_ip=f"2001:db8::{rng.integers(1, 65535):x}" if ip6 else f"192.168.{rng.integers(0, 255)}.9",
                      proto="udp" if i % 5 == 0 else "tcp", src_port=int(rng.integers(1, 65535)),
                      dst_port=int(rng.integers(1, 65535)))
            f = f[:int(rng.integers(10, len(f) + 1))] if i % 7 == 0 else f  # some truncated
        frames[i, :len(f)] = np.frombuffer(f, dtype=np.uint8)
        lengths[i] = len(f)
    return frames, lengths


@pytest.mark.parametrize("spec", SPECS)
def test_batch_equals_scalar_on_random_frames(spec):
    p = Policy(spec)
    frames, lengths = random_frames(300, seed=hash(spec) & 0xFFFF)
    hashes = p.hash_batch(frames, lengths)
    assert hashes.dtype == (np.uint64 if p.hash_bits == 64 else np.uint32)
    idx = p.index_batch(frames, 3, lengths)
    assert idx.dtype == np.uint16
    for i in range(len(frames)):
        f = frames[i, :lengths[i]].tobytes()
        assert hashes[i] == p.hash(f), i
        assert idx[i] == p.index(f, 3), i
    # Without lengths every row is a whole (zero-padded) frame.
    assert p.hash_batch(frames[:5])[0] == p.hash(frames[0].tobytes())
    # Lengths of any integer type and layout give the same hashes (uint32 is read in place).
    for ln in (lengths.astype(np.uint32), lengths.astype(np.int64), lengths.astype(np.uint16),
               np.repeat(lengths.astype(np.uint32), 2)[::2]):
        assert (p.hash_batch(frames, ln) == hashes).all(), ln.dtype


def test_batch_rejects_wrong_arrays_clearly():
    p = Policy("linux-6.12:layer3+4")
    with pytest.raises(TypeError, match="dtype uint8"):
        p.hash_batch(np.zeros((2, 64), dtype=np.int32))
    with pytest.raises(ValueError, match="2-D"):
        p.hash_batch(np.zeros(64, dtype=np.uint8))
    with pytest.raises(TypeError, match="2-D numpy.uint8"):
        p.hash_batch([[1, 2, 3]])
    with pytest.raises(ValueError, match="lengths has 3 entries for 2 frames"):
        p.hash_batch(np.zeros((2, 64), dtype=np.uint8), lengths=np.array([1, 2, 3]))
    with pytest.raises(ValueError, match=r"lengths\[1\] = 65 out of range"):
        p.hash_batch(np.zeros((2, 64), dtype=np.uint8), lengths=np.array([1, 65]))
    # uint32 lengths are read in place (checked first): the same message, the first bad row named.
    with pytest.raises(ValueError, match=r"lengths\[2\] = 65 out of range: expected 0\.\.64"):
        p.hash_batch(np.zeros((4, 64), dtype=np.uint8), lengths=np.array([1, 64, 65, 99], dtype=np.uint32))
    with pytest.raises(ValueError, match="members: 0 out of range"):
        p.index_batch(np.zeros((2, 64), dtype=np.uint8), 0)
    # A non-contiguous view is accepted (copied once) and gives the same answer.
    frames, lengths = random_frames(20, 1)
    wide = np.zeros((20, 200), dtype=np.uint8)
    wide[:, :96] = frames
    assert (p.hash_batch(wide[:, :96], lengths) == p.hash_batch(frames, lengths)).all()
