package io.cpcluster.core.wire;

import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The control messages: every frame between a node and the master, and the handshake frames
 * that open a direct link. Each is a JSON object whose {@code "type"} names it ({@link
 * ControlCodec} maps records to JSON and back); docs/PROTOCOL.md describes every field, who sends
 * what, and when.
 *
 * <p>Records check their required fields, so a message that decodes is well formed; whether it
 * is allowed now is for the receiver to decide.
 */
public sealed interface Control {
    /**
     * The protocol version this implementation speaks. Version 2 added the link frame
     * {@code CANCEL}, {@code LINK_ASSIGNED}'s {@code acceptorPort}, {@code LINK_DENIED}'s
     * {@code code} and the link handshake's {@code maxCalls}. Version 3 adds TLS: {@code HELLO}'s
     * {@code security}, TLS after it, a node's {@code key}, and proofs bound to both sides' keys.
     * Version 4 gathers membership news in {@code MEMBERS} (for {@code NODE_JOINED},
     * {@code NODE_UPDATED} and {@code NODE_LEFT}), lets a node choose its {@code view} in
     * {@code AUTH}, and adds {@code FIND_NODES} and {@code NODES_FOUND}.
     */
    int VERSION = 4;
    /**
     * The oldest protocol version this implementation speaks: 4, since a node of version 3 waits
     * for news in messages a version 4 master no longer sends.
     */
    int MIN_VERSION = 4;
    /** {@code AUTH}'s {@code view.mode}: every node. */
    String VIEW_ALL = "all";
    /** {@code AUTH}'s {@code view.mode}: the nodes serving {@code view.tasks}. */
    String VIEW_TASKS = "tasks";
    /** {@code AUTH}'s {@code view.mode}: no node. */
    String VIEW_NONE = "none";
    /** The most nodes one {@code NODES_FOUND} answer lists for a task. */
    int MAX_FOUND = 64;
    /** {@code HELLO}'s {@code security} for TLS: a TLS handshake follows the {@code HELLO}. */
    String TLS = "tls";
    /** {@code HELLO}'s {@code security} for plain TCP. */
    String PLAIN = "plain";
    /**
     * The most bytes one node's task names may take as a JSON array (brackets, quotes, escapes and
     * commas included): with it, every message the master sends about a node fits a 64 KiB frame.
     */
    int MAX_TASKS_JSON_BYTES = 32 * 1024;

    /**
     * Master to node, first frame, always in plain: the challenge, and whether TLS follows
     * ({@link #TLS}, or {@link #PLAIN}; absent from a version 2 master, which is plain).
     */
    record Hello(int version, String nonce, String security) implements Control {
        public Hello {
            need(nonce, "HELLO", "nonce");
            security = security == null ? PLAIN : security;
        }
    }

    /**
     * Node to master: who it is, the proof that it holds the token, and, when it rejoins, the links
     * it still has open, so that the master can rebuild its port book.
     */
    record Auth(int version, String nodeId, String name, String proof, List<String> tasks, String advertisedHost,
                List<LinkClaim> links, WireView view) implements Control {
        public Auth {
            need(nodeId, "AUTH", "nodeId");
            need(name, "AUTH", "name");
            need(proof, "AUTH", "proof");
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
            links = links == null ? List.of() : List.copyOf(links);
        }

        /** An AUTH that asks for no particular view: every node. */
        public Auth(int version, String nodeId, String name, String proof, List<String> tasks, String advertisedHost,
                    List<LinkClaim> links) {
            this(version, nodeId, name, proof, tasks, advertisedHost, links, null);
        }
    }

    /**
     * Which nodes a node wants to hear of ({@code AUTH}'s {@code view}; absent means
     * {@link #VIEW_ALL}): {@code mode} {@link #VIEW_ALL}, {@link #VIEW_TASKS} (with {@code tasks})
     * or {@link #VIEW_NONE}.
     */
    record WireView(String mode, List<String> tasks) {
        public WireView {
            need(mode, "view", "mode");
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
        }
    }

    /** A link a rejoining node still has open, as it reports it in {@code AUTH}. */
    record LinkClaim(String linkId, String initiator, String acceptor, String host, int port) {
        public LinkClaim {
            need(linkId, "link claim", "linkId");
            need(initiator, "link claim", "initiator");
            need(acceptor, "link claim", "acceptor");
            need(host, "link claim", "host");
        }
    }

    /**
     * Master to node: accepted, and this is how the cluster sees you; the node must be heard from
     * at least every {@code heartbeatTimeoutMs}. {@code NODES} frames follow.
     */
    record AuthOk(int version, WireNode node, long heartbeatTimeoutMs) implements Control {
        public AuthOk {
            need(node, "AUTH_OK", "node");
        }
    }

