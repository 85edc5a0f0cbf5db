package io.cpcluster.core.node;

import io.cpcluster.AuthenticationException;
import io.cpcluster.ClusterException;
import io.cpcluster.MasterUnavailableException;
import io.cpcluster.MembershipView;
import io.cpcluster.NodeConfig;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.ProtocolException;
import io.cpcluster.Security;
import io.cpcluster.core.tls.Tls;
import io.cpcluster.core.wire.Addresses;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.FrameOutput;
import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.Transport;
import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLHandshakeException;

/**
 * A node's handshake with a master (PROTOCOL.md §3 and §4): the transport's own handshake,
 * HELLO, AUTH with the proof, AUTH_OK, and the node list, all within
 * {@link NodeConfig#connectTimeout()}. Runs on the thread that joins, before the connection has a
 * reader or a writer of its own.
 */
final class Joining {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.node");

    private final NodeConfig config;
    private final NodeId id;
    private final JoinSettings join;
    private final MasterLink.Scheduler scheduler;
    /** The node's TLS; null with {@link Security#PLAIN}. */
    private final Tls tls;

    Joining(NodeConfig config, NodeId id, JoinSettings join, MasterLink.Scheduler scheduler, Tls tls) {
        this.config = config;
        this.tls = tls;
        this.id = id;
        this.join = join;
        this.scheduler = scheduler;
    }

    /**
     * What the handshake got: how the master sees this node, the other nodes, anything the master
     * said before AUTH_OK that must be handled once joined, and the connection's streams.
     */
    record Joined(NodeInfo self, Map<NodeId, NodeInfo> others, List<Control> early,
                  Transport.Connection connection, FrameInput input, FrameOutput output) {
    }

