package io.cpcluster;

import java.io.Serial;

/**
 * The master refused a link request because the requesting node is over one of its per-node
 * quotas: it already has {@link MasterConfig#maxLinkRequestsPerNode()} link requests the master
 * has not answered, or already holds {@link MasterConfig#maxLinksPerNode()} links it opened (open
 * or being set up). No port was consumed; the message says which quota it was.
 *
 * <p>Wait for earlier requests to be answered, close links that are no longer needed, or raise
 * the quota on the master.
 */
public class QuotaExceededException extends ClusterException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception with a message.
     *
     * @param message what happened and what to do
     */
    public QuotaExceededException(String message) {
        super(message);
    }
}