    /**
     * Node to master, every heartbeat interval: alive. The master answers with {@code PONG} unless
     * {@code answer} is false: a node that heard from the master lately needs no answer, and
     * 10,000 nodes' answers are most of what a master at rest does.
     */
    record Ping(long time, boolean answer) implements Control {
        /** A PING to be answered. */
        public Ping(long time) {
            this(time, true);
        }
    }

    /** Master to node: the answer to a {@code PING}, carrying its {@code time} back. */
    record Pong(long time) implements Control {
    }

    /** Master to node: the proof was wrong; the master closes the connection. */
    record AuthFailed(String reason) implements Control {
        public AuthFailed {
            need(reason, "AUTH_FAILED", "reason");
        }
    }

    /** Master to node after {@code AUTH_OK}: a page of the nodes already connected. */
    record NodeList(List<WireNode> nodes, boolean more) implements Control {
        public NodeList {
            nodes = List.copyOf(need(nodes, "NODES", "nodes"));
        }
    }

    /**
     * Master to nodes: what changed in the node's view since the last {@code MEMBERS}, one entry
     * per node, as it is now: {@code nodes} joined or changed their tasks (or came into the view),
     * {@code gone} left (or left the view). A node already known in {@code nodes} is an update; a
     * node not known in {@code gone} is nothing to do.
     */
    record Members(List<WireNode> nodes, List<Gone> gone) implements Control {
        public Members {
            nodes = List.copyOf(need(nodes, "MEMBERS", "nodes"));
            gone = List.copyOf(need(gone, "MEMBERS", "gone"));
        }
    }

    /** A node gone from a view, and why. */
    record Gone(String nodeId, String reason) {
        public Gone {
            need(nodeId, "MEMBERS gone", "nodeId");
            need(reason, "MEMBERS gone", "reason");
        }
    }

    /**
     * Node to master: which nodes are connected, all of them ({@code task} absent), or at most
     * {@link #MAX_FOUND} that serve {@code task}. Answered by {@code NODES_FOUND} pages.
     */
    record FindNodes(long requestId, String task) implements Control {
    }

    /** Master to node: a page of the answer to {@code FIND_NODES}; the last has {@code more} false. */
    record NodesFound(long requestId, List<WireNode> nodes, boolean more) implements Control {
        public NodesFound {
            nodes = List.copyOf(need(nodes, "NODES_FOUND", "nodes"));
        }
    }

    /** Node to master: the tasks it serves now. */
    record Tasks(List<String> tasks) implements Control {
        public Tasks {
            tasks = List.copyOf(need(tasks, "TASKS", "tasks"));
        }
    }

    /** Node to master: open a link to {@code target}. */
    record LinkRequest(long requestId, String target) implements Control {
        public LinkRequest {
            need(target, "LINK_REQUEST", "target");
        }
    }

    /** Master to the accepting node: listen on {@code port} for {@code peer}, who proves {@code ticket}. */
    record LinkOffer(String linkId, WireNode peer, int port, String ticket, long expiresInMs) implements Control {
        public LinkOffer {
            need(linkId, "LINK_OFFER", "linkId");
            need(peer, "LINK_OFFER", "peer");
            need(ticket, "LINK_OFFER", "ticket");
        }
    }

    /** Accepting node to master: listening on the offered port. */
    record LinkReady(String linkId, int port) implements Control {
        public LinkReady {
            need(linkId, "LINK_READY", "linkId");
        }
    }

    /** Accepting node to master: the offered port could not be bound. */
    record LinkBindFailed(String linkId, int port, String reason) implements Control {
        public LinkBindFailed {
            need(linkId, "LINK_BIND_FAILED", "linkId");
            need(reason, "LINK_BIND_FAILED", "reason");
        }
    }

    /**
     * Master to the requesting node: connect to {@code host:port} and prove {@code ticket}.
     * {@code acceptorPort} is the port the acceptor listens on, which differs from {@code port}
     * when something between the nodes maps ports; 0 (absent) means the same.
     */
    record LinkAssigned(long requestId, String linkId, WireNode peer, String host, int port, String ticket,
                        int acceptorPort) implements Control {
        public LinkAssigned {
            need(linkId, "LINK_ASSIGNED", "linkId");
            need(peer, "LINK_ASSIGNED", "peer");
            need(host, "LINK_ASSIGNED", "host");
            need(ticket, "LINK_ASSIGNED", "ticket");
        }
    }

    /** Master to the requesting node: the link cannot be made; {@code code} says why. */
    record LinkRejected(long requestId, String code, String message) implements Control {
        /** The target is not connected. */
        public static final String NO_SUCH_NODE = "NO_SUCH_NODE";
        /** No free port on the target's host. */
        public static final String PORTS_EXHAUSTED = "PORTS_EXHAUSTED";
        /** The target left or failed while the link was being set up. */
        public static final String PEER_UNAVAILABLE = "PEER_UNAVAILABLE";
        /** The request itself is wrong (for example a link to oneself). */
        public static final String INVALID = "INVALID";
        /** The requester already has as many requests the master has not answered as it may. */
        public static final String TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS";
        /** The requester already holds as many links it opened (open or being set up) as it may. */
        public static final String TOO_MANY_LINKS = "TOO_MANY_LINKS";

