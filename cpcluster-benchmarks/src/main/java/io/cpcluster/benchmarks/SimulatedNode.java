package io.cpcluster.benchmarks;

import io.cpcluster.ProtocolException;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.Secrets;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocket;

/**
 * One simulated node: a single connection to the master that speaks the wire protocol
 * (docs/PROTOCOL.md, sections 3 to 11) as a node does, without being a {@code ClusterNode}. It
 * reads the master's {@code HELLO}, runs the TLS 1.3 handshake as the client and pins the
 * master's key, proves the token in {@code AUTH}, reads {@code AUTH_OK} and every {@code NODES}
 * page, and from then on reads everything the master sends (counting it in {@link Traffic}) while
 * the {@link Pinger} sends its {@code PING} every second. It answers a {@code LINK_OFFER} at once with
 * {@code LINK_READY} on the offered port (it binds nothing: nobody will dial it) and
 * {@code LINK_UP}, and reports a {@code LINK_CLOSED} from the master back, as a Java node does
 * (section 7). As an initiator it asks for links ({@link #requestLink}) and closes them.
 *
 * <p>Threads: the node's own virtual thread joins and then reads; the pinger's platform thread
 * pings; an initiator's loop runs on another virtual thread. Writes go out under one lock, a whole
 * frame per write.
 */
final class SimulatedNode {
    /** Where a node is. */
    enum State {
        /** Waiting for its turn to join. */
        WAITING,
        /** Connecting, authenticating, reading the node list. */
        JOINING,
        /** Joined: reading, pinging. */
        JOINED,
        /** Its join failed or took too long. */
        FAILED,
        /** Never tried: the join phase's deadline passed first. */
        SKIPPED,
        /** Joined, then the connection ended without the probe closing it. */
        DROPPED,
        /** Closed by the probe. */
        CLOSED
    }

    /**
     * Where and how to join: the master's address and token, its key's fingerprint, the nodes' TLS
     * (null in plain TCP) and the membership view they ask for ({@code all}, {@code none}).
     */
    record Target(InetSocketAddress address, String token, String fingerprint, Tls tls, String view) {
    }

    /** The master's answer to a link request: a link id (assigned) or a refusal code. */
    record Answer(long requestId, String linkId, String refusal, long atNanos) {
    }

    /** The largest frame accepted from the master, as a Java node accepts (PROTOCOL.md, section 1). */
    static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final byte[] MORE_FALSE = "\"more\":false}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MORE_TRUE = "\"more\":true}".getBytes(StandardCharsets.US_ASCII);

    private final Target target;
    private final Traffic traffic;
    final int index;
    final String id;
    private volatile State state = State.WAITING;
    private volatile String problem;
    private volatile boolean closing;
    /** The TCP connection: closed directly, so that a close never waits to write a TLS close_notify. */
    private volatile Socket plain;
    private OutputStream out;
    private FrameReader reader;
    private final ReentrantLock writing = new ReentrantLock();
    private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    private long nextRequestId;
    private boolean authenticated;
    /** When it got its last NODES page (System.nanoTime()). */
    private volatile long joinedNanos;
    /** When a frame last came from the master, and when one that is not a PONG did (System.nanoTime()). */
    private volatile long lastHeardNanos;
    private volatile long lastNewsNanos;
    /** PINGs sent, those sent over a second after their time, the latest any was (ns); the pinger writes them. */
    private volatile long pingsSent;
    private volatile long pingsLate;
    private volatile long maxPingLateNanos;

    SimulatedNode(Target target, Traffic traffic, int index) {
        this.target = target;
        this.traffic = traffic;
        this.index = index;
        this.id = "load-" + index;
    }

    /**
     * The one place an {@code AUTH} is made: every simulated node sends this one, with its own
     * id, name and proof, serving no task, claiming no link, asking for a view.
     */
    static Control.Auth auth(String nodeId, String name, String proof, String view) {
        return new Control.Auth(Control.VERSION, nodeId, name, proof, List.of(), null, List.of(),
                new Control.WireView(view, List.of()));
    }

