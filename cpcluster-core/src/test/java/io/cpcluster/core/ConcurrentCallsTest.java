package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.HandlerThreads;
import io.cpcluster.ReaderThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Many callers on one link, both ways of calling, every thread mode: each caller gets its own answers. */
class ConcurrentCallsTest {
    /** An input that says who sent it. */
    public record Question(int thread, int call) {
    }

    /** How many calls each of the sixteen threads keeps in flight: 16 x 64 fill the link's 1024 slots. */
    private static final int WINDOW = 64;

    private final TestCluster cluster = new TestCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    static Stream<Arguments> modes() {
        return Stream.of(ReaderThreads.values()).flatMap(readers -> Stream.of(HandlerThreads.values())
                .map(handlers -> Arguments.of(readers, handlers)));
    }

    @ParameterizedTest(name = "{0} readers, {1} handlers")
    @MethodSource("modes")
    void tenThousandAsyncCallsAndTenThousandBlockingCallersOverOneLinkEachGetTheirOwnAnswer(ReaderThreads readers,
                                                                                          HandlerThreads handlers)
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
            // Sixteen threads, each with a window of calls in flight (call never blocks).
            List<Future<Integer>> workers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                workers.add(threads.submit(() -> {
                    int right = 0;
                    for (int from = 0; from < 625; from += WINDOW) {
                        List<CompletableFuture<Integer>> answers = new ArrayList<>();
                        for (int call = from; call < Math.min(625, from + WINDOW); call++) {
                            answers.add(link.call("answer", new Question(thread, call), Integer.class));
                        }
                        for (int i = 0; i < answers.size(); i++) {
                            assertEquals(thread * 1_000_000 + from + i, answers.get(i).join());
                            right++;
                        }
                    }
                    return right;
                }));
            }
            // Ten thousand virtual threads that each block in invoke: far more than the link's
            // 1024 slots, so most wait for room instead of failing.
            List<Future<byte[]>> echoes = new ArrayList<>();
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 10_000; i++) {
                    byte[] sent = {(byte) (i >> 8), (byte) i};
                    echoes.add(callers.submit(() -> link.invoke("bytes", sent, byte[].class)));
                }
            }
            int total = 0;
            for (Future<Integer> worker : workers) {
                total += worker.get();
            }
            assertEquals(10_000, total);
            for (int i = 0; i < 10_000; i++) {
                byte[] echo = echoes.get(i).get();
                assertEquals((byte) (i >> 8), echo[0]);
                assertEquals((byte) i, echo[1]);
            }
            assertEquals(10_000, served.get());
        }
    }
}