        public LinkRejected {
            need(code, "LINK_REJECTED", "code");
            need(message, "LINK_REJECTED", "message");
        }
    }

    /** Node to master: this end of the link is open. */
    record LinkUp(String linkId) implements Control {
        public LinkUp {
            need(linkId, "LINK_UP", "linkId");
        }
    }

    /** Either way: the link is closed (or failed to open); the master releases its port. */
    record LinkDown(String linkId, String reason) implements Control {
        public LinkDown {
            need(linkId, "LINK_CLOSED", "linkId");
            need(reason, "LINK_CLOSED", "reason");
        }
    }

    /** Node to master: leaving; the master closes the connection. */
    record Bye(String reason) implements Control {
        public Bye {
            need(reason, "BYE", "reason");
        }
    }

    /** Either way: a fatal error; the sender closes the connection. */
    record Fault(String code, String message) implements Control {
        /** A malformed, unknown or out-of-order message. */
        public static final String PROTOCOL = "PROTOCOL";
        /** No protocol version both sides speak. */
        public static final String UNSUPPORTED_VERSION = "UNSUPPORTED_VERSION";
        /** The node did not authenticate in time. */
        public static final String AUTH_TIMEOUT = "AUTH_TIMEOUT";
        /** The node and the master disagree on TLS (see {@link io.cpcluster.Security}). */
        public static final String SECURITY = "SECURITY";

        public Fault {
            need(code, "ERROR", "code");
            need(message, "ERROR", "message");
        }
    }

    /**
     * Accepting node to connecting node, first frame on a link: the challenge, and what the
     * acceptor takes: frames up to {@code maxFrameSize} bytes, and (version 2; 0 when absent)
     * up to {@code maxCalls} of the connecting node's calls at once.
     */
    record LinkHello(int version, String linkId, String nonce, int maxFrameSize, int maxCalls) implements Control {
        public LinkHello {
            need(linkId, "LINK_HELLO", "linkId");
            need(nonce, "LINK_HELLO", "nonce");
        }
    }

    /**
     * Connecting node to accepting node: the proof that it holds the link's ticket, and what it
     * takes, as in {@link LinkHello}.
     */
    record LinkAuth(int version, String linkId, String nodeId, String proof, int maxFrameSize, int maxCalls)
            implements Control {
        public LinkAuth {
            need(linkId, "LINK_AUTH", "linkId");
            need(nodeId, "LINK_AUTH", "nodeId");
            need(proof, "LINK_AUTH", "proof");
        }
    }

    /** Accepting node to connecting node: the link is open; binary frames follow. */
    record LinkAccepted(String linkId) implements Control {
        public LinkAccepted {
            need(linkId, "LINK_ACCEPTED", "linkId");
        }
    }

    /**
     * Accepting node to connecting node: the connection is refused and closed; {@code code} says
     * which check failed (absent from a version 1 peer).
     */
    record LinkDenied(String code, String reason) implements Control {
        /** LINK_AUTH named another link than this port waits for. */
        public static final String WRONG_LINK = "WRONG_LINK";
        /** LINK_AUTH came from another node than the master named. */
        public static final String WRONG_NODE = "WRONG_NODE";
        /** The proof is not the ticket's. */
        public static final String WRONG_PROOF = "WRONG_PROOF";
        /** The connecting node's TLS key is not the one the master vouched for. */
        public static final String WRONG_KEY = "WRONG_KEY";
        /** The link was accepted already, from another connection. */
        public static final String ALREADY_ACCEPTED = "ALREADY_ACCEPTED";

        public LinkDenied {
            need(reason, "LINK_DENIED", "reason");
        }
    }

    /**
     * A node as the wire carries it. {@code joinedAt} is milliseconds since the epoch; {@code key}
     * the fingerprint of the key it proved to the master (absent in plain TCP).
     */
    record WireNode(String id, String name, String host, List<String> tasks, long joinedAt, String key) {
        public WireNode {
            need(id, "node", "id");
            need(name, "node", "name");
            need(host, "node", "host");
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
        }

        public static WireNode of(NodeInfo node) {
            return new WireNode(node.id().value(), node.name(), node.host(), List.copyOf(node.tasks()),
                    node.joinedAt().toEpochMilli(), node.fingerprint().orElse(null));
        }

        /**
         * Converts to the API's record.
         *
         * @throws IllegalArgumentException if a field breaks the API's rules
         */
        public NodeInfo toInfo() {
            return new NodeInfo(new NodeId(id), name, host, new HashSet<>(tasks), Instant.ofEpochMilli(joinedAt),
                    Optional.ofNullable(key));
        }
    }

    private static <T> T need(T value, String type, String field) {
        if (value == null) {
            throw new IllegalArgumentException(type + " without '" + field + "'");
        }
        return value;
    }
}
