package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.ReaderThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;

class ConcurrentCallsTest {
    /** An input that says who sent it. */
    public record Question(int thread, int call) {
    }

    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> modes() {
        return HandlerThreadsTest.modes();
    }

    @ParameterizedTest(name = "{0} readers, {1} handlers")
    @org.junit.jupiter.params.provider.MethodSource("modes")
    void tenThousandCallsFromSixteenThreadsOverOneLinkEachGetTheirOwnAnswer(ReaderThreads readers,
                                                                           io.cpcluster.HandlerThreads handlers)
            throws Exception {
        ClusterNode caller = cluster.node("caller", b -> b.linkReaders(readers).handlerThreads(handlers));
        ClusterNode server = cluster.node("server", b -> b.linkReaders(readers).handlerThreads(handlers)
                .handle("answer", Question.class, q -> q.thread() * 1_000_000 + q.call()));
        AtomicInteger served = new AtomicInteger();
        server.handle("bytes", byte[].class, bytes -> {
            served.incrementAndGet();
            return bytes;
        });
        try (DirectLink link = caller.connect(server.self().id());
             ExecutorService threads = Executors.newFixedThreadPool(16)) {
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                workers.add(threads.submit(() -> {
                    List<CompletableFuture<Integer>> answers = new ArrayList<>();
                    List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
                    for (int call = 0; call < 625; call++) {
                        answers.add(link.call("answer", new Question(thread, call), Integer.class));
                        echoes.add(link.call("bytes", new byte[] {(byte) thread, (byte) call}, byte[].class));
                    }
                    int right = 0;
                    for (int call = 0; call < 625; call++) {
                        assertEquals(thread * 1_000_000 + call, answers.get(call).join());
                        byte[] echo = echoes.get(call).join();
                        assertEquals((byte) thread, echo[0]);
                        assertEquals((byte) call, echo[1]);
                        right++;
                    }
                    return right;
                }));
            }
            int total = 0;
            for (Future<Integer> worker : workers) {
                total += worker.get();
            }
            assertEquals(10_000, total);
            assertEquals(10_000, served.get());
        }
    }
}
