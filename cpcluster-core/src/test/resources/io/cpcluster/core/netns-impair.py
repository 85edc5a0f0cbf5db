"""A bad network for NetnsBed's router: delay, jitter and loss for forwarded packets, in user space.

The kernel this test bed was built on has no sch_netem, so this does what `tc qdisc ... netem
delay D J loss L` would: the router's FORWARD chain sends every packet to NFQUEUE queue 0
(`iptables -A FORWARD -j NFQUEUE --queue-num 0`), and this program, run in the router's
namespace, answers each packet's verdict over netlink: DROP for a share `loss` of them, ACCEPT
after D ± J milliseconds (uniform; packets may overtake each other, as with netem) for the rest.
It asks the kernel for the packets' metadata only, never their bytes.

Commands on stdin, one per line, each answered with one line on stdout:
    set DELAY_MS JITTER_MS LOSS   ->  ok
    stats                         ->  stats seen=N dropped=N delayed=N overflows=N
End of input lets every held packet through and exits. The first line printed is `ready` once
the queue is bound; a failure is one line starting with `error`.

Usage: python3 netns-impair.py SEED
"""

import heapq
import os
import random
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NF_DROP = 0
NF_ACCEPT = 1
SO_RCVBUFFORCE = 33
QUEUE = 0


class Queue:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
        self.sock.bind((0, 0))
        self.seq = 0

    def send(self, kind, attributes, flags=NLM_F_REQUEST):
        self.seq += 1
        body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(QUEUE)) + b"".join(attributes)
        header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | kind, flags, self.seq, 0)
        self.sock.send(header + body)

    def configure(self, attribute):
        """Sends one configuration attribute and waits for the kernel's acknowledgement."""
        self.send(NFQNL_MSG_CONFIG, [attribute], NLM_F_REQUEST | NLM_F_ACK)
        for kind, payload in messages(self.sock.recv(65536)):
            if kind == NLMSG_ERROR:
                code = struct.unpack_from("=i", payload)[0]
                if code != 0:
                    raise OSError(-code, os.strerror(-code))
                return
        raise OSError("no acknowledgement from the kernel")

    def bind(self):
        self.configure(attribute(NFQA_CFG_CMD, struct.pack("!BBH", NFQNL_CFG_CMD_BIND, 0, 0)))
        self.configure(attribute(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)))
        self.configure(attribute(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 65536)))
        self.sock.setblocking(False)

    def verdict(self, packet, verdict):
        self.send(NFQNL_MSG_VERDICT, [attribute(NFQA_VERDICT_HDR, struct.pack("!II", verdict, packet))])


def attribute(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def messages(data):
    """The (type, payload after the netlink header) of each netlink message in a datagram."""
    offset = 0
    while offset + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, offset)
        if length < 16:
            return
        yield kind, data[offset + 16:offset + length]
        offset += (length + 3) & ~3


def packet_id(payload):
    """The packet id in an NFQNL_MSG_PACKET (after its 4-byte nfgenmsg), or None."""
    offset = 4
    while offset + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, offset)
        if length < 4:
            return None
        if kind & 0x3FFF == NFQA_PACKET_HDR:
            return struct.unpack_from("!I", payload, offset + 4)[0]
        offset += (length + 3) & ~3
    return None


def main():
    rng = random.Random(int(sys.argv[1]))
    queue = Queue()
    try:
        queue.bind()
    except OSError as e:
        print("error binding NFQUEUE %d: %s" % (QUEUE, e), flush=True)
        return 1
    print("ready", flush=True)
    delay = jitter = loss = 0.0
    held = []  # (due, order, packet id)
    order = 0
    seen = dropped = delayed = overflows = 0
    commands = b""
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select([queue.sock, sys.stdin.buffer], [], [], timeout)
        if queue.sock in readable:
            while True:
                try:
                    data = queue.sock.recv(1 << 16)
                except BlockingIOError:
                    break
                except OSError:
                    overflows += 1  # ENOBUFS: the kernel dropped packets it could not queue to us
                    continue
                for kind, payload in messages(data):
                    if kind != (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                        continue
                    packet = packet_id(payload)
                    if packet is None:
                        continue
                    seen += 1
                    if loss > 0 and rng.random() < loss:
                        dropped += 1
                        queue.verdict(packet, NF_DROP)
                        continue
                    wait = max(0.0, delay + rng.uniform(-jitter, jitter)) if delay > 0 or jitter > 0 else 0.0
                    if wait == 0:
                        queue.verdict(packet, NF_ACCEPT)
                    else:
                        delayed += 1
                        order += 1
                        heapq.heappush(held, (time.monotonic() + wait, order, packet))
        if sys.stdin.buffer in readable:
            chunk = os.read(sys.stdin.fileno(), 4096)
            if not chunk:
                for _, _, packet in held:
                    queue.verdict(packet, NF_ACCEPT)
                return 0
            commands += chunk
            while b"\n" in commands:
                line, commands = commands.split(b"\n", 1)
                words = line.decode().split()
                if words[:1] == ["set"] and len(words) == 4:
                    delay, jitter, loss = float(words[1]) / 1000, float(words[2]) / 1000, float(words[3])
                    print("ok", flush=True)
                elif words == ["stats"]:
                    print("stats seen=%d dropped=%d delayed=%d overflows=%d" % (seen, dropped, delayed, overflows),
                          flush=True)
                else:
                    print("error unknown command: %s" % line.decode(errors="replace"), flush=True)
        now = time.monotonic()
        while held and held[0][0] <= now:
            queue.verdict(heapq.heappop(held)[2], NF_ACCEPT)


if __name__ == "__main__":
    sys.exit(main())
