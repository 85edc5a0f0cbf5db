#!/usr/bin/env python3
"""A CPCluster client in Python, from docs/PROTOCOL.md alone: joins a master, opens a direct link
to a node that serves a task, calls the task once over the link, prints the result, and leaves.

    python3 cpcluster_client.py JOIN_JSON [--task primes.count] [--input '{"from":0,"to":1000000}']
                                [--target NODE_ID] [--name python-client] [--timeout 30]

JOIN_JSON is the join.json the master wrote. With a "fingerprint" in it (a master with TLS, the
default) everything runs over TLS 1.3 and the master's and the peer's keys are pinned; without
one (a master with security PLAIN) over plain TCP. Needs Python 3.7+ built with TLS 1.3, and the
cryptography package (pip install cryptography) to make this client's key and certificate.

It prints one line per step, and the result as the last line:

    primes.count {"from":0,"to":1000000} = {"node":"worker","primes":78498}

and exits with status 1, naming what failed, when something does. PROTOCOL.md §16 walks
through it.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import socket
import ssl
import struct
import sys
import tempfile
import time
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VERSION = 4                    # the protocol version this client speaks (PROTOCOL.md §9)
MAX_FROM_MASTER = 64 * 1024    # a master never sends a bigger frame (§1)
MAX_HANDSHAKE = 64 * 1024      # the limit for link handshake frames (§1)
MAX_LINK_FRAME = 16 * 1024 * 1024 + 267  # what this client announces it takes on a link (§5)
MIN_PEER_FRAME = 12 + 1024     # a peer announcing less breaks the protocol (§5)
HEARTBEAT = 1.0                # seconds between PINGs to the master (§11)

# Link frame kinds and flags (§6).
CALL, RESULT, ERROR, MESSAGE, CLOSE, PING, CANCEL = 1, 2, 3, 4, 5, 6, 7
RAW, NULL = 1, 2
LINK_HEADER = struct.Struct(">BBHq")   # kind, flags, task name length, correlation id


class Failure(Exception):
    """Something went wrong; the message says what."""


# ----------------------------------------------------------------------------- frames (§1, §2)

class Connection:
    """One TCP (later TLS) connection carrying length-prefixed frames.

    It never reads past the frame it is reading, so nothing meant for TLS is read in plain, and a
    read that times out keeps what it got for the next try.
    """

    def __init__(self, sock, what):
        self.sock = sock
        self.what = what
        self.pending = bytearray()

    def secure(self, context):
        """Runs the TLS handshake as the client; returns the SHA-256 of the other side's key."""
        if self.pending:
            raise Failure(self.what + " sent more than a frame before the TLS handshake")
        self.sock = context.wrap_socket(self.sock)  # no server_hostname: no SNI, no name check
        return key_digest(x509.load_der_x509_certificate(self.sock.getpeercert(binary_form=True)))

    def write(self, body):
        self.sock.sendall(struct.pack(">I", len(body)) + body)

    def send(self, message):
        """Writes a control message: one UTF-8 JSON object."""
        self.write(json.dumps(message, separators=(",", ":")).encode("utf-8"))

    def frame(self, limit):
        """Reads one frame's body; raises socket.timeout (keeping what it read) when none comes in time."""
        while True:
            if len(self.pending) >= 4:
                (length,) = struct.unpack(">I", self.pending[:4])
                if length > limit:
                    raise Failure("%s sent a frame of %d bytes, over the %d this client takes"
                                  % (self.what, length, limit))
                if len(self.pending) == 4 + length:
                    body = bytes(self.pending[4:])
                    self.pending.clear()
                    return body
                missing = 4 + length - len(self.pending)
            else:
                missing = 4 - len(self.pending)
            chunk = self.sock.recv(min(missing, 65536))
            if not chunk:
                raise Failure(self.what + " closed the connection")
            self.pending += chunk

    def receive(self, limit=MAX_FROM_MASTER):
        """Reads a control message."""
        message = json.loads(self.frame(limit).decode("utf-8"))
        if not isinstance(message, dict) or "type" not in message:
            raise Failure("%s sent something that is not a control message: %r" % (self.what, message))
        return message

    def close(self):
        # No TLS close_notify: CPCluster's own messages (BYE, CLOSE) say a conversation ended (§7).
        self.sock.close()


