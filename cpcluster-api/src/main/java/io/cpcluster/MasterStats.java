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
 * @param authFailures authentication attempts refused since the master started
 * @param linksBrokered links brokered since the master started
 * @param protocolErrors connections closed for breaking the protocol since the master started
 * @param eventsDropped events not delivered to a listener since the master started, because that
 *        listener had fallen too far behind (see {@link ClusterListener})
 */
public record MasterStats(int connections, int nodes, int openLinks, int pendingLinks,
                          Map<String, SortedSet<Integer>> portsInUse, long nodesAuthenticated,
                          long authFailures, long linksBrokered, long protocolErrors, long eventsDropped) {
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
