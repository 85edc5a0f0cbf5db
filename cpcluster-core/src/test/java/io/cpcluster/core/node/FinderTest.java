package io.cpcluster.core.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.NodeId;
import io.cpcluster.NodeInfo;
import io.cpcluster.core.wire.Control;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Finder} asks the master at most one question per task (and one about every node) at a
 * time: callers that come while one is in flight share the next, asked once it is answered, and
 * each caller still waits at most the timeout from its own call.
 */
class FinderTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    /** What the finder sent the master. */
    private final List<Control.FindNodes> asked = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        background.shutdownNow();
        timer.shutdownNow();
    }

    private Finder finder(Duration timeout) {
        return new Finder(new Finder.Master() {
            @Override
            public boolean send(Control message) {
                asked.add((Control.FindNodes) message);
                return true;
            }

            @Override
            public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
                return timer.schedule(task, delay, unit);
            }
        }, background, timeout);
    }

    private static Control.WireNode node(String name) {
        return new Control.WireNode(NodeId.random().value(), name, "127.0.0.1", List.of("square"), 1,
                "sha256:" + "ab".repeat(32));
    }

    private static List<String> names(List<NodeInfo> nodes) {
        return nodes.stream().map(NodeInfo::name).toList();
    }

    @Test
    void aHundredCallersAtOnceCostTheMasterTwoQuestionsAndEachGetsAnAnswerMadeAfterItAsked() throws Exception {
        Finder finder = finder(WAIT);
        CompletableFuture<List<NodeInfo>> first = finder.find(null);
        List<CompletableFuture<List<NodeInfo>>> later = new ArrayList<>();
        for (int i = 0; i < 99; i++) {
            later.add(finder.find(null));
        }
        assertEquals(1, asked.size(), "one question in flight");
        finder.found(new Control.NodesFound(asked.getFirst().requestId(), List.of(node("a")), false));
        assertEquals(List.of("a"), names(first.get(10, TimeUnit.SECONDS)));
        // The 99 that came meanwhile were not answered with it: one more question, for them all.
        await().atMost(WAIT).until(() -> asked.size() == 2);
        assertTrue(later.stream().noneMatch(CompletableFuture::isDone));
        finder.found(new Control.NodesFound(asked.get(1).requestId(), List.of(node("a"), node("b")), false));
        for (CompletableFuture<List<NodeInfo>> caller : later) {
            assertEquals(List.of("a", "b"), names(caller.get(10, TimeUnit.SECONDS)));
        }
        // Nothing waits now: the next caller asks at once.
        CompletableFuture<List<NodeInfo>> after = finder.find(null);
        await().atMost(WAIT).until(() -> asked.size() == 3);
        finder.found(new Control.NodesFound(asked.get(2).requestId(), List.of(), false));
        assertEquals(List.of(), after.get(10, TimeUnit.SECONDS));
    }

    @Test
    void questionsAboutDifferentTasksFlyTogether() {
        Finder finder = finder(WAIT);
        finder.find("square");
        finder.find("cube");
        finder.find(null);
        finder.find("square");
        assertEquals(3, asked.size());
        assertEquals(List.of("square", "cube"), asked.stream().map(Control.FindNodes::task).limit(2).toList());
    }

    @Test
    void aCallerWaitingForTheNextQuestionFailsAtItsOwnTimeout() throws Exception {
        Finder finder = finder(Duration.ofMillis(300));
        CompletableFuture<List<NodeInfo>> first = finder.find("square");
        // Another caller comes 150 ms later, while the first question is in flight.
        CompletableFuture<List<NodeInfo>> waiting = timer.schedule(() -> finder.find("square"), 150,
                TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
        // The master never answers: the first question fails at 300 ms; the next, asked then for
        // the caller that waited, is not waited for past that caller's own 300 ms.
        for (CompletableFuture<List<NodeInfo>> caller : List.of(first, waiting)) {
            CompletionException failed = assertThrows(CompletionException.class, caller::join);
            ClusterException cause = assertInstanceOf(ClusterException.class, failed.getCause());
            assertEquals("the master did not say which nodes serve task 'square' within 300 ms"
                    + " (NodeConfig.connectTimeout)", cause.getMessage());
        }
        assertTrue(asked.size() <= 2, "asked " + asked.size() + " times");
        // Once the next question times out too, nobody is left to ask for.
        int questions = asked.size();
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> asked.size() == questions);
    }
}