def expect(message, *types):
    """Fails unless the message is of one of the types; ERROR, AUTH_FAILED and LINK_DENIED say why."""
    if message["type"] in types:
        return message
    if message["type"] == "ERROR":
        raise Failure("the master said %s: %s" % (message.get("code"), message.get("message")))
    if message["type"] == "AUTH_FAILED":
        raise Failure("the master refused the token proof: " + str(message.get("reason")))
    if message["type"] == "LINK_DENIED":
        raise Failure("the peer refused the link (%s): %s" % (message.get("code"), message.get("reason")))
    raise Failure("expected %s, got %s" % (" or ".join(types), message["type"]))


# ----------------------------------------------------------------------------- keys and proofs (§3)

def key_digest(certificate):
    """SHA-256 of the certificate's public key, DER SubjectPublicKeyInfo: what a fingerprint names."""
    spki = certificate.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).digest()


def fingerprint(digest):
    return "sha256:" + digest.hex()


def proof(secret, nonce, server_digest=None, client_digest=None):
    """base64(HMAC-SHA256(secret, nonce || server key digest || client key digest)); the nonce alone in plain."""
    message = nonce + (server_digest + client_digest if server_digest else b"")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()).decode("ascii")


def make_tls(directory):
    """A new EC P-256 key and a self-signed certificate for it; returns (TLS client context, key digest)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cpcluster python client")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .sign(key, hashes.SHA256()))
    pem = os.path.join(directory, "client.pem")
    with open(os.open(pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    # No certificate authority and no names: the other side's key is pinned after the handshake.
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(pem)  # presented to the master and to link acceptors (mutual TLS)
    return context, key_digest(certificate)


# ----------------------------------------------------------------------------- the master (§3, §4)

class Master:
    """The connection to the master, and what it says about the cluster."""

    def __init__(self, connection, deadline):
        self.connection = connection
        self.deadline = deadline
        self.nodes = {}
        self.last_ping = time.monotonic()

    def send(self, message):
        self.connection.send(message)

    def next(self):
        """The next message that needs an answer; keeps the node list current and the master's heartbeat going."""
        while True:
            now = time.monotonic()
            if now > self.deadline:
                raise Failure("timed out waiting for the master")
            if now - self.last_ping >= HEARTBEAT:
                self.send({"type": "PING", "time": int(time.time() * 1000)})
                self.last_ping = now
            self.connection.sock.settimeout(HEARTBEAT)
            try:
                message = self.connection.receive()
            except socket.timeout:
                continue
            kind = message["type"]
            if kind == "MEMBERS":
                # One entry per node, as it is now; news of a node never heard of is nothing to do.
                for node in message["nodes"]:
                    self.nodes[node["id"]] = node
                for gone in message["gone"]:
                    self.nodes.pop(gone["nodeId"], None)
            elif kind == "LINK_OFFER":
                # This client accepts no links: the master releases the port at once.
                self.send({"type": "LINK_CLOSED", "linkId": message["linkId"],
                           "reason": "this client accepts no links"})
            elif kind == "ERROR":
                expect(message, "anything but ERROR")  # raises, with the master's code and message
            elif kind not in ("PONG", "LINK_CLOSED"):
                return message


