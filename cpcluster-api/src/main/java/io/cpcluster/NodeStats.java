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
 * @param peerCallsRefused calls from peers refused at once since the node started, with a
 *        {@link LinkOverloadedException}, because a link's calls in flight were at their limit in
 *        count or in bytes (see {@link NodeConfig#maxCallBytesInFlight()})
 * @param linkHandshakes connections to this node's link ports in their handshake now
 * @param linkHandshakesRefused connections to this node's link ports closed as soon as they were
 *        accepted since the node started, because too many were in their handshake (see
 *        {@link NodeConfig#maxLinkHandshakes()})
 */
public record NodeStats(int openLinks, int callsInFlight, int callsWaiting, int peerCallsRunning,
                        long callsTimedOut, long callsCancelled, long eventsDropped, long peerCallsRefused,
                        int linkHandshakes, long linkHandshakesRefused) {
}