    /**
     * Runs the handshake on a new connection; closes the connection when it fails.
     *
     * @param tasks the tasks to tell the master
     * @param claims the links to report (empty on a first join)
     * @throws MasterUnavailableException if the connection fails or the master does not finish in time
     * @throws AuthenticationException if the master refuses the token
     * @throws ProtocolException if the master breaks the protocol
     */
    Joined join(InetSocketAddress address, Transport.Connection socket, List<String> tasks,
                List<Control.LinkClaim> claims) {
        AtomicBoolean timedOut = new AtomicBoolean();
        Future<?> deadline = scheduler.schedule(() -> {
            timedOut.set(true);
            MasterLink.closeQuietly(socket);
        }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        // The plain connection, then the TLS one over it; closing the plain one closes both.
        Transport.Connection connection = socket;
        try {
            socket.handshake(config.connectTimeout());
            FrameInput input = new FrameInput(socket.input());
            Control.Hello hello = ControlCodec.decode(required(input, MasterLink.MAX_HANDSHAKE_FRAME, "HELLO"),
                    Control.Hello.class, "from the master");
            if (hello.version() < Control.MIN_VERSION) {
                throw new ProtocolException("the master at " + Addresses.text(address) + " speaks protocol version "
                        + hello.version() + ", older than this node's oldest (" + Control.MIN_VERSION
                        + "): run the same CPCluster version on both");
            }
            byte[] nonce = base64(hello.nonce(), "HELLO nonce");
            checkSecurity(address, hello.security());
            String masterKey = null;
            if (tls != null) {
                if (input.buffered() > 0) {
                    throw new ProtocolException("the master at " + Addresses.text(address)
                            + " sent more than its HELLO before the TLS handshake");
                }
                String pinned = join.masterKey().orElse(null);
                // Without a pin, a PKI: the master's certificate must chain to the authorities and name its host.
                connection = pinned != null ? tls.secure(socket, true, new byte[0], config.connectTimeout())
                        : tls.secureIdentifying(socket, config.connectTimeout());
                masterKey = Tls.peer(connection);
                if (pinned != null && !masterKey.equals(pinned)) {
                    throw new AuthenticationException("the master at " + Addresses.text(address) + " is not the one"
                            + " join.json names: its key is " + masterKey + ", and this node pins " + pinned
                            + " (the fingerprint in join.json, CPCLUSTER_MASTER_KEY or NodeConfig.masterKey). Nothing"
                            + " was sent to it. If that master was given a new key, give this node the join.json it"
                            + " wrote; otherwise something else answers at that address");
                }
                input = new FrameInput(connection.input());
            }
            FrameOutput output = new FrameOutput(connection.output());
            byte[] message = Secrets.bound(nonce, masterKey, tls == null ? null : tls.fingerprint());
            output.write(ControlCodec.encode(new Control.Auth(Control.VERSION, id.value(),
                    config.name(), Secrets.base64(Secrets.proof(join.token(), message)), tasks,
                    config.advertisedHost().orElse(null), claims, view(config.membership()))));
            // A master sends nothing before AUTH_OK but a refusal; a LINK_CLOSED there (as masters
            // before issue 9 sent) is kept for later rather than taken for an error.
            List<Control> early = new ArrayList<>();
            Control.AuthOk ok = null;
            while (ok == null) {
                switch (ControlCodec.decode(required(input, MasterLink.MAX_FROM_MASTER, "AUTH_OK"))) {
                    case Control.AuthOk answer -> ok = answer;
                    case Control.LinkDown down -> early.add(down);
                    case Control.AuthFailed failed -> throw new AuthenticationException("the master at "
                            + Addresses.text(address) + " refused this node: " + ControlCodec.quote(failed.reason()));
                    case Control.Fault fault -> throw fault(address, fault);
                    case Control other -> throw new ProtocolException("expected AUTH_OK from the master, got "
                            + ControlCodec.wireType(other.getClass()));
                }
            }
            NodeInfo self = info(ok.node());
            Map<NodeId, NodeInfo> others = new LinkedHashMap<>();
            boolean more = true;
            while (more) {
                Control.NodeList page = ControlCodec.decode(required(input, MasterLink.MAX_FROM_MASTER, "NODES"),
                        Control.NodeList.class, "after AUTH_OK");
                page.nodes().forEach(wire -> {
                    NodeInfo node = info(wire);
                    others.put(node.id(), node);
                });
                more = page.more();
            }
            deadline.cancel(false);
            if (timedOut.get()) {
                throw new IOException("the handshake timed out");
            }
            if (ok.heartbeatTimeoutMs() > 0 && ok.heartbeatTimeoutMs() < 2 * config.heartbeatInterval().toMillis()) {
                LOG.log(Level.WARNING, "the master drops nodes silent for {0} ms, and this node beats only every {1} ms:"
                        + " make NodeConfig.heartbeat''s interval shorter", ok.heartbeatTimeoutMs(),
                        config.heartbeatInterval().toMillis());
            }
            return new Joined(self, others, early, connection, input, output);
        } catch (SSLHandshakeException e) {
            MasterLink.closeQuietly(socket);
            if (timedOut.get() || e.getCause() instanceof IOException) {
                throw unavailable(address, e, timedOut.get());
            }
            // This node refused the master's certificate (its chain, or the host it names).
            throw new AuthenticationException("the TLS handshake with the master at " + Addresses.text(address)
                    + " failed: " + e.getMessage() + (tls.hasAuthorities() ? ". With NodeConfig.trustedCertificates,"
                    + " the master's certificate must chain to them and name the host dialed" : ""), e);
        } catch (IOException e) {
            MasterLink.closeQuietly(socket);
            throw unavailable(address, e, timedOut.get());
        } catch (RuntimeException e) {
            MasterLink.closeQuietly(socket);
            throw e;
        } finally {
            deadline.cancel(false);
        }
    }

    private MasterUnavailableException unavailable(InetSocketAddress address, IOException e, boolean timedOut) {
        return new MasterUnavailableException(timedOut
                ? "the master at " + Addresses.text(address) + " did not complete the handshake within "
                        + config.connectTimeout().toMillis() + " ms"
                : "lost the connection to the master at " + Addresses.text(address) + " while joining: "
                        + e.getMessage(), e);
    }

    /** Fails at once when this node and the master disagree on TLS, naming the setting to change. */
    private void checkSecurity(InetSocketAddress address, String security) {
        if (tls != null && !security.equals(Control.TLS)) {
            throw new AuthenticationException("the master at " + Addresses.text(address) + " runs plain TCP"
                    + " (security PLAIN), and this node TLS: run the master with TLS (the default), or, on a network"
                    + " nobody else can reach, this node with security PLAIN too (NodeConfig.security, --insecure,"
                    + " cpcluster.security=plain)");
        }
        if (tls == null && !security.equals(Control.PLAIN)) {
            throw new AuthenticationException("the master at " + Addresses.text(address) + " runs TLS, and this node"
                    + " plain TCP (security PLAIN): run this node with TLS, the default (drop NodeConfig.security"
                    + " PLAIN, --insecure or cpcluster.security=plain)");
        }
    }

    private static byte[] required(FrameInput input, int max, String what) throws IOException {
        byte[] frame = input.readFrame(max);
        if (frame == null) {
            throw new EOFException("the master closed the connection instead of sending " + what);
        }
        return frame;
    }

    private static byte[] base64(String text, String what) {
        try {
            return Secrets.fromBase64(text);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(what + " is not base64", e);
        }
    }

    private static ClusterException fault(InetSocketAddress address, Control.Fault fault) {
        String message = "the master at " + Addresses.text(address) + " refused this node: "
                + ControlCodec.quote(fault.code()) + ": " + ControlCodec.quote(fault.message());
        return fault.code().equals(Control.Fault.PROTOCOL) || fault.code().equals(Control.Fault.UNSUPPORTED_VERSION)
                ? new ProtocolException(message) : new ClusterException(message);
    }

    /** A membership view as AUTH carries it: absent for every node, the default. */
    static Control.WireView view(MembershipView view) {
        return switch (view.mode()) {
            case ALL -> null;
            case NONE -> new Control.WireView(Control.VIEW_NONE, List.of());
            case TASKS -> new Control.WireView(Control.VIEW_TASKS, List.copyOf(view.tasks()));
        };
    }

    /** A node as the master described it. */
    static NodeInfo info(Control.WireNode wire) {
        try {
            return wire.toInfo();
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the master described a node wrongly: " + e.getMessage(), e);
        }
    }
}