def join(settings, name, tls, deadline):
    """Connects, runs the handshake of §3 and reads the node list of §4; returns (Master, node id)."""
    address = "%s:%s" % (settings["ip"], settings["port"])
    sock = socket.create_connection((settings["ip"], int(settings["port"])), timeout=10)
    connection = Connection(sock, "the master at " + address)
    hello = expect(connection.receive(), "HELLO")            # always in plain
    if hello["version"] < VERSION:
        raise Failure("the master speaks protocol version %d; this client needs %d" % (hello["version"], VERSION))
    security = hello.get("security", "plain")
    nonce = base64.b64decode(hello["nonce"])
    if tls is None:
        if security != "plain":
            raise Failure("the master runs TLS, and join.json names no fingerprint to pin its key with")
        auth_proof = proof(settings["token"], nonce)
    else:
        context, own_digest = tls
        if security != "tls":
            raise Failure("join.json pins a key, and the master at %s runs plain TCP: refusing" % address)
        master_digest = connection.secure(context)
        if not hmac.compare_digest(fingerprint(master_digest), settings["fingerprint"].strip().lower()):
            connection.close()
            raise Failure("the master at %s is not the one join.json names: its key is %s, join.json pins %s;"
                          " nothing was sent to it" % (address, fingerprint(master_digest), settings["fingerprint"]))
        print("master %s proved the key join.json pins, %s" % (address, fingerprint(master_digest)))
        auth_proof = proof(settings["token"], nonce, master_digest, own_digest)
    node_id = str(uuid.uuid4())
    connection.send({"type": "AUTH", "version": min(VERSION, hello["version"]), "nodeId": node_id,
                     "name": name, "proof": auth_proof, "tasks": [], "links": []})
    ok = expect(connection.receive(), "AUTH_OK")
    master = Master(connection, deadline)
    print("joined as %s (%s), key %s" % (name, node_id, ok["node"].get("key", "none: plain TCP")))
    more = True
    while more:
        page = expect(connection.receive(), "NODES")
        for node in page["nodes"]:
            master.nodes[node["id"]] = node
        more = page["more"]
    return master, node_id


# ----------------------------------------------------------------------------- a direct link (§5, §6)

def open_link(master, node_id, target, tls):
    """Asks the master for a link to the target, dials it and proves the ticket.

    Returns the link's Connection, its id, and the largest frame the peer takes.
    """
    master.send({"type": "LINK_REQUEST", "requestId": 1, "target": target})
    while True:
        answer = master.next()
        if answer["type"] == "LINK_REJECTED" and answer["requestId"] == 1:
            raise Failure("the master refused the link (%s): %s" % (answer["code"], answer["message"]))
        if answer["type"] == "LINK_ASSIGNED" and answer["requestId"] == 1:
            break
    link_id, peer = answer["linkId"], answer["peer"]
    where = "%s:%d" % (answer["host"], answer["port"])
    sock = socket.create_connection((answer["host"], answer["port"]), timeout=10)
    link = Connection(sock, "%s at %s" % (peer["name"], where))
    try:
        if tls is None:
            digests = ()
        else:
            context, own_digest = tls
            peer_digest = link.secure(context)  # TLS from the first byte; the acceptor is the server
            if not hmac.compare_digest(fingerprint(peer_digest), peer.get("key", "")):
                raise Failure("the node at %s is not %s: its key is %s, the master vouched for %s; nothing was sent"
                              % (where, peer["name"], fingerprint(peer_digest), peer.get("key")))
            print("link %s: %s at %s proved the key the master vouched for, %s"
                  % (link_id, peer["name"], where, fingerprint(peer_digest)))
            digests = (peer_digest, own_digest)  # server (acceptor) first, then client (initiator)
        hello = expect(link.receive(MAX_HANDSHAKE), "LINK_HELLO")
        if hello["linkId"] != link_id or hello["version"] < VERSION or hello["maxFrameSize"] < MIN_PEER_FRAME:
            raise Failure("unexpected LINK_HELLO: %r" % hello)
        link.send({"type": "LINK_AUTH", "version": min(VERSION, hello["version"]), "linkId": link_id,
                   "nodeId": node_id, "proof": proof(answer["ticket"], base64.b64decode(hello["nonce"]), *digests),
                   "maxFrameSize": MAX_LINK_FRAME, "maxCalls": 1})
        expect(link.receive(MAX_HANDSHAKE), "LINK_ACCEPTED")
    except BaseException as e:
        link.close()
        master.send({"type": "LINK_CLOSED", "linkId": link_id, "reason": "the initiator could not connect: %s" % e})
        raise
    master.send({"type": "LINK_UP", "linkId": link_id})
    return link, link_id, hello["maxFrameSize"]


