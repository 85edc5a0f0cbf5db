package io.cpcluster;

/**
 * A snapshot of what a node is doing and has done.
 *
 * @param openLinks this node's open direct links
 * @param callsInFlight calls this node made that wait for answers, over all its links
 * @param callsWaiting calls this node made that wait for room on a full link
 * @param peerCallsRunning calls from peers that this node's handlers are running now
 * @param callsTimedOut calls this node made that failed with {@link CallTimeoutException} since it started
 * @param callsCancelled calls this node made that were cancelled since it started
 * @param eventsDropped events not delivered to a listener since the node started, because that
 *        listener had fallen too far behind (see {@link ClusterListener})
 */
public record NodeStats(int openLinks, int callsInFlight, int callsWaiting, int peerCallsRunning,
                        long callsTimedOut, long callsCancelled, long eventsDropped) {
}
