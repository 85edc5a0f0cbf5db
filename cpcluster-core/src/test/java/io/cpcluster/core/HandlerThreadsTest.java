package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.HandlerThreads;
import io.cpcluster.ReaderThreads;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Where handlers run, and what each choice allows. */
class HandlerThreadsTest {
    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    static Stream<Arguments> modes() {
        return Stream.of(ReaderThreads.values()).flatMap(readers -> Stream.of(HandlerThreads.values())
                .map(handlers -> Arguments.of(readers, handlers)));
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
    }

    @ParameterizedTest(name = "{0} readers")
    @EnumSource(ReaderThreads.class)
    void readerHandlersRunOnTheLinksReaderOneAtATime(ReaderThreads readers) throws Exception {
        AtomicReference<Thread> handlerThread = new AtomicReference<>();
        ClusterNode caller = cluster.node("caller", b -> b.linkReaders(readers));
        ClusterNode server = cluster.node("server", b -> b.linkReaders(readers).handlerThreads(HandlerThreads.READER)
                .handle("where", String.class, s -> {
                    handlerThread.set(Thread.currentThread());
                    return s;
                }));
        try (DirectLink link = caller.connect(server.self().id())) {
            for (int i = 0; i < 100; i++) {
                assertEquals("call " + i, link.call("where", "call " + i, String.class).get(10, TimeUnit.SECONDS));
            }
        }
        assertTrue(handlerThread.get().getName().contains("-link-reader-"), handlerThread.get().getName());
        assertEquals(readers == ReaderThreads.VIRTUAL, handlerThread.get().isVirtual());
    }
}
