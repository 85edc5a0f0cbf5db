package io.cpcluster.examples;

import io.cpcluster.ClusterException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Runs an example's body: prints usage for {@code --help}, and a clear one-line error (exit 2) for the rest. */
final class Launcher {
    /** An example's body. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** Counted down once the body has returned, having closed what it opened. */
    private static final CountDownLatch FINISHED = new CountDownLatch(1);

    /** Held so that the level set on it stays set (java.util.logging keeps loggers weakly). */
    private static final Logger CLUSTER_LOG = Logger.getLogger("io.cpcluster");

    private Launcher() {
    }

    /**
     * Sets up logging for an example: one line per record, and only records at {@code level} or
     * above from CPCluster. A {@code java.util.logging.config.file} the user passes wins.
     */
    static void logging(Level level) {
        if (System.getProperty("java.util.logging.config.file") == null) {
            if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
                System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
            }
            CLUSTER_LOG.setLevel(level);
        }
    }

    /**
     * Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM). The body then returns, closing
     * what it opened with try-with-resources, and the JVM waits (up to 10 s) for that.
     */
    static void awaitShutdown() throws InterruptedException {
        CountDownLatch stopping = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.countDown();
            try {
                FINISHED.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown"));
        stopping.await();
    }

    static void run(String usage, String[] args, Body body) {
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(usage);
                return;
            }
        }
        run(usage, body);
    }

    static void run(String usage, Body body) {
        try {
            body.run();
            FINISHED.countDown();
        } catch (Options.UsageException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(usage);
            System.exit(2);
        } catch (ClusterException | IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("error: " + e);
            System.exit(1);
        }
    }
}
