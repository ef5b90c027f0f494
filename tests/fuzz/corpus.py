#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz: valid inputs that take each target
deep at once (frames with valid checksums, op scripts that reach
ESTABLISHED, move data and close, INI files and command lines). The output
is committed; run this again after changing an input format:

    python3 tests/fuzz/corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
OUR_MAC = bytes([2, 0, 0x5e, 0, 0, 1])
PEER_MAC = bytes([2, 0, 0x5e, 0, 0, 0x20])
BCAST = b"\xff" * 6


def ip(a):
    return bytes(int(x) for x in a.split("."))


LOCAL, PEER = ip("198.18.0.1"), ip("198.18.0.20")
TUN_LOCAL, TUN_PEER = ip("198.19.200.1"), ip("198.19.200.2")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x1234, 0x4000,
                    64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + l4


def tcp(src, dst, sport, dport, seq, ack, flags, opts=b"", payload=b"",
        win=65535):
    hlen = 20 + len(opts)
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, (hlen // 4) << 4,
                    flags, win, 0, 0) + opts + payload
    ph = src + dst + struct.pack("!BBH", 0, 6, len(h))
    c = csum(ph + h)
    return h[:16] + struct.pack("!H", c) + h[18:]


def icmp_echo(ident, seq, payload):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def eth(dst, src, etype, body):
    return dst + src + struct.pack("!H", etype) + body


SYN_OPTS = (b"\x02\x04\x05\xb4" b"\x01\x03\x03\x07" b"\x01\x01\x04\x02"
            b"\x01\x01\x08\x0a" + struct.pack("!II", 12345, 0))
TS_OPTS = b"\x01\x01\x08\x0a" + struct.pack("!II", 12346, 10000)
SYN, FIN, RST, PSH, ACK = 2, 1, 4, 8, 16


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def net_input():
    t = "fuzz_net_input"
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, PEER,
                      b"\0" * 6, LOCAL)
    arp_reply = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, PEER_MAC,
                            PEER, OUR_MAC, LOCAL)
    frames = {
        "arp-request": eth(BCAST, PEER_MAC, 0x0806, arp),
        "arp-reply": eth(OUR_MAC, PEER_MAC, 0x0806, arp_reply),
        "icmp-echo": eth(OUR_MAC, PEER_MAC, 0x0800,
                         ipv4(PEER, LOCAL, 1, icmp_echo(0xBEEF, 1,
                                                        bytes(range(56))))),
        "tcp-syn-opts": eth(OUR_MAC, PEER_MAC, 0x0800, ipv4(PEER, LOCAL, 6,
            tcp(PEER, LOCAL, 40000, 80, 5000, 0, SYN, SYN_OPTS))),
        "tcp-data": eth(OUR_MAC, PEER_MAC, 0x0800, ipv4(PEER, LOCAL, 6,
            tcp(PEER, LOCAL, 40000, 80, 5001, 10001, PSH | ACK, TS_OPTS,
                b"GET / HTTP/1.0\r\n\r\n"))),
        "tcp-fin": eth(OUR_MAC, PEER_MAC, 0x0800, ipv4(PEER, LOCAL, 6,
            tcp(PEER, LOCAL, 40000, 80, 5001, 10001, FIN | ACK))),
        "tcp-rst": eth(OUR_MAC, PEER_MAC, 0x0800, ipv4(PEER, LOCAL, 6,
            tcp(PEER, LOCAL, 40000, 81, 5001, 10001, RST | ACK))),
        "tcp-offlink": eth(OUR_MAC, PEER_MAC, 0x0800, ipv4(ip("198.19.7.7"),
            LOCAL, 6, tcp(ip("198.19.7.7"), LOCAL, 40000, 80, 1, 0, SYN))),
    }
    for name, f in frames.items():
        write(t, name, bytes([0x04, 0]) + f)       # Ethernet, peer known
        write(t, name + "-arp", bytes([0x00, 0]) + f)  # resolve first
    # Chained mbufs (ctl bits 3-4) cutting through the headers.
    write(t, "tcp-syn-chain3", bytes([0x04 | (2 << 3), 0x9C]) +
          frames["tcp-syn-opts"])
    write(t, "icmp-chain2", bytes([0x04 | (1 << 3), 0x03]) +
          frames["icmp-echo"])
    # TUN: bare IPv4; and checksums vouched for by the "NIC".
    write(t, "tun-tcp-syn", bytes([0x01, 0]) + ipv4(TUN_PEER, TUN_LOCAL, 6,
          tcp(TUN_PEER, TUN_LOCAL, 40000, 80, 5000, 0, SYN, SYN_OPTS)))
    write(t, "tun-icmp", bytes([0x01, 0]) + ipv4(TUN_PEER, TUN_LOCAL, 1,
          icmp_echo(1, 2, b"ping")))
    write(t, "offload-tcp-syn", bytes([0x06, 0]) + frames["tcp-syn-opts"])