def link_frame(kind, flags, correlation, task=b"", payload=b""):
    """A link frame's body: the 12-byte header, the task name, the payload (§6)."""
    return LINK_HEADER.pack(kind, flags, len(task), correlation) + task + payload


def call(link, peer_max_frame, task, value, correlation=1):
    """Sends one CALL with a JSON input and waits for its RESULT; returns the result's JSON text."""
    data = json.dumps(value, separators=(",", ":")).encode("utf-8")  # flags 0: the input is JSON
    body = link_frame(CALL, 0, correlation, task.encode("utf-8"), data)
    if len(body) > peer_max_frame:
        raise Failure("the input is too big for the peer (%d bytes, it takes %d)" % (len(body), peer_max_frame))
    link.write(body)
    while True:
        frame = link.frame(MAX_LINK_FRAME)
        kind, flags, name_length, answered = LINK_HEADER.unpack_from(frame)
        payload = frame[LINK_HEADER.size + name_length:]
        if kind == PING or (kind in (RESULT, ERROR) and answered != correlation):
            continue                    # a keep-alive (§11), or an answer to some other call
        if kind == RESULT:
            return "null" if flags & NULL else ("0x" + payload.hex() if flags & RAW else payload.decode("utf-8"))
        if kind == ERROR:
            error = json.loads(payload.decode("utf-8"))
            raise Failure("the task failed remotely: %s: %s" % (error.get("type"), error.get("message")))
        if kind == CLOSE:
            raise Failure("the peer closed the link: " + payload.decode("utf-8", "replace"))
        raise Failure("unexpected link frame of kind %d" % kind)


# ----------------------------------------------------------------------------- main

def main(argv):
    parser = argparse.ArgumentParser(description="Join a CPCluster, call a task over a direct link, print the result.")
    parser.add_argument("join_json", help="the join.json the master wrote")
    parser.add_argument("--task", default="primes.count")
    parser.add_argument("--input", default='{"from":0,"to":1000000}', help="the task's input, as JSON")
    parser.add_argument("--target", help="the id of the node to call; default the first that serves the task")
    parser.add_argument("--name", default="python-client")
    parser.add_argument("--timeout", type=float, default=30, help="seconds for the whole run")
    options = parser.parse_args(argv)
    deadline = time.monotonic() + options.timeout

    with open(options.join_json, encoding="utf-8") as file:
        settings = json.load(file)
    with tempfile.TemporaryDirectory() as directory:
        # TLS when join.json pins the master's key, as a Java node does; plain TCP otherwise.
        tls = make_tls(directory) if settings.get("fingerprint") else None
        master, node_id = join(settings, options.name, tls, deadline)
        try:
            target = options.target
            while target is None:
                servers = [n["id"] for n in master.nodes.values() if options.task in n["tasks"]]
                if servers:
                    target = servers[0]
                else:
                    print("waiting for a node that serves %s..." % options.task)
                    master.next()
            link, link_id, peer_max_frame = open_link(master, node_id, target, tls)
            try:
                result = call(link, peer_max_frame, options.task, json.loads(options.input))
            finally:
                # Leaving (§7): CLOSE on the link, LINK_CLOSED to the master, then BYE.
                quietly(lambda: link.write(link_frame(CLOSE, 0, 0, payload=b"closed by this node")))
                link.close()
                master.send({"type": "LINK_CLOSED", "linkId": link_id, "reason": "closed by this node"})
            print("%s %s = %s" % (options.task, options.input, result))
        finally:
            quietly(lambda: master.send({"type": "BYE", "reason": "the python client is done"}))
            master.connection.close()


def quietly(action):
    """Best effort, on the way out: a failure here must not hide the one that led here."""
    try:
        action()
    except OSError:
        pass


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (Failure, OSError, ssl.SSLError, ValueError, KeyError) as e:
        print("cpcluster_client: %s" % e, file=sys.stderr)
        sys.exit(1)
