package io.cpcluster.core;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.MasterLost;
import io.cpcluster.MembershipView;
import io.cpcluster.NodeInfo;
import io.cpcluster.NodeJoined;
import io.cpcluster.NodeLeft;
import io.cpcluster.NoSuchNodeException;
import io.cpcluster.core.wire.Control;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: what each {@link MembershipView} a node asks for brings it. Every view keeps
 * {@code nodes()}, {@code submit} and {@code connect} working; the view decides only which nodes
 * the master keeps the node told about, in gathered {@code MEMBERS} news.
 */
class MembershipViewTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private TestCluster cluster;

    @AfterEach
    void close() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Set<String> names(List<NodeInfo> nodes) {
        return nodes.stream().map(NodeInfo::name).collect(Collectors.toSet());
    }

    private Set<String> joinedNames(ClusterNode node) {
        return cluster.events(node, NodeJoined.class).stream().map(e -> e.node().name()).collect(Collectors.toSet());
    }

    private ClusterNode worker(String name, String task) {
        return cluster.node(name, b -> b.handle(task, Long.class, x -> x * x));
    }

    @Test
    void theDefaultViewHearsOfEveryNodeInGatheredNews() {
        cluster = new TestCluster(TestPorts.range(4), b -> b.membershipInterval(Duration.ofMillis(200)));
        ClusterNode watcher = cluster.node("watcher");
        List<ClusterNode> workers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            workers.add(worker("worker-" + i, "square"));
        }
        await().atMost(WAIT).until(() -> joinedNames(watcher).size() == 5);
        assertEquals(Set.of("watcher", "worker-0", "worker-1", "worker-2", "worker-3", "worker-4"),
                names(watcher.nodes()));
        workers.getFirst().close();
        await().atMost(WAIT).until(() -> cluster.events(watcher, NodeLeft.class).size() == 1);
        assertEquals("worker-0", cluster.events(watcher, NodeLeft.class).getFirst().node().name());
        assertEquals(5, watcher.nodes().size());
        assertEquals(49L, watcher.submit("square", 7L, Long.class).join());
    }

    @Test
    void aViewOfTasksHoldsTheirServersOnlyAndStillFindsEveryoneAndSubmitsAnything() throws IOException {
        cluster = new TestCluster(TestPorts.range(4), b -> b.membershipInterval(Duration.ofMillis(20)));
        worker("squarer", "square");
        cluster.node("echoer", b -> b.handle("echo", String.class, s -> s));
        ClusterNode watcher = cluster.node("watcher", b -> b.membership(MembershipView.serving("square")));
        worker("late-squarer", "square");
        cluster.node("late-echoer", b -> b.handle("echo", String.class, s -> s));
        // Only the servers of square come into its view, and only they are announced.
        await().atMost(WAIT).until(() -> joinedNames(watcher).contains("late-squarer"));
        // The late echoer's news has come and gone by the time a later square server's has.
        ClusterNode last = worker("last-squarer", "square");
        await().atMost(WAIT).until(() -> joinedNames(watcher).contains("last-squarer"));
        assertEquals(Set.of("late-squarer", "last-squarer"), joinedNames(watcher));
        // nodes() asks the master: every node, whatever the view.
        assertEquals(Set.of("squarer", "echoer", "watcher", "late-squarer", "late-echoer", "last-squarer"),
                names(watcher.nodes()));

        // A node that starts serving square enters the view; once it stops, it leaves it.
        try (RawClient convert = new RawClient(cluster.master.address())) {
            convert.join(cluster.master.joinInfo().token(), "convert", List.of("echo"), null, List.of());
            convert.send(new Control.Tasks(List.of("echo", "square")));
            await().atMost(WAIT).until(() -> joinedNames(watcher).contains("convert"));
            convert.send(new Control.Tasks(List.of("echo")));
            await().atMost(WAIT).until(() -> cluster.events(watcher, NodeLeft.class).stream()
                    .anyMatch(e -> e.node().name().equals("convert")));
            assertTrue(cluster.events(watcher, NodeLeft.class).getFirst().reason().contains("no longer serves"),
                    cluster.events(watcher, NodeLeft.class).toString());
            // Still connected, and listed by nodes().
            assertTrue(names(watcher.nodes()).contains("convert"));
        }

        // A task the view covers and one it does not: both find their servers.
        assertEquals(81L, watcher.submit("square", 9L, Long.class).join());
        assertEquals("hi", watcher.submit("echo", "hi", String.class).join());
        assertInstanceOf(NoSuchNodeException.class, assertThrows(CompletionException.class,
                () -> watcher.submit("nobody-serves-this", "x", String.class).join()).getCause());
        try (DirectLink link = watcher.connect(last.self().id())) {
            assertEquals(4L, link.call("square", 2L, Long.class).join());
        }
    }

    @Test
    void aNodeThatWantsNoViewHearsOfNoOneAndCanStillWorkWithEveryone() {
        cluster = new TestCluster(TestPorts.range(4), b -> b.membershipInterval(Duration.ofMillis(20)));
        ClusterNode early = worker("early", "square");
        ClusterNode lonely = cluster.node("lonely", b -> b.membership(MembershipView.none()));
        ClusterNode late = worker("late", "square");
        ClusterNode watcher = cluster.node("watcher");
        await().atMost(WAIT).until(() -> names(watcher.nodes()).size() == 4
                && names(early.nodes()).contains("watcher"));
        late.close();
        await().atMost(WAIT).until(() -> cluster.events(watcher, NodeLeft.class).size() == 1);
        assertEquals(List.of(), cluster.events(lonely, NodeJoined.class));
        assertEquals(List.of(), cluster.events(lonely, NodeLeft.class));

        assertEquals(Set.of("early", "lonely", "watcher"), names(lonely.nodes()));
        assertEquals(lonely.self(), lonely.nodes().stream().filter(n -> n.name().equals("lonely")).findFirst()
                .orElseThrow());
        // submit asks the master for a server each time it needs one; connect needs only an id.
        Set<Long> answers = new HashSet<>();
        for (long x = 0; x < 5; x++) {
            answers.add(lonely.submit("square", x, Long.class).join());
        }
        assertEquals(Set.of(0L, 1L, 4L, 9L, 16L), answers);
        try (DirectLink link = lonely.connect(early.self().id())) {
            assertEquals(9L, link.call("square", 3L, Long.class).join());
        }

        // Without its master, a node that must ask says so in time, rather than listing nobody;
        // its links keep working.
        DirectLink kept = lonely.connect(early.self().id());
        cluster.master.close();
        await().atMost(WAIT).until(() -> !cluster.events(lonely, MasterLost.class).isEmpty());
        ClusterException failure = assertThrows(ClusterException.class, lonely::nodes);
        assertTrue(failure.getMessage().contains("not connected"), failure.getMessage());
        assertEquals(25L, kept.call("square", 5L, Long.class).join());
    }

    @Test
    void findNodesListsAtMost64OtherServersAndABadTaskNameIsAProtocolError() throws Exception {
        cluster = new TestCluster(TestPorts.range(4), b -> b.membershipInterval(Duration.ofMillis(20)));
        String token = cluster.master.joinInfo().token();
        List<RawClient> servers = new ArrayList<>();
        try {
            for (int i = 0; i < 70; i++) {
                RawClient server = new RawClient(cluster.master.address());
                server.join(token, "server-" + i, List.of("work"), null, List.of());
                servers.add(server);
            }
            try (RawClient asker = new RawClient(cluster.master.address())) {
                asker.authenticate(token, "asker", List.of("work"), null, List.of());
                assertInstanceOf(Control.AuthOk.class, asker.read());
                // Everyone is listed, in pages: the view is all by default.
                int listed = 0;
                for (Control.NodeList page = asker.read(Control.NodeList.class); ; page = asker.read(
                        Control.NodeList.class)) {
                    listed += page.nodes().size();
                    if (!page.more()) {
                        break;
                    }
                }
                assertEquals(70, listed);
                asker.send(new Control.FindNodes(7, "work"));
                Set<String> found = new HashSet<>();
                boolean more = true;
                while (more) {
                    Control message = asker.read();
                    if (message instanceof Control.NodesFound page) {
                        assertEquals(7, page.requestId());
                        page.nodes().forEach(node -> found.add(node.id()));
                        more = page.more();
                    }
                }
                assertEquals(Control.MAX_FOUND, found.size());
                assertTrue(found.stream().allMatch(id -> id.startsWith("server-")), found.toString());

                asker.send(new Control.FindNodes(8, "bad\nname"));
                Control refusal = asker.awaitClosed();
                assertInstanceOf(Control.Fault.class, refusal);
                assertEquals(Control.Fault.PROTOCOL, ((Control.Fault) refusal).code());
            }
            // The asker is dropped, and only it.
            await().atMost(WAIT).until(() -> cluster.master.nodes().size() == 70);
            assertTrue(cluster.master.nodes().stream().allMatch(node -> node.name().startsWith("server-")));
        } finally {
            for (RawClient server : servers) {
                server.close();
            }
        }
    }

    @Test
    void aNodeAskingForNoViewGetsOneEmptyListAndAnUnknownModeIsAProtocolError() throws IOException {
        cluster = new TestCluster(TestPorts.range(4), b -> b);
        cluster.node("someone");
        String token = cluster.master.joinInfo().token();
        try (RawClient none = new RawClient(cluster.master.address())) {
            Control.Hello hello = none.read(Control.Hello.class);
            none.send(new Control.Auth(Control.VERSION, "none", "none", none.proof(token, hello), List.of(), null,
                    List.of(), new Control.WireView(Control.VIEW_NONE, List.of())));
            none.read(Control.AuthOk.class);
            Control.NodeList only = none.read(Control.NodeList.class);
            assertEquals(List.of(), only.nodes());
            assertEquals(false, only.more());
        }
        try (RawClient odd = new RawClient(cluster.master.address())) {
            Control.Hello hello = odd.read(Control.Hello.class);
            odd.send(new Control.Auth(Control.VERSION, "odd", "odd", odd.proof(token, hello), List.of(), null,
                    List.of(), new Control.WireView("some", List.of())));
            Control.Fault fault = assertInstanceOf(Control.Fault.class, odd.awaitClosed());
            assertTrue(fault.message().contains("unknown view mode 'some'"), fault.message());
        }
        assertEquals(1, cluster.master.nodes().size());
    }
}