# fuzz_tcp_engine ops (see the OP_* list in fuzz_tcp_engine.c).
OP_SEG, OP_ACK_ALL, OP_ADVANCE, OP_CONNECT, OP_LISTEN, OP_UNLISTEN, \
    OP_SEND, OP_SHUTDOWN, OP_CLOSE, OP_ABORT, OP_NODELAY, OP_FLUSH = range(12)


def seg(flow, flags, dseq=0, dack=0, win=65535, osel=0, plen=0, opts=b""):
    return (bytes([OP_SEG, flow, flags]) +
            struct.pack("!hhH", dseq, dack, win) + bytes([osel, plen]) + opts)


def syn_opts():
    # MSS 1460, wscale 7, SACK permitted, timestamps (tsval +1, tsecr 0)
    return 0x0F, struct.pack("!H", 1460) + bytes([7]) + bytes([1, 0])


def tcp_engine():
    t = "fuzz_tcp_engine"
    osel, opts = syn_opts()
    passive = seg(0, SYN, osel=osel, opts=opts) + bytes([OP_ACK_ALL, 0])
    write(t, "passive-open", passive)
    write(t, "passive-data-close", passive +
          seg(0, PSH | ACK, plen=100) +
          bytes([OP_SEND, 0]) + struct.pack("!H", 1000) + bytes([OP_FLUSH]) +
          bytes([OP_ACK_ALL, 0]) +
          seg(0, FIN | ACK) + bytes([OP_CLOSE, 0, OP_FLUSH, OP_ACK_ALL, 0]) +
          bytes([OP_ADVANCE, 255]))
    write(t, "passive-we-close-first", passive +
          bytes([OP_SHUTDOWN, 0, OP_FLUSH, OP_ACK_ALL, 0]) +
          seg(0, FIN | ACK) + bytes([OP_ADVANCE, 100, OP_ADVANCE, 200]))
    write(t, "passive-loss-recovery", passive +
          bytes([OP_SEND, 0]) + struct.pack("!H", 4000) + bytes([OP_FLUSH]) +
          seg(0, ACK, dack=-3000) * 4 + bytes([OP_ADVANCE, 20]) +
          bytes([OP_ACK_ALL, 0]))
    write(t, "passive-zero-window", passive +
          seg(0, ACK, win=0) + bytes([OP_SEND, 0]) + struct.pack("!H", 300) +
          bytes([OP_FLUSH, OP_ADVANCE, 30, OP_ADVANCE, 60]) +
          seg(0, ACK, win=65535))
    write(t, "passive-ooo-data", passive +
          seg(0, PSH | ACK, dseq=200, plen=100) +
          seg(0, PSH | ACK, plen=200) + bytes([OP_ADVANCE, 10]))
    write(t, "active-open-data-close",
          bytes([OP_CONNECT, 0, OP_FLUSH]) +
          seg(2, SYN | ACK, osel=osel, opts=opts) +
          bytes([OP_SEND, 0]) + struct.pack("!H", 2000) + bytes([OP_FLUSH]) +
          bytes([OP_ACK_ALL, 2]) + seg(2, PSH | ACK, plen=50) +
          bytes([OP_CLOSE, 0, OP_FLUSH]) + seg(2, FIN | ACK) +
          bytes([OP_ADVANCE, 255]))
    write(t, "active-rst", bytes([OP_CONNECT, 1, OP_FLUSH]) +
          seg(2, RST | ACK))
    # An active close to TIME-WAIT, five SYN_SENT blocks beside it (all
    # six taken), and after 1.09 s a connect that takes the TIME-WAIT
    # tuple over (engine.c, tw_takeover) and completes.
    ts = 0x08, bytes([1, 0])	# timestamps only: tsval +1, tsecr 0
    write(t, "active-timewait-takeover",
          bytes([OP_CONNECT, 0, OP_FLUSH]) +
          seg(2, SYN | ACK, osel=ts[0], opts=ts[1]) +
          bytes([OP_CLOSE, 0, OP_FLUSH]) +
          seg(2, FIN | ACK, osel=ts[0], opts=ts[1]) +
          bytes([OP_CONNECT, 4, OP_CONNECT, 8, OP_CONNECT, 12,
                 OP_CONNECT, 16, OP_CONNECT, 20, OP_FLUSH, OP_ADVANCE, 33,
                 OP_CONNECT, 0, OP_FLUSH]) +
          seg(2, SYN | ACK, osel=ts[0], opts=ts[1]) +
          bytes([OP_ACK_ALL, 2, OP_SEND, 2, 0, 16]))
    write(t, "listen-abort", passive + bytes([OP_ABORT, 0, OP_UNLISTEN]) +
          seg(1, SYN))


