package io.cpcluster.examples;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.NodeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Counts the primes below a limit on the nodes that serve {@link Primes#TASK}: cuts the range
 * into chunks, submits every chunk at once (the driver spreads them by least outstanding work,
 * over one direct link per node), and adds up the answers.
 */
public final class PrimeJob {
    /**
     * What a node answers for one chunk.
     *
     * @param primes the primes in the chunk
     * @param node the name of the node that counted them
     */
    public record Counted(long primes, String node) {
    }

    /** One node's part of the work. */
    record Share(int chunks, long primes) {
        Share plus(Counted counted) {
            return new Share(chunks + 1, primes + counted.primes());
        }
    }

    /** The job's outcome. */
    record Result(long primes, Map<String, Share> shares, Duration elapsed) {
    }

    private PrimeJob() {
    }

    /** Makes a node serve the demo's task, answering with its own name. */
    static NodeConfig.Builder serve(NodeConfig.Builder node, String name) {
        return node.name(name).handle(Primes.TASK, Primes.Range.class,
                range -> new Counted(Primes.count(range), name));
    }

    static Result run(ClusterNode driver, long limit, long chunk) {
        long started = System.nanoTime();
        List<CompletableFuture<Counted>> parts = new ArrayList<>();
        for (long from = 0; from < limit; from += chunk) {
            parts.add(driver.submit(Primes.TASK, new Primes.Range(from, Math.min(limit, from + chunk)),
                    Counted.class));
        }
        long primes = 0;
        Map<String, Share> shares = new TreeMap<>();
        for (CompletableFuture<Counted> part : parts) {
            Counted counted = part.join();
            primes += counted.primes();
            shares.merge(counted.node(), new Share(1, counted.primes()), (a, b) -> a.plus(counted));
        }
        return new Result(primes, shares, Duration.ofNanos(System.nanoTime() - started));
    }

    /** Prints each node's share, and the link the driver used to reach it. */
    static void printShares(ClusterNode driver, Result result) {
        result.shares().forEach((node, share) -> {
            String link = driver.links().stream().filter(l -> l.peer().name().equals(node)).findFirst()
                    .map(PrimeJob::describe).orElse("no link open now");
            System.out.printf("  %-10s %4d chunks %,12d primes   direct link %s%n", node, share.chunks(),
                    share.primes(), link);
        });
    }

    static String describe(DirectLink link) {
        return link.id() + " to " + link.info().host() + ":" + link.port();
    }
}