    /**
     * A {@code PING} frame body, written by hand: ten thousand nodes send one a second, and a JSON
     * generator for each would be CPU the probe takes from the cores it shares with the master. It
     * is exactly what {@link ControlCodec#encode} writes (a test checks).
     */
    static byte[] ping(long time, boolean answer) {
        return ("{\"type\":\"PING\",\"time\":" + time + (answer ? "}" : ",\"answer\":false}"))
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * How long the master may be quiet before a PING asks for an answer: what a Java node with the
     * default heartbeat (1 s, 5 s) does, a quarter of the timeout (the other half of its rule, a
     * next PING that would find half the timeout passed, asks nothing more with these settings).
     */
    static final long ANSWER_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(1250);

    State state() {
        return state;
    }

    /** Why it failed or was dropped; null otherwise. */
    String problem() {
        return problem;
    }

    long joinedNanos() {
        return joinedNanos;
    }

    long lastHeardNanos() {
        return lastHeardNanos;
    }

    long lastNewsNanos() {
        return lastNewsNanos;
    }

    /** PINGs sent, those sent more than a second late, and how late the latest was (nanoseconds). */
    long[] pings() {
        return new long[] {pingsSent, pingsLate, maxPingLateNanos};
    }

    /** Whether it may not join any more: it was never let in before the phase's deadline. */
    void skip() {
        state = State.SKIPPED;
    }

    /**
     * Joins: connect, HELLO, TLS and pin, AUTH, AUTH_OK, every NODES page; all before
     * {@code deadlineNanos}.
     *
     * @return true if joined; false if it failed (see {@link #problem()}), its connection closed
     */
    boolean join(long deadlineNanos) {
        state = State.JOINING;
        try {
            Socket plain = new Socket();
            this.plain = plain;
            plain.setTcpNoDelay(true);
            plain.connect(target.address(), remainingMillis(deadlineNanos));
            plain.setSoTimeout(remainingMillis(deadlineNanos));
            FrameReader plainReader = new FrameReader(plain.getInputStream());
            Control.Hello hello = ControlCodec.decode(read(plainReader, "HELLO"), Control.Hello.class, "first");
            boolean tls = hello.security().equals(Control.TLS);
            if (tls != (target.tls() != null)) {
                throw new ProtocolException("the master runs " + hello.security() + ", the probe "
                        + (target.tls() != null ? Control.TLS : Control.PLAIN) + ": run both with or without --plain");
            }
            if (plainReader.buffered() > 0) {
                throw new ProtocolException("the master sent bytes after HELLO before the node spoke");
            }
            String masterKey = null;
            Socket connection = plain;
            if (tls) {
                // A host name of its own, which no other node uses: the JDK caches TLS sessions by
                // host and port, and nodes sharing one SSLContext would otherwise resume each
                // other's session and skip the handshake each real node runs. No dot: no SNI.
                SSLSocket secured = (SSLSocket) target.tls().socketFactory().createSocket(plain, "loadnode" + index,
                        plain.getPort(), true);
                connection = secured;
                secured.startHandshake();
                masterKey = Tls.peerFingerprint(secured.getSession());
                if (!masterKey.equals(target.fingerprint())) {
                    throw new ProtocolException("the master's key is " + masterKey + ", not the pinned "
                            + target.fingerprint());
                }
            }
            out = connection.getOutputStream();
            reader = new FrameReader(connection.getInputStream());
            byte[] proof = Secrets.proof(target.token(), Secrets.bound(Secrets.fromBase64(hello.nonce()), masterKey,
                    tls ? target.tls().fingerprint() : null));
            send(ControlCodec.encode(auth(id, "load-node-" + index, Secrets.base64(proof), target.view())));
            while (state == State.JOINING) {
                connection.setSoTimeout(remainingMillis(deadlineNanos));
                int length = reader.next(MAX_FRAME);
                if (length < 0) {
                    throw new IOException("the master closed the connection during the join");
                }
                handle(reader.body(), length);
            }
            if (state != State.JOINED) {
                return false;
            }
            connection.setSoTimeout(0);
            return true;
        } catch (IOException | RuntimeException e) {
            fail("join failed: " + e);
            return false;
        }
    }

    private byte[] read(FrameReader from, String what) throws IOException {
        int length = from.next(MAX_FRAME);
        if (length < 0) {
            throw new IOException("the master closed the connection before " + what);
        }
        byte[] body = Arrays.copyOf(from.body(), length);
        traffic.count(body, length);
        return body;
    }

    private static int remainingMillis(long deadlineNanos) throws IOException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (left <= 0) {
            throw new IOException("the join took longer than its timeout");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    private void fail(String why) {
        if (problem == null) {
            problem = why;
        }
        state = State.FAILED;
        closeSocket();
    }

    /**
     * After the join: hands the node to the pinger, and reads until the connection ends.
     */
    void serve(Pinger pinger) {
        pinger.add(this);
        try {
            while (true) {
                int length = reader.next(MAX_FRAME);
                if (length < 0) {
                    ended("the master closed the connection");
                    return;
                }
                handle(reader.body(), length);
            }
        } catch (IOException | RuntimeException e) {
            ended("connection lost: " + e);
        }
    }

    private void ended(String why) {
        if (closing) {
            state = State.CLOSED;
            return;
        }
        if (problem == null) {
            problem = why;
        }
        state = State.DROPPED;
        closeSocket();
    }

    /**
     * Sends a PING now, which was due at {@code dueNanos}, and records how late it left.
     *
     * @return false if the node is no longer joined (or the send failed): no more pings
     */
    boolean sendPing(long dueNanos) {
        if (state != State.JOINED || closing) {
            return false;
        }
        try {
            send(ping(System.currentTimeMillis(), System.nanoTime() - lastHeardNanos >= ANSWER_AFTER_NANOS));
        } catch (IOException e) {
            // The reader sees the connection end too, and says why.
            return false;
        }
        long late = System.nanoTime() - dueNanos;
        pingsSent++;
        if (late > TimeUnit.SECONDS.toNanos(1)) {
            pingsLate++;
        }
        maxPingLateNanos = Math.max(maxPingLateNanos, late);
        return true;
    }

    /** One frame from the master: counted, and answered when it asks for an answer. */
    private void handle(byte[] body, int length) throws IOException {
        String type = traffic.count(body, length);
        long now = System.nanoTime();
        lastHeardNanos = now;
        switch (type) {
            case "PONG" -> {
                return;
            }
            case "AUTH_OK" -> {
                decode(body, length, Control.AuthOk.class);
                authenticated = true;
            }
            case "NODES" -> {
                if (!authenticated) {
                    throw new ProtocolException("NODES before AUTH_OK");
                }
                if (state == State.JOINING && !more(body, length)) {
                    joinedNanos = now;
                    state = State.JOINED;
                }
            }
            case "LINK_OFFER" -> {
                Control.LinkOffer offer = decode(body, length, Control.LinkOffer.class);
                send(ControlCodec.encode(new Control.LinkReady(offer.linkId(), offer.port())));
                send(ControlCodec.encode(new Control.LinkUp(offer.linkId())));
            }
            case "LINK_ASSIGNED" -> {
                Control.LinkAssigned assigned = decode(body, length, Control.LinkAssigned.class);
                answers.add(new Answer(assigned.requestId(), assigned.linkId(), null, now));
            }
            case "LINK_REJECTED" -> {
                Control.LinkRejected rejected = decode(body, length, Control.LinkRejected.class);
                answers.add(new Answer(rejected.requestId(), null, rejected.code(), now));
            }
            case "LINK_CLOSED" -> {
                // Whoever sees a link end reports it (PROTOCOL.md, section 7); the master ignores the echo.
                Control.LinkDown down = decode(body, length, Control.LinkDown.class);
                send(ControlCodec.encode(new Control.LinkDown(down.linkId(), "closed, as the master said")));
            }
            case "ERROR", "AUTH_FAILED" -> {
                Control said = ControlCodec.decode(Arrays.copyOf(body, length));
                problem = "the master said " + said;
            }
            default -> {
                // Membership news (MEMBERS): counted, nothing to answer.
            }
        }
        lastNewsNanos = now;
    }

    /** Whether a NODES page says more follow: its last field, peeked; decoded only if it is not where expected. */
    private static boolean more(byte[] body, int length) {
        if (endsWith(body, length, MORE_FALSE)) {
            return false;
        }
        if (endsWith(body, length, MORE_TRUE)) {
            return true;
        }
        return decode(body, length, Control.NodeList.class).more();
    }

    private static boolean endsWith(byte[] body, int length, byte[] tail) {
        return length >= tail.length && Arrays.equals(body, length - tail.length, length, tail, 0, tail.length);
    }

    private static <T extends Control> T decode(byte[] body, int length, Class<T> type) {
        return ControlCodec.decode(Arrays.copyOf(body, length), type, "from the master");
    }

    /**
     * Asks the master for a link to {@code target} and waits for the answer.
     *
     * @return the answer, or null if none came within {@code timeoutNanos}
     */
    Answer requestLink(SimulatedNode target, long timeoutNanos) throws IOException, InterruptedException {
        long requestId = ++nextRequestId;
        send(ControlCodec.encode(new Control.LinkRequest(requestId, target.id)));
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Answer answer = answers.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (answer == null || answer.requestId() == requestId) {
                return answer;
            }
            // An answer to an earlier request that timed out: skipped.
        }
    }

    /** As an initiator that got LINK_ASSIGNED: says the link is up, then closes it, so its port comes back. */
    void upAndClose(String linkId) throws IOException {
        send(ControlCodec.encode(new Control.LinkUp(linkId)));
        send(ControlCodec.encode(new Control.LinkDown(linkId, "closed by the load probe")));
    }

    private void send(byte[] body) throws IOException {
        byte[] frame = FrameReader.frame(body);
        writing.lock();
        try {
            out.write(frame);
            out.flush();
        } finally {
            writing.unlock();
        }
    }

    /** Closes the connection on purpose: its end does not count as a drop. */
    void close() {
        closing = true;
        closeSocket();
    }

    private void closeSocket() {
        Socket current = plain;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // Closed.
            }
        }
    }
}