def config():
    t = "fuzz_config"
    inis = {
        "full": "[main]\nverbose = yes\nworkers = 4\nname = \"a b\"\n"
                "mac = 02:00:00:00:00:02\ncc = newreno\n"
                "[client]\nrate = 2.5k\ntimeout = 1500ms\nbufsize = 1M\n"
                "loss = 5%\nsrc = 198.18.1.0/24\nports = 80,8080,1000-1010\n"
                "count = 1000\noffset = -3\nport = 2000\nratio = 1.5\n"
                "local = 198.18.0.9/16\njitter = 0.2\n"
                "[server]\nrate = 3M\nip = 198.18.0.7\nlisten_port = 0x50\n",
        "comments": "; a comment\n[main]\n  workers=2 ; trailing\n\n"
                    "[server]\nip =\n",
        "range": "[client]\nsrc = 198.18.0.1-198.18.255.254\nports = 1-65535\n",
    }
    for name, text in inis.items():
        write(t, "ini-" + name, b"\0" + text.encode())
    args = {
        "sets": ["workers=3", "client.rate=1k", "--server.ip", "198.18.0.3",
                 "--verbose", "--listen-port=81"],
        "config": ["-c", "x.ini", "--name", "cli", "client.loss=0.5%"],
        "help": ["--help"],
    }
    for name, a in args.items():
        data = b"\x01" + b"\0".join(x.encode() for x in a)
        if name == "config":
            data += b"\n===\n" + inis["comments"].encode()
        write(t, "args-" + name, data)



def http():
    t = "fuzz_http"
    # byte 0: bit 0 responses, bit 1 HEAD, bits 2-7 the piece size - 2
    resp = (b"HTTP/1.1 200 OK\r\nServer: shoal-gen\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello")
    write(t, "response", bytes([1 | 3 << 2]) + resp)
    write(t, "response-pipelined", bytes([1 | 10 << 2]) + resp +
          b"HTTP/1.1 100 Continue\r\n\r\n"
          b"HTTP/1.1 301 Moved\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
          b"4;ext=1\r\nabcd\r\n0\r\nX-T: 1\r\n\r\n"
          b"HTTP/1.0 200 OK\nConnection: Keep-Alive, close\n\nrest")
    write(t, "response-head", bytes([3]) + resp)
    write(t, "requests", bytes([0 | 5 << 2]) +
          b"\r\nGET /index.html HTTP/1.1\r\nHost: a\r\n"
          b"User-Agent: shoal-gen\r\nConnection: close\r\n\r\n"
          b"POST /x HTTP/1.1\r\nContent-Length: 4\r\n"
          b"content-length:  4 \r\n folded\r\n\r\nbody"
          b"GET / HTTP/1.0\r\n\r\n")


net_input()
tcp_engine()
config()
http()
