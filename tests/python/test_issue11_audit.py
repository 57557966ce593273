"""Findings of issue 11 that had no regression test of their own (the others are listed in the
README's reliability notes with the tests that cover them)."""
import pytest

from conftest import run_fwd

sim = pytest.importorskip("fwd.sim")


def test_huge_link_latency_is_out_of_range_not_negative(tmp_path):
    """Issue 11: 'a latency of 1e12 s is called negative' (llround overflow)."""
    net = sim.Network()
    for name, mac in (("a", "02:00:00:00:00:0a"), ("b", "02:00:00:00:00:0b")):
        net.add_host(name).add_nic("em0", mac)
    for bad in (1e12, "1e12s"):
        with pytest.raises(ValueError, match=r"^latency: .*out of range"):
            net.connect("a:em0", "b:em0", latency=bad)
    topo = tmp_path / "t.yaml"
    topo.write_text('hosts:\n  a: {nics: {em0: "02:00:00:00:00:0a"}}\n  b: {nics: {em0: "02:00:00:00:00:0b"}}\n'
                    "links:\n  - {a: a:em0, b: b:em0, latency: 1e12s}\n")
    r = run_fwd("sim", str(topo))
    assert r.returncode == 2 and r.stderr.startswith(f"error: {topo}:5:") and "out of range" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("spec,needle", [("bogus", "unknown hash family 'bogus'"), ("freebsd:l2", "ambiguous"),
                                         ("linux-6.12:layer9", "layer9")])
def test_demo_rejects_a_bad_spec_with_one_line(spec, needle):
    """Issue 11: '`seed` and `demo` have no error handling for any rejected value'."""
    r = run_fwd("demo", "--spec", spec)
    assert r.returncode == 2 and r.stderr.startswith("error: ") and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("text", ["hosts: &a\n  h1:\n    nics: *a\n", "a: &a [*a]\n",
                                  'hosts: &a\n  h1: {nics: {em0: "02:00:00:00:00:01"}}\n  h2: *a\n'])
def test_cyclic_yaml_aliases_are_refused(tmp_path, text):
    """A YAML alias that refers to its own anchor makes a cyclic document: refused as too deep,
    never a RecursionError traceback or a hang."""
    topo = tmp_path / "cyclic.yaml"
    topo.write_text(text)
    for cmd in (["sim", str(topo)], ["path", str(topo), "--flows", "3"]):
        r = run_fwd(*cmd)
        assert r.returncode == 2 and r.stderr.startswith(f"error: {topo}:") and "nested" in r.stderr, r.stderr
