package io.cpcluster.core.node;

import io.cpcluster.MembershipView;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.ProtocolException;
import io.cpcluster.core.threads.EventHub;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A node's view of the cluster: itself and the nodes the master reported (those its
 * {@link io.cpcluster.MembershipView} holds), kept current from the master's {@code MEMBERS}, with
 * {@link NodeJoined} and {@link NodeLeft} published as they come.
 *
 * <p>The map is written by the thread that joins (at each AUTH_OK), the master's reader (news),
 * and {@code handle} (this node's own tasks); read by anyone.
 */
final class Membership {
    private final NodeId id;
    private final EventHub events;
    /** What to do when a node leaves: forget the links {@code submit} keeps to it. */
    private final Consumer<NodeId> left;
    private final ConcurrentHashMap<NodeId, NodeInfo> nodes = new ConcurrentHashMap<>();
    private volatile NodeInfo self;

    Membership(NodeId id, EventHub events, Consumer<NodeId> left) {
        this.id = id;
        this.events = events;
        this.left = left;
    }

    NodeInfo self() {
        return self;
    }

    /** This node serves these tasks now. */
    void tasks(List<String> served) {
        NodeInfo current = self;
        self = new NodeInfo(current.id(), current.name(), current.host(), Set.copyOf(served), current.joinedAt(),
                current.fingerprint());
        nodes.replace(id, self);
    }

    /**
     * Takes the master's view after a (re)join, with the tasks this node serves now (handle() may
     * have added some after the AUTH the master answered; they follow in TASKS). On a rejoin,
     * nodes that came or went while this node was away are announced as {@link NodeJoined} and
     * {@link NodeLeft}.
     */
    void joined(NodeInfo joinedAs, List<String> served, Map<NodeId, NodeInfo> others) {
        self = new NodeInfo(joinedAs.id(), joinedAs.name(), joinedAs.host(), Set.copyOf(served), joinedAs.joinedAt(),
                joinedAs.fingerprint());
        boolean rejoin = !nodes.isEmpty();
        for (NodeInfo known : List.copyOf(nodes.values())) {
            if (!known.id().equals(id) && !others.containsKey(known.id())) {
                nodes.remove(known.id());
                left.accept(known.id());
                events.publish(new NodeLeft(known, "it left while this node was away from the master"));
            }
        }
        nodes.put(id, self);
        others.values().forEach(node -> {
            if (nodes.put(node.id(), node) == null && rejoin) {
                events.publish(new NodeJoined(node));
            }
        });
    }

    /**
     * Takes news from the master (on its reader).
     *
     * @return false when the message is not news about nodes
     */
    boolean news(Control message) {
        switch (message) {
            case Control.Members m -> {
                // One entry per node, as it is now: one this node knows is an update, and one it
                // does not know that is gone is nothing to do (it came and went meanwhile, or
                // this node heard of it in the list it got when it joined).
                for (Control.WireNode wire : m.nodes()) {
                    NodeInfo node = MasterLink.info(wire);
                    if (!node.id().equals(id) && nodes.put(node.id(), node) == null) {
                        events.publish(new NodeJoined(node));
                    }
                }
                for (Control.Gone entry : m.gone()) {
                    NodeId goneId;
                    try {
                        goneId = new NodeId(entry.nodeId());
                    } catch (IllegalArgumentException e) {
                        throw new ProtocolException("the master named a node wrongly: " + e.getMessage(), e);
                    }
                    NodeInfo gone = goneId.equals(id) ? null : nodes.remove(goneId);
                    if (gone != null) {
                        left.accept(gone.id());
                        events.publish(new NodeLeft(gone, ControlCodec.quote(entry.reason())));
                    }
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * A peer the master vouched for (in the offer or assignment of a link that opened): known from
     * now on if the view holds it and it was not known yet, as a join the news will confirm.
     */
    void vouched(NodeInfo peer, MembershipView view) {
        if (!peer.id().equals(id) && view.includes(peer.tasks()) && nodes.putIfAbsent(peer.id(), peer) == null) {
            events.publish(new NodeJoined(peer));
        }
    }

    /** The other nodes known to serve a task, in no order (a submit sorts its own candidates). */
    List<NodeInfo> serving(String task) {
        return nodes.values().stream().filter(node -> node.serves(task) && !node.id().equals(id)).toList();
    }

    /** The nodes, this one included, in the order they joined. */
    List<NodeInfo> nodes() {
        return nodes.values().stream()
                .sorted(Comparator.comparing(NodeInfo::joinedAt).thenComparing(node -> node.id().value())).toList();
    }

    /** A node's label for messages, or its id when it is not known. */
    String describe(NodeId node) {
        NodeInfo known = nodes.get(node);
        return known != null ? known.label() : "node " + node;
    }
}
