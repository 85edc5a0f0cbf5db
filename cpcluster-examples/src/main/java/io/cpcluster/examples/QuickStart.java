package io.cpcluster.examples;

import io.cpcluster.ClusterListener;
import io.cpcluster.ClusterMaster;
import io.cpcluster.ClusterNode;
import io.cpcluster.DirectLink;
import io.cpcluster.LinkOpened;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.RemoteTaskException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;

/**
 * The README's API example, compiled and run by the tests so that it stays true: a master, a
 * worker and a client in one JVM; a direct link, a call, a submit, one-way messages, an event,
 * and a remote failure.
 */
public final class QuickStart {
    /**
     * A task's input. JSON-B binds public records (and classes) in exported packages.
     *
     * @param name who to greet
     */
    public record Greeting(String name) {
    }

    private QuickStart() {
    }

    /**
     * Runs the example.
     *
     * @param args none; {@code --help} says what it does
     */
    public static void main(String[] args) {
        if (args.length > 0) {
            System.out.println("usage: QuickStart (no options): starts a master, a worker and a client in this JVM"
                    + " and shows a link, a call, a message, a remote failure and a submit");
            return;
        }
        // README:begin
        try (ClusterMaster master = ClusterMaster.start(MasterConfig.builder().port(0).build());
             ClusterNode worker = ClusterNode.start(NodeConfig.builder()
                     .name("worker")
                     .join(master.joinInfo())           // or .joinFile(Path.of("join.json"))
                     .handle("greet", Greeting.class, g -> "hello " + g.name())
                     .handle("fail", String.class, s -> {
                         throw new IllegalStateException("no " + s);
                     })
                     .build());
             ClusterNode client = ClusterNode.start(NodeConfig.builder()
                     .name("client")
                     .join(master.joinInfo())
                     .build())) {

            // Events: here, the worker reads the one-way messages of every link opened to it.
            worker.subscribe(new ClusterListener() {
                @Override
                public void onLinkOpened(LinkOpened event) {
                    worker.link(event.link().id()).ifPresent(link -> link.onMessage(bytes ->
                            System.out.println("worker got: " + new String(bytes, StandardCharsets.UTF_8))));
                }
            });

            // A direct link: the master brokers it, then the two nodes talk without it.
            try (DirectLink link = client.connect(worker.self().id())) {
                String answer = link.call("greet", new Greeting("Ada"), String.class).join();
                System.out.println(answer + " over link " + link.id() + " on port " + link.port());

                // One-way bytes, in order; a slow reader holds the sender back.
                link.send("ping".getBytes(StandardCharsets.UTF_8));

                // What a handler throws comes back as a RemoteTaskException; the link stays open.
                try {
                    link.call("fail", "coffee", String.class).join();
                } catch (CompletionException e) {
                    RemoteTaskException remote = (RemoteTaskException) e.getCause();
                    System.out.println("remote failure: " + remote.remoteMessage());
                }
            }

            // Or let the client pick a node that serves the task; it keeps a link to it.
            System.out.println(client.submit("greet", new Greeting("Grace"), String.class).join());
            System.out.println("the master sees " + master.nodes().size() + " nodes, "
                    + master.stats().portsInUseCount() + " link port(s) in use");
        }
        // README:end
    }
}
