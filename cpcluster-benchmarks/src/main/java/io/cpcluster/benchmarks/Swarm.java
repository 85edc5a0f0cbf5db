package io.cpcluster.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The simulated nodes of one run against one master, and the phases the driver puts them
 * through: joining, waiting for the membership news to stop, and brokering links. Each node is a
 * {@link SimulatedNode} on a virtual thread; one {@link Pinger} sends their heartbeats.
 */
final class Swarm implements AutoCloseable {
    private final SimulatedNode.Target target;
    final Traffic traffic = new Traffic();
    private final List<SimulatedNode> nodes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Pinger pinger;

    Swarm(SimulatedNode.Target target, long pingIntervalMillis) {
        this.target = target;
        this.pinger = new Pinger(pingIntervalMillis);
    }

    /** What the join phase came to. */
    record Joining(int joined, int failed, int skipped, boolean deadlinePassed, long startNanos, long lastJoinNanos) {
        /** From the start of the phase to the last node that joined, in seconds. */
        double seconds() {
            return joined == 0 ? 0 : (lastJoinNanos - startNanos) / 1e9;
        }
    }

    /**
     * Lets {@code count} nodes join, {@code concurrency} at a time; each must be done within
     * {@code timeout} of its connect, and none starts after {@code phase} has passed (those are
     * skipped). Returns once every node has joined, failed or been skipped; a node that joined
     * goes on reading and pinging on its thread.
     */
    Joining join(int count, int concurrency, Duration timeout, Duration phase, Consumer<String> progress)
            throws InterruptedException {
        Semaphore turns = new Semaphore(concurrency, true);
        CountDownLatch done = new CountDownLatch(count);
        long start = System.nanoTime();
        long phaseEnd = start + phase.toNanos();
        for (int i = 0; i < count; i++) {
            SimulatedNode node = new SimulatedNode(target, traffic, i);
            nodes.add(node);
            threads.add(Thread.ofVirtual().name("load-node-" + i).start(() -> {
                boolean joined = false;
                try {
                    if (!turns.tryAcquire(Math.max(0, phaseEnd - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        node.skip();
                        return;
                    }
                    try {
                        joined = node.join(System.nanoTime() + timeout.toNanos());
                    } finally {
                        turns.release();
                    }
                } catch (InterruptedException e) {
                    node.skip();
                    return;
                } finally {
                    done.countDown();
                }
                if (joined) {
                    node.serve(pinger);
                }
            }));
        }
        // The phase, then at most one more join timeout for the joins under way at its end.
        long giveUp = phaseEnd + timeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
        while (!done.await(5, TimeUnit.SECONDS)) {
            Map<SimulatedNode.State, Integer> states = states();
            progress.accept(String.format("  joined %,d of %,d after %.0f s (%,d failed, %,d joining)",
                    states.get(SimulatedNode.State.JOINED), count, (System.nanoTime() - start) / 1e9,
                    states.get(SimulatedNode.State.FAILED), states.get(SimulatedNode.State.JOINING)));
            if (System.nanoTime() - giveUp > 0) {
                progress.accept("  joins still under way past every deadline: counted as failed");
                break;
            }
        }
        int joined = 0;
        int failed = 0;
        int skipped = 0;
        long last = start;
        for (SimulatedNode node : nodes) {
            switch (node.state()) {
                case SKIPPED -> skipped++;
                case WAITING, JOINING, FAILED -> failed++;
                default -> {
                    joined++;
                    last = Math.max(last, node.joinedNanos());
                }
            }
        }
        return new Joining(joined, failed, skipped, skipped > 0, start, last);
    }

    /** How many nodes are in each state now. */
    Map<SimulatedNode.State, Integer> states() {
        Map<SimulatedNode.State, Integer> states = new EnumMap<>(SimulatedNode.State.class);
        for (SimulatedNode.State state : SimulatedNode.State.values()) {
            states.put(state, 0);
        }
        for (SimulatedNode node : nodes) {
            states.merge(node.state(), 1, Integer::sum);
        }
        return states;
    }

    /** The first few distinct reasons nodes failed to join or were dropped, with how many each. */
    Map<String, Integer> problems(int most) {
        Map<String, Integer> reasons = new TreeMap<>();
        for (SimulatedNode node : nodes) {
            String problem = node.problem();
            if (problem != null && (reasons.containsKey(problem) || reasons.size() < most)) {
                reasons.merge(problem, 1, Integer::sum);
            }
        }
        return reasons;
    }

    /** PINGs the nodes sent, those the probe sent more than a second late, and the latest any was (nanoseconds). */
    long[] pings() {
        long[] total = new long[3];
        for (SimulatedNode node : nodes) {
            long[] pings = node.pings();
            total[0] += pings[0];
            total[1] += pings[1];
            total[2] = Math.max(total[2], pings[2]);
        }
        return total;
    }

    /** Joined nodes that have heard nothing from the master for longer than {@code silence}. */
    int silent(Duration silence) {
        long now = System.nanoTime();
        int silent = 0;
        for (SimulatedNode node : nodes) {
            if (node.state() == SimulatedNode.State.JOINED && now - node.lastHeardNanos() > silence.toNanos()) {
                silent++;
            }
        }
        return silent;
    }

    /**
     * Waits until no node has received anything but PONGs for {@code quiet}: the master has
     * delivered the membership news of the join.
     *
     * @return when the last news arrived (System.nanoTime()), or -1 if news still flowed at {@code deadlineNanos}
     */
    long awaitQuiet(Duration quiet, long deadlineNanos) throws InterruptedException {
        while (true) {
            long last = 0;
            for (SimulatedNode node : nodes) {
                last = Math.max(last, node.lastNewsNanos());
            }
            long now = System.nanoTime();
            if (now - last >= quiet.toNanos()) {
                return last;
            }
            if (now - deadlineNanos > 0) {
                return -1;
            }
            Thread.sleep(100);
        }
    }

    /** What the link phase came to. */
    record Links(int initiators, long assigned, double seconds, double masterCpu, double probeCpu, double otherCpu,
                 Map<String, Long> refused, long unanswered, long failures) {
        double perSecond() {
            return seconds > 0 ? assigned / seconds : 0;
        }
    }

    /**
     * Brokers links for {@code window}: {@code count} joined nodes each ask for a link to a random
     * other joined node, wait for LINK_ASSIGNED (or a refusal, or {@code answerTimeout}), say the
     * link is up and close it, and ask again. One request at a time per initiator keeps it within
     * the master's quotas (16 unanswered requests, 256 links it opened) and the port pool.
     *
     * @param masterCpu reads the master's CPU seconds, at the window's start and end (the probe's are read too)
     */
    Links links(int count, Duration window, Duration answerTimeout, DoubleSupplier masterCpu)
            throws InterruptedException {
        List<SimulatedNode> joined = nodes.stream().filter(n -> n.state() == SimulatedNode.State.JOINED).toList();
        if (joined.size() < 2) {
            return new Links(0, 0, window.toNanos() / 1e9, 0, 0, 0, Map.of(), 0, 0);
        }
        List<SimulatedNode> initiators = joined.subList(0, Math.min(count, joined.size()));
        LongAdder assigned = new LongAdder();
        LongAdder unanswered = new LongAdder();
        LongAdder failures = new LongAdder();
        Map<String, LongAdder> refused = new ConcurrentHashMap<>();
        double cpuBefore = masterCpu.getAsDouble();
        double probeBefore = Proc.cpuSeconds(Proc.self());
        double machineBefore = Proc.machineBusySeconds();
        long start = System.nanoTime();
        long end = start + window.toNanos();
        List<Thread> loops = new ArrayList<>();
        for (SimulatedNode initiator : initiators) {
            loops.add(Thread.ofVirtual().name("load-initiator-" + initiator.index).start(() -> {
                try {
                    while (System.nanoTime() - end < 0 && initiator.state() == SimulatedNode.State.JOINED) {
                        SimulatedNode peer;
                        do {
                            peer = joined.get(ThreadLocalRandom.current().nextInt(joined.size()));
                        } while (peer == initiator);
                        SimulatedNode.Answer answer = initiator.requestLink(peer, answerTimeout.toNanos());
                        if (answer == null) {
                            unanswered.increment();
                        } else if (answer.linkId() != null) {
                            if (answer.atNanos() - end < 0) {
                                assigned.increment();
                            }
                            initiator.upAndClose(answer.linkId());
                        } else {
                            refused.computeIfAbsent(answer.refusal(), r -> new LongAdder()).increment();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.io.IOException | RuntimeException e) {
                    failures.increment();
                }
            }));
        }
        long wait = end - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait) + 1);
        }
        double cpuAfter = masterCpu.getAsDouble();
        double probeAfter = Proc.cpuSeconds(Proc.self());
        double machineAfter = Proc.machineBusySeconds();
        double seconds = (System.nanoTime() - start) / 1e9;
        long giveUp = System.nanoTime() + answerTimeout.toNanos() + TimeUnit.SECONDS.toNanos(5);
        for (Thread loop : loops) {
            long left = giveUp - System.nanoTime();
            if (left <= 0 || !loop.join(Duration.ofNanos(left))) {
                loop.interrupt();
            }
        }
        Map<String, Long> refusals = new TreeMap<>();
        refused.forEach((code, n) -> refusals.put(code, n.sum()));
        double master = cpuAfter - cpuBefore;
        double probe = probeAfter - probeBefore;
        return new Links(initiators.size(), assigned.sum(), seconds, master, probe,
                Math.max(0, machineAfter - machineBefore - master - probe), refusals, unanswered.sum(), failures.sum());
    }

    /** Closes every connection; their ends do not count as drops. */
    @Override
    public void close() {
        pinger.close();
        nodes.forEach(SimulatedNode::close);
        // Their sockets are closed: the readers end at once. Those that do not within 20 s in all are interrupted.
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (Thread thread : threads) {
            try {
                long left = giveUp - System.nanoTime();
                if (left <= 0 || !thread.join(Duration.ofNanos(left))) {
                    thread.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
