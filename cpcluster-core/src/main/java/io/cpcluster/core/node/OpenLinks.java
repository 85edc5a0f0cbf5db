package io.cpcluster.core.node;

import io.cpcluster.DirectLink;
import io.cpcluster.LinkId;
import io.cpcluster.core.link.Link;
import io.cpcluster.core.wire.Control;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A node's open links: added by the thread that opened each (a dial or a handshake), removed by
 * the link itself once it closes. Concurrent; also what a rejoining node claims, what its stats
 * add up, and what closing the node waits for.
 */
final class OpenLinks {
    private final ConcurrentHashMap<LinkId, Link> links = new ConcurrentHashMap<>();

    void add(Link link) {
        links.put(link.id(), link);
    }

    /** Forgets a link that closed; false if it was not here (it closed before). */
    boolean remove(Link link) {
        return links.remove(link.id(), link);
    }

    /** The link with this id, if it is open. */
    Optional<Link> find(LinkId id) {
        return Optional.ofNullable(links.get(id)).filter(Link::isOpen);
    }

    /** The open links, oldest first. */
    List<DirectLink> open() {
        return links.values().stream().filter(Link::isOpen)
                .sorted(Comparator.comparing((Link link) -> link.info().openedAt())).map(DirectLink.class::cast)
                .toList();
    }

    Iterable<Link> all() {
        return links.values();
    }

    /** The open links as a rejoining node reports them in AUTH. */
    List<Control.LinkClaim> claims() {
        return links.values().stream().filter(Link::isOpen).map(Link::info)
                .map(info -> new Control.LinkClaim(info.id().value(), info.initiator().value(), info.acceptor().value(),
                        info.host(), info.port()))
                .toList();
    }

    /**
     * Lets the calls in flight on the links, both ways, finish, for at most {@code timeout}. Polls:
     * this runs once, while the node closes, and must not add a hook to every call.
     */
    void awaitCallsInFlight(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline
                && links.values().stream().anyMatch(link -> link.callsInFlight() > 0 || link.peerCallsRunning() > 0)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }

    /**
     * Closes every link at once, each telling its peer (a peer that does not read holds up only
     * its own link, for at most a second), and waits at most {@code timeout} for them all.
     */
    void closeAll(String reason, Executor threads, Duration timeout) {
        List<Link> open = List.copyOf(links.values());
        CountDownLatch done = new CountDownLatch(open.size());
        for (Link link : open) {
            Runnable closing = () -> {
                try {
                    link.close(reason, true);
                } finally {
                    done.countDown();
                }
            };
            try {
                threads.execute(closing);
            } catch (RejectedExecutionException e) {
                closing.run();
            }
        }
        try {
            done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
