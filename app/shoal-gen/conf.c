/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shoal-gen's one configuration schema: the INI sections, the command
 * line (section.key=value or --key value) and --help all come from it.
 * Keys are named so that the old long options (--ip, --ip-count, --gw,
 * --mtu, --capture, --duration, --poll, --no-offload, --quiet) still work.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gen.h"

#define F(m) SHOAL_CFG_FIELD(struct gen_conf, m)

const char *const gen_role_names[] = { "client", "server", "both", NULL };
const char *const gen_profile_names[] = { "http", "rr", "bulk", "echo",
	"synflood", NULL };
static const char *const bulk_dirs[] = { "upload", "download", "both", NULL };
static const char *const polls[] = { "idle", "busy", NULL };
static const char *const ccs[] = { "cubic", "newreno", NULL };

const struct shoal_cfg_key gen_schema[] = {
	/* [stack] */
	{ "stack", "ip", SHOAL_CFG_IPV4_PREFIX, F(ip), NULL,
	  "local IPv4 address / on-link prefix, first of ip_count (required)" },
	{ "stack", "ip_count", SHOAL_CFG_U32, F(ip_count), "1",
	  "local addresses ip .. ip+ip_count-1 (client source addresses)",
	  .min = 1, .max = 1 << 24 },
	{ "stack", "port_ips", SHOAL_CFG_IPV4_PREFIXES, F(port_ips), "",
	  "addresses / on-link prefixes of ports 1, 2, 3 in port order, one "
	  "each (port 0, and ports past the list, have ip): each port answers "
	  "its own peers, e.g. two clients on two vhost ports of one server" },
	{ "stack", "neigh_entries", SHOAL_CFG_U32, F(neigh_entries), "1024",
	  "neighbour (ARP) table entries per worker: a server needs one per "
	  "client address", .min = 16, .max = 1 << 24 },
	{ "stack", "gw", SHOAL_CFG_IPV4, F(gw), NULL,
	  "default gateway (none)" },
	{ "stack", "mtu", SHOAL_CFG_U16, F(mtu), "0",
	  "port MTU, 0 keeps the port's" },
	{ "stack", "capture", SHOAL_CFG_STRING, F(capture), "",
	  "pcap file of every packet (worker N>0 writes FILE.wN)" },
	{ "stack", "impair", SHOAL_CFG_STRING, F(impair), "",
	  "make every port a bad link: loss=1%,reorder=5%,dup=1%,corrupt=0.1%,"
	  "delay=200us,jitter=50us,rate=1G,seed=N,dir=rx|tx|both (empty: off)" },
	{ "stack", "poll", SHOAL_CFG_ENUM, F(poll), "idle",
	  "idle backs off when nothing arrives, busy spins", polls },
	{ "stack", "cycles", SHOAL_CFG_BOOL, F(cycles), "false",
	  "count the TSC cycles of each phase of the worker loop (receive, "
	  "input, timers, application, flush, transmit) and print them per "
	  "connection and per request in the summary: a real-time profile, "
	  "cache misses included; costs ~12 TSC reads a poll" },
	{ "stack", "no_offload", SHOAL_CFG_BOOL, F(no_offload), "false",
	  "ignore the ports' checksum offloads" },
	{ "stack", "tso", SHOAL_CFG_BOOL, F(tso), "true",
	  "TCP segmentation offload where every port offers it (virtio-user "
	  "against a vhost-user backend started with tso=1, TAP): new data "
	  "leaves in segments of up to 64 KB, cut to the MSS by the device" },
	{ "stack", "main_is_worker", SHOAL_CFG_BOOL, F(main_is_worker), "false",
	  "the main lcore runs a worker too" },
	{ "stack", "mbufs", SHOAL_CFG_U32, F(mbufs), "16384",
	  "mbufs per worker pool", .min = 1024, .max = 1 << 26 },
	{ "stack", "rxd", SHOAL_CFG_U16, F(rxd), "1024",
	  "RX descriptors per queue", .min = 64, .max = 32768 },
	{ "stack", "txd", SHOAL_CFG_U16, F(txd), "1024",
	  "TX descriptors per queue", .min = 64, .max = 32768 },
	{ "stack", "mbuf_reserve", SHOAL_CFG_I64, F(mbuf_reserve), "-1",
	  "mbufs per worker kept for receiving: below it TCP holds no new "
	  "memory (-1: rxd per port + 32; 0: none; at most mbufs/2)",
	  .min = -1, .max = 1 << 26 },
	/* [tcp] */
	{ "tcp", "max_conns", SHOAL_CFG_U32, F(tcp_max_conns), "0",
	  "control blocks per worker incl. TIME-WAIT (0: engine default)" },
	{ "tcp", "tw_free", SHOAL_CFG_I64, F(tcp_tw_free), "-1",
	  "control blocks kept free while TIME-WAIT holds the rest, by ending "
	  "the TIME-WAITs closest to their end (-1: max_conns / 1024, at most "
	  "64; 0: never)", .min = -1, .max = 64 },
	{ "tcp", "sndbuf", SHOAL_CFG_SIZE, F(tcp_sndbuf), "0",
	  "send buffer per connection (0: engine default)", .max = 1 << 30 },
	{ "tcp", "rcvbuf", SHOAL_CFG_SIZE, F(tcp_rcvbuf), "0",
	  "receive window per connection (0: engine default)", .max = 1 << 30 },
	{ "tcp", "mss", SHOAL_CFG_U16, F(tcp_mss), "0",
	  "our MSS (0: from the MTU)" },
	{ "tcp", "cc", SHOAL_CFG_ENUM, F(tcp_cc), "cubic",
	  "congestion control", ccs },
	{ "tcp", "nodelay", SHOAL_CFG_BOOL, F(tcp_nodelay), "true",
	  "switch Nagle off on every connection" },
	{ "tcp", "loss_probes", SHOAL_CFG_BOOL, F(tcp_loss_probes), "true",
	  "with SACK, resend a silent tail or a lost retransmission after "
	  "2 SRTT + 2 ms (at least 10 ms) instead of the RTO (RFC 8985's "
	  "TLP; false: RTO only)" },
	{ "tcp", "sack", SHOAL_CFG_BOOL, F(tcp_sack), "true",
	  "offer and accept selective acknowledgements (RFC 2018)" },
	{ "tcp", "timestamps", SHOAL_CFG_BOOL, F(tcp_timestamps), "true",
	  "offer and accept timestamps (RFC 7323): RTT samples, PAWS; "
	  "12 bytes on every segment" },
	{ "tcp", "wscale", SHOAL_CFG_BOOL, F(tcp_wscale), "true",
	  "offer and accept window scaling (RFC 7323); without it the "
	  "window stops at 64 KB" },
	{ "tcp", "msl", SHOAL_CFG_DURATION, F(tcp_msl), "0",
	  "maximum segment lifetime, TIME-WAIT is twice it (0: engine default)" },
	/* [run] */
	{ "run", "role", SHOAL_CFG_ENUM, F(role), "server",
	  "client opens connections, server answers, both does both",
	  gen_role_names },
	{ "run", "profile", SHOAL_CFG_ENUM, F(profile), "http",
	  "http, rr (request/response), bulk (stream), echo",
	  gen_profile_names },
	{ "run", "duration", SHOAL_CFG_DURATION, F(duration), "0",
	  "length of the run (0: until the connections are done or SIGINT)" },
	{ "run", "drain", SHOAL_CFG_DURATION, F(drain), "10s",
	  "time given to connections still open at the end to finish (the drain ends as soon as they have; a SYN or request that needs two or three retransmission timeouts takes 3-7 s)" },
	{ "run", "linger", SHOAL_CFG_DURATION, F(linger), "0",
	  "keep the stack running this long after the drain, so TIME-WAIT "
	  "answers a peer whose last ACK was lost (within the drain time)" },
	/* [client] */
	{ "client", "server", SHOAL_CFG_IPV4_RANGE, F(server_ip), "198.18.0.1",
	  "server addresses (a, a-b or net/len), used round-robin" },
	{ "client", "server_port", SHOAL_CFG_PORTS, F(server_port), "80",
	  "server ports, used round-robin with the addresses" },
	{ "client", "cps", SHOAL_CFG_RATE, F(cps), "0",
	  "new connections per second over all workers (0: unpaced)" },
	{ "client", "ramp", SHOAL_CFG_DURATION, F(ramp), "0",
	  "time to ramp the connection rate up from 0 to cps" },
	{ "client", "burst", SHOAL_CFG_U32, F(burst), "0",
	  "most connections opened at once when behind (0: 10 ms worth, >= 16)" },
	{ "client", "concurrency", SHOAL_CFG_U32, F(concurrency), "100",
	  "most connections open at once over all workers",
	  .min = 1, .max = 1 << 26 },
	{ "client", "connections", SHOAL_CFG_U64, F(connections), "0",
	  "connections to open in total (0: no limit)" },
	{ "client", "requests", SHOAL_CFG_U32, F(requests), "1",
	  "requests (http, rr, echo) per connection (0: no limit)" },
	{ "client", "think", SHOAL_CFG_DURATION, F(think), "0",
	  "pause between a response and the next request" },
	/* [server] */
	{ "server", "port", SHOAL_CFG_PORTS, F(listen_port), "80",
	  "ports to listen on (every local address)" },
	{ "server", "max_conns", SHOAL_CFG_U32, F(server_max_conns), "65536",
	  "connection contexts per worker", .min = 1, .max = 1 << 26 },
	/* [http] */
	{ "http", "method", SHOAL_CFG_STRING, F(method), "GET",
	  "request method" },
	{ "http", "path", SHOAL_CFG_STRING, F(path), "/",
	  "request target" },
	{ "http", "host", SHOAL_CFG_STRING, F(host), "",
	  "Host header (empty: the server address)" },
	{ "http", "headers", SHOAL_CFG_STRING, F(headers), "",
	  "extra request header lines, separated by '|'" },
	{ "http", "body", SHOAL_CFG_SIZE, F(body), "128",
	  "server: response body size", .max = 1ULL << 40 },
	/* [rr] */
	{ "rr", "request", SHOAL_CFG_SIZE, F(rr_request), "64",
	  "request size (both sides must agree)", .min = 1, .max = 1ULL << 30 },
	{ "rr", "response", SHOAL_CFG_SIZE, F(rr_response), "64",
	  "response size (both sides must agree)", .min = 1, .max = 1ULL << 30 },
	/* [bulk] */
	{ "bulk", "direction", SHOAL_CFG_ENUM, F(bulk_dir), "upload",
	  "upload (client sends), download (server sends) or both", bulk_dirs },
	{ "bulk", "bytes", SHOAL_CFG_SIZE, F(bulk_bytes), "0",
	  "bytes per connection and direction (0: until the run ends)" },
	{ "bulk", "verify", SHOAL_CFG_BOOL, F(bulk_verify), "false",
	  "check the payload pattern at the receiver" },
	{ "bulk", "zerocopy", SHOAL_CFG_BOOL, F(bulk_zerocopy), "true",
	  "send the pattern (bulk, echo) without copying it: mbufs attached "
	  "to one read-only copy of it in DPDK memory" },
	/* [echo] */
	{ "echo", "size", SHOAL_CFG_SIZE, F(echo_size), "64",
	  "client: message size, echoed and checked", .min = 1,
	  .max = 1ULL << 30 },
	/* [synflood] */
	{ "synflood", "workers", SHOAL_CFG_U32, F(flood_workers), "0",
	  "the last N workers of a client flood SYNs instead of running the "
	  "profile (profile synflood: every worker)", .max = 1024 },
	{ "synflood", "rate", SHOAL_CFG_RATE, F(flood_rate), "0",
	  "SYNs per second over the flooding workers (0: as fast as TX goes)" },
	{ "synflood", "src", SHOAL_CFG_IPV4_RANGE, F(flood_src), "198.19.0.0/16",
	  "random source addresses; keep them off the target's subnet (it "
	  "answers through its gateway, us)" },
	/* [report] */
	{ "report", "json", SHOAL_CFG_STRING, F(json), "",
	  "write the summary as JSON to this file" },
	{ "report", "quiet", SHOAL_CFG_BOOL, F(quiet), "false",
	  "no live figures, only the summary" },
	{ "report", "interval", SHOAL_CFG_DURATION, F(interval), "1s",
	  "live figures every so often", .min = 1e8, .max = 3.6e12 },
	/* [pass] */
	{ "pass", "min_cps", SHOAL_CFG_RATE, F(pass_min_cps), "0",
	  "fail the run below this mean connection rate (0: no check)" },
	{ "pass", "max_failures", SHOAL_CFG_I64, F(pass_max_failures), "-1",
	  "fail the run above this many failed connections (-1: no check)",
	  .min = -1, .max = 9.2e18 },
	{ "pass", "max_p99", SHOAL_CFG_DURATION, F(pass_max_p99), "0",
	  "fail the run when p99 request (else connect) time exceeds this "
	  "(0: no check)" },
	SHOAL_CFG_END
};

