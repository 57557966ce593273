"""fwd.pandas.assign_members equals the single-frame API."""
import pandas as pd
import pytest

import fwd.net as net
import fwd.pandas as fp
from fwd.hash import Policy


def test_assign_members_from_flow_columns_matches_policy_index():
    df = pd.DataFrame({"src_ip": ["192.168.80.2", "10.0.0.1", "2001:db8::1"],
                       "dst_ip": ["192.168.0.17", "10.0.0.2", "2001:db8::2"],
                       "src_port": [80, 1234, 5555], "dst_port": [30892, 80, 443],
                       "src_mac": ["00:25:90:11:22:33", "02:00:00:00:00:01", "02:00:00:00:00:01"]})
    out = fp.assign_members(df, policy="linux-6.12:layer3+4", members=3)
    assert out.name == "member" and list(out.index) == list(df.index)
    p = Policy("linux-6.12:layer3+4")
    for i, row in df.iterrows():
        f = net.frame(src_mac=row.src_mac, dst_mac="02:00:00:00:00:02", src_ip=row.src_ip, dst_ip=row.dst_ip,
                      src_port=row.src_port, dst_port=row.dst_port)
        assert out[i] == p.index(f, 3)
    assert out[0] == 2  # F1 of the spec: 0x5fcbe3e3 % 3
    named = fp.assign_members(df, policy=p, members=["eth0", "eth1", "eth2"])
    assert named[0] == "eth2"


def test_assign_members_from_frames_and_with_metadata():
    frames = [net.frame(src_ip="10.0.0.1", dst_ip="10.0.0.2", src_port=i) for i in range(20)]
    df = pd.DataFrame({"frame": frames})
    p = Policy("freebsd-9.3:l2,l3,l4;key=5")
    assert list(fp.assign_members(df, p, 4)) == [p.index(f, 4) for f in frames]
    assert list(fp.assign_members(df, p, 4, vlan_tci=2)) == [p.index(f, 4, vlan_tci=2) for f in frames]


def test_assign_members_errors():
    df = pd.DataFrame({"src_ip": ["10.0.0.300"], "dst_ip": ["10.0.0.1"]})
    with pytest.raises(ValueError, match="row 0: src_ip '10.0.0.300'"):
        fp.assign_members(df, "linux-6.12:layer2+3", 2)
    with pytest.raises(ValueError, match="at least 1"):
        fp.assign_members(df, "linux-6.12:layer2+3", 0)
