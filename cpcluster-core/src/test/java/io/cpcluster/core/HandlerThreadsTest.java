package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.HandlerThreads;
import io.cpcluster.ReaderThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Where handlers run, and what each choice allows. Never on the thread that reads the link. */
class HandlerThreadsTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    @ParameterizedTest(name = "{0} readers")
    @EnumSource(ReaderThreads.class)
    void virtualThreadHandlersMayBlockAndCallBackOverTheirOwnLink(ReaderThreads readers) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<DirectLink> back = new AtomicReference<>();
        AtomicReference<Thread> handlerThread = new AtomicReference<>();
        ClusterNode caller = cluster.node("caller", b -> b.linkReaders(readers)
                .handle("inner", String.class, s -> "inner " + s));
        ClusterNode server = cluster.node("server", b -> b.linkReaders(readers)
                .handle("wait", String.class, s -> {
                    release.await();
                    return "released";
                })
                .handle("outer", String.class, s -> {
                    handlerThread.set(Thread.currentThread());
                    return back.get().call("inner", s, String.class).get(10, TimeUnit.SECONDS);
                }));
        try (DirectLink link = caller.connect(server.self().id())) {
            back.set(TestCluster.await(() -> server.link(link.id()).orElse(null)));
            CompletableFuture<String> waiting = link.call("wait", "x", String.class);
            assertEquals("inner y", link.call("outer", "y", String.class).get(10, TimeUnit.SECONDS));
            assertFalse(waiting.isDone());
            release.countDown();
            assertEquals("released", waiting.get(10, TimeUnit.SECONDS));
        }
        assertTrue(handlerThread.get().isVirtual());
        assertFalse(handlerThread.get().getName().contains("-link-reader-"), handlerThread.get().getName());
    }

    /**
     * Fifty calls fired at once: the serial handler sees them one at a time, in the order they
     * were sent, on a virtual thread that is not the link's reader, while another link's lane
     * runs at the same time.
     */
    @ParameterizedTest(name = "{0} readers")
    @EnumSource(ReaderThreads.class)
    void serialHandlersRunOneAtATimeInOrderOffTheReaderAndEachLinkHasItsOwnLane(ReaderThreads readers)
            throws Exception {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Integer> order = new CopyOnWriteArrayList<>();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch bothLanesBusy = new CountDownLatch(2);
        ClusterNode server = cluster.node("server", b -> b.linkReaders(readers).handlerThreads(HandlerThreads.SERIAL)
                .handle("next", Integer.class, i -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    threads.add((Thread.currentThread().isVirtual() ? "virtual " : "platform ")
                            + Thread.currentThread().getName());
                    order.add(i);
                    running.decrementAndGet();
                    return i;
                })
                .handle("meet", Integer.class, i -> {
                    // Two links' lanes, each in this handler at once: lanes are per link.
                    bothLanesBusy.countDown();
                    return bothLanesBusy.await(10, TimeUnit.SECONDS) ? i : -1;
                }));
        ClusterNode first = cluster.node("first", b -> b.linkReaders(readers));
        ClusterNode second = cluster.node("second", b -> b.linkReaders(readers));
        try (DirectLink link = first.connect(server.self().id());
             DirectLink other = second.connect(server.self().id())) {
            List<CompletableFuture<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(link.call("next", i, Integer.class));
            }
            for (int i = 0; i < 50; i++) {
                assertEquals(i, calls.get(i).get(10, TimeUnit.SECONDS));
            }
            CompletableFuture<Integer> one = link.call("meet", 1, Integer.class);
            CompletableFuture<Integer> two = other.call("meet", 2, Integer.class);
            assertEquals(1, one.get(10, TimeUnit.SECONDS));
            assertEquals(2, two.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, most.get(), "one at a time");
        assertEquals(java.util.stream.IntStream.range(0, 50).boxed().toList(), order, "in the order they were sent");
        assertTrue(threads.stream().allMatch(name -> name.startsWith("virtual ") && !name.contains("-link-reader-")),
                threads.toString());
    }
}
