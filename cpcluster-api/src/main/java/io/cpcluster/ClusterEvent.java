package io.cpcluster;

/**
 * Something that happened in the cluster, as seen by the master or by one node.
 *
 * <p>Receive events with {@link ClusterMaster#subscribe(ClusterListener)} or
 * {@link ClusterNode#subscribe(ClusterListener)}. Switch over them exhaustively:
 * {@snippet :
 * String describe(ClusterEvent event) {
 *     return switch (event) {
 *         case NodeJoined e -> e.node().label() + " joined";
 *         case NodeLeft e -> e.node().label() + " left: " + e.reason();
 *         case LinkOpened e -> "link " + e.link().id() + " opened";
 *         case LinkClosed e -> "link " + e.link().id() + " closed: " + e.reason();
 *         case MasterLost e -> "lost the master at " + e.master();
 *         case MasterReconnected e -> "back with the master at " + e.master();
 *     };
 * }
 * }
 */
public sealed interface ClusterEvent
        permits NodeJoined, NodeLeft, LinkOpened, LinkClosed, MasterLost, MasterReconnected {
}
