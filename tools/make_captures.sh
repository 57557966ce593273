#!/usr/bin/env bash
# Records the real-traffic captures of tests/data/captures/ (run as root; needs tcpdump, dumpcap,
# iputils-ping and Debian's python3). Two network namespaces joined by a veth pair, IPv4 and IPv6 on
# both; traffic: ping and ping -6, TCP exchanges and UDP datagrams over IPv4 and IPv6 through the
# kernels' stacks, plus VLAN-tagged frames (VID 100, PCP 3; UDP/IPv4 and TCP/IPv6) sent from a
# packet socket (this host's kernel has neither 8021q nor bridge VLAN filtering, so the tagged
# frames are one-way), all between the namespaces this script creates (nothing leaves the host).
# The same traffic is captured at once as:
#   eth.pcap       tcpdump -i veth (Ethernet, microseconds)
#   eth_nano.pcap  tcpdump -i veth --time-stamp-precision nano
#   sll2.pcap      tcpdump -i any (Linux cooked v2)
#   sll.pcap       tcpdump -i any -y LINUX_SLL (Linux cooked v1)
#   two_if.pcapng  dumpcap -i veth -i any (pcapng: an Ethernet and a Linux cooked v2 interface)
# tests/python/test_flows_tshark.py compares fwd's flow table of each with tshark's dissection.
set -euo pipefail
out=${1:-tests/data/captures}
mkdir -p "$out"
A=fwdcapA.$$ B=fwdcapB.$$
cleanup() {
  ip netns pids "$A" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids "$B" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$A"
ip netns add "$B"
ip link add va netns "$A" type veth peer name vb netns "$B"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set va address 02:00:00:0a:00:01
ip -n "$B" link set vb address 02:00:00:0b:00:01
ip -n "$A" addr add 10.9.0.1/24 dev va
ip -n "$B" addr add 10.9.0.2/24 dev vb
ip -n "$A" addr add fd09::1/64 dev va nodad
ip -n "$B" addr add fd09::2/64 dev vb nodad
ip -n "$A" link set va up
ip -n "$B" link set vb up
# Keep segments small (and the captures too): no offloads on the veth.
ip netns exec "$A" ethtool -K va tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$B" ethtool -K vb tso off gso off gro off >/dev/null 2>&1 || true

server='
import socket, sys, threading
def tcp(fam, addr):
    s = socket.socket(fam, socket.SOCK_STREAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 5001)); s.listen()
    while True:
        c, _ = s.accept()
        while (d := c.recv(4096)):
            c.sendall(d.upper())
        c.close()
def udp(fam, addr):
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, 5002))
    while True:
        d, a = s.recvfrom(4096); s.sendto(d[::-1], a)
for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for f in (tcp, udp):
        threading.Thread(target=f, args=(fam, addr), daemon=True).start()
threading.Event().wait()
'
client='
import socket, time
for dst in ("10.9.0.2", "fd09::2"):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    for i in range(2):
        c = socket.socket(fam, socket.SOCK_STREAM); c.connect((dst, 5001))
        for k in range(4):
            c.sendall(b"hello %d %d " % (i, k) * (1 + 6 * k)); c.recv(8192); time.sleep(0.005)
        c.close()
    u = socket.socket(fam, socket.SOCK_DGRAM)
    for k in range(5):
        u.sendto(b"datagram %d" % k * (1 + 3 * k), (dst, 5002)); u.recv(4096)
# Tagged frames straight onto the wire (VID 100, PCP 3).
import struct
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
eth = bytes.fromhex("0200000b0001" "0200000a0001") + struct.pack("!HH", 0x8100, (3 << 13) | 100)
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); raw.bind(("va", 0))
for k in range(6):
    data = b"tagged %d" % k * (1 + 5 * k)
    udp = struct.pack("!HHHH", 4000, 5002, 8 + len(data), 0) + data
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), k, 0, 64, 17, 0, socket.inet_aton("10.9.100.1"), socket.inet_aton("10.9.100.2"))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    raw.send(eth + struct.pack("!H", 0x0800) + ip + udp); time.sleep(0.01)
for k in range(4):
    tcp = struct.pack("!HHIIBBHHH", 40000 + (k % 2), 5001, k, 0, 5 << 4, 0x02, 65535, 0, 0)
    ip6 = struct.pack("!IHBB16s16s", (6 << 28) | 0x12345, len(tcp), 6, 64, socket.inet_pton(socket.AF_INET6, "fd64::1"), socket.inet_pton(socket.AF_INET6, "fd64::2"))
    raw.send(eth + struct.pack("!H", 0x86dd) + ip6 + tcp); time.sleep(0.01)
time.sleep(0.2)
'
ip netns exec "$B" /usr/bin/python3 -c "$server" &
sleep 0.5
ip netns exec "$A" tcpdump -q -i va -w "$out/eth.pcap" 2>/dev/null &
ip netns exec "$A" tcpdump -q -i va --time-stamp-precision nano -w "$out/eth_nano.pcap" 2>/dev/null &
ip netns exec "$A" tcpdump -q -i any -w "$out/sll2.pcap" 2>/dev/null &
ip netns exec "$A" tcpdump -q -i any -y LINUX_SLL -w "$out/sll.pcap" 2>/dev/null &
ip netns exec "$A" dumpcap -q -i va -i any -w "$out/two_if.pcapng" 2>/dev/null &
sleep 2
ip netns exec "$A" ping -q -c 3 -i 0.2 10.9.0.2 >/dev/null
ip netns exec "$A" ping -q -c 3 -i 0.2 fd09::2 >/dev/null
ip netns exec "$A" /usr/bin/python3 -c "$client"
sleep 1
ip netns pids "$A" | xargs -r kill -INT
sleep 1
chown root:root "$out"/* ; chmod 644 "$out"/*.pcap "$out"/*.pcapng
ls -l "$out"