int
gen_conf_check(const struct gen_conf *c, char *err, size_t errlen)
{
	if (c->ip.addr.family != SHOAL_AF_INET) {
		snprintf(err, errlen, "[stack] ip: required, e.g. "
			 "--ip 198.18.0.2/24");
		return -EINVAL;
	}
	if (c->port_ips.n > SHOAL_PORTS_MAX - 1) {
		snprintf(err, errlen, "[stack] port_ips: %u addresses, at most "
			 "%u (ports 1..%u)", c->port_ips.n, SHOAL_PORTS_MAX - 1,
			 SHOAL_PORTS_MAX - 1);
		return -EINVAL;
	}
	if (gen_is_client(c) && (c->server_ip.count == 0 ||
				 c->server_port.n == 0)) {
		snprintf(err, errlen, "[client] server and server_port: "
			 "at least one address and port");
		return -EINVAL;
	}
	if ((c->profile == GEN_PROFILE_SYNFLOOD || c->flood_workers > 0) &&
	    (c->role != GEN_ROLE_CLIENT || c->flood_src.count == 0)) {
		snprintf(err, errlen, "[synflood]: role client and a non-empty "
			 "src range");
		return -EINVAL;
	}
	if (gen_is_server(c) && c->listen_port.n == 0) {
		snprintf(err, errlen, "[server] port: at least one port");
		return -EINVAL;
	}
	if (c->method[0] == '\0' || strpbrk(c->method, " \r\n") ||
	    c->path[0] == '\0' || strpbrk(c->path, " \r\n")) {
		snprintf(err, errlen, "[http] method and path: non-empty, "
			 "without spaces");
		return -EINVAL;
	}
	return 0;
}
