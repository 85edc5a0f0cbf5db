package io.cpcluster;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A snapshot of what the master is doing and has done.
 *
 * @param connections open connections, authenticated or not
 * @param nodes authenticated nodes
 * @param openLinks links both ends reported open
 * @param pendingLinks links brokered but not yet open
 * @param portsInUse for each host, the link ports held for pending and open links
 * @param nodesAuthenticated nodes authenticated since the master started
 * @param authFailures wrong token proofs since the master started (each was checked and refused)
 * @param linksBrokered links brokered since the master started
 * @param protocolErrors connections closed for breaking the protocol since the master started
 * @param eventsDropped events not delivered to a listener since the master started, because that
 *        listener had fallen too far behind (see {@link ClusterListener})
 * @param unauthenticated open connections that have not authenticated yet (see
 *        {@link MasterConfig#maxUnauthenticated()})
 * @param connectionsRefused connections closed as soon as they were accepted since the master
 *        started, because too many were authenticating at once, in all or from their address
 * @param authThrottled {@code AUTH}s refused unchecked since the master started, because their
 *        address had sent a wrong proof just before (see {@link MasterConfig#authFailureDelay()})
 */
public record MasterStats(int connections, int nodes, int openLinks, int pendingLinks,
                          Map<String, SortedSet<Integer>> portsInUse, long nodesAuthenticated,
                          long authFailures, long linksBrokered, long protocolErrors, long eventsDropped,
                          int unauthenticated, long connectionsRefused, long authThrottled) {
    /** Makes {@code portsInUse} an unmodifiable, sorted deep copy. */
    public MasterStats {
        TreeMap<String, SortedSet<Integer>> copy = new TreeMap<>();
        Objects.requireNonNull(portsInUse, "portsInUse").forEach((host, ports) -> {
            if (!ports.isEmpty()) {
                copy.put(host, Collections.unmodifiableSortedSet(new TreeSet<>(ports)));
            }
        });
        portsInUse = Collections.unmodifiableSortedMap(copy);
    }

    /**
     * Returns how many link ports are held, over all hosts.
     *
     * @return the number of ports in use
     */
    public int portsInUseCount() {
        return portsInUse.values().stream().mapToInt(SortedSet::size).sum();
    }
}
