package io.cpcluster.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.Security;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The load benchmark works, in both security modes: a few simulated nodes join a master process,
 * none is dropped, links are brokered, and the report says so. It checks behaviour, never timing.
 */
class LoadWorksTest {
    @ParameterizedTest
    @EnumSource(Security.class)
    void twentyNodesJoinStayAndBrokerLinks(Security security, @TempDir Path out) throws Exception {
        List<String> args = new ArrayList<>(List.of("--nodes", "20", "--window", "2", "--concurrency", "8",
                "--initiators", "4", "--master-heap", "256m", "--out", out.toString()));
        if (security == Security.PLAIN) {
            args.add("--plain");
        }
        Load.Options options = Load.Options.parse(args.toArray(String[]::new));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        List<LoadRow> rows = Load.run(options, new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertEquals(1, rows.size());
        LoadRow row = rows.getFirst();
        String said = progress.toString(StandardCharsets.UTF_8);
        assertNull(row.error, said);
        assertEquals(20, row.joined, said);
        assertEquals(0, row.failed, said);
        assertEquals(0, row.skipped, said);
        assertEquals(0, row.dropped, () -> said + row.problems);
        assertEquals(20, row.masterNodes, "the master counted the nodes");
        assertTrue(row.links.assigned() > 0, () -> "no link was brokered: " + row.links);
        assertTrue(row.masterBrokered >= row.links.assigned(), "the master brokered what the nodes were assigned");
        assertEquals(20, row.joinTraffic.byType().get("AUTH_OK")[0]);
        assertEquals(20, row.joinTraffic.byType().get("HELLO")[0]);
        assertTrue(row.heapConnected > 0 && row.rssConnected > 0 && row.heartbeatPercent >= 0);

        String report = LoadReport.markdown(options, rows);
        assertTrue(report.contains("| 20 | 20 (0, 0) |"), report);
        assertTrue(report.contains("no 10,000 row in this run"), report);
    }

    @Test
    void nodesThatAskForEveryoneHearOfEachOtherInGatheredNews(@TempDir Path out) throws Exception {
        Load.Options options = Load.Options.parse(new String[] {"--nodes", "12", "--window", "1", "--concurrency", "4",
            "--initiators", "2", "--master-heap", "256m", "--view", "all", "--out", out.toString()});
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        LoadRow row = Load.run(options, new PrintStream(progress, true, StandardCharsets.UTF_8)).getFirst();
        String said = progress.toString(StandardCharsets.UTF_8);
        assertEquals(12, row.joined, said);
        assertEquals(0, row.dropped, () -> said + row.problems);
        // Each node is told of the others, in MEMBERS frames and the node lists; never one frame a join.
        long[] members = row.joinTraffic.byType().get("MEMBERS");
        assertTrue(members != null && members[0] > 0, () -> "no MEMBERS: " + row.joinTraffic.byType().keySet());
        assertTrue(LoadReport.markdown(options, rows(row)).contains("view all"));
    }

    private static List<LoadRow> rows(LoadRow row) {
        return List.of(row);
    }

    @Test
    void theHandWrittenPingIsWhatTheCodecWrites() {
        for (boolean answer : new boolean[] {true, false}) {
            assertArrayEquals(ControlCodec.encode(new Control.Ping(1764230401000L, answer)),
                    SimulatedNode.ping(1764230401000L, answer));
        }
    }

    @Test
    void framesAreCountedByTheirPeekedType() {
        Traffic traffic = new Traffic();
        byte[] pong = ControlCodec.encode(new Control.Pong(7));
        byte[] newer = "{\"type\":\"NODES_DELTA\",\"joined\":[]}".getBytes(StandardCharsets.UTF_8);
        byte[] garbage = "[1,2]".getBytes(StandardCharsets.UTF_8);
        assertEquals("PONG", traffic.count(pong, pong.length));
        assertEquals("PONG", traffic.count(pong, pong.length));
        assertEquals("NODES_DELTA", traffic.count(newer, newer.length));
        assertEquals(Traffic.UNKNOWN, traffic.count(garbage, garbage.length));
        Traffic.Snapshot counted = traffic.snapshot();
        assertArrayEquals(new long[] {2, 2L * (pong.length + 4)}, counted.byType().get("PONG"));
        assertEquals(4, counted.frames());
        assertEquals(2, counted.minus(new Traffic().snapshot()).byType().get("PONG")[0]);
    }

    @Test
    void aMissedGoalIsPrintedAsMissed(@TempDir Path out) throws Exception {
        Load.Options options = Load.Options.parse(new String[] {"--out", out.toString()});
        LoadRow row = new LoadRow(LoadReport.GOAL_NODES);
        row.joined = 6200;
        row.skipped = 3800;
        row.joinDeadlinePassed = true;
        row.joinSeconds = 180;
        row.masterNodes = 6200;
        row.heartbeatPercent = 12;
        row.rssConnected = 2L << 30;
        String report = LoadReport.markdown(options, List.of(row));
        assertTrue(report.contains("| 10,000 nodes joined in ≤ 60 s, none dropped | 6,200 of 10,000"), report);
        assertTrue(report.contains("MISSED (within the goal, but with 6,200 nodes connected, not 10,000)"), report);
        assertTrue(report.contains("| master RSS ≤ 1 GiB with 10,000 nodes | 2.00 GiB with 6,200 connected | MISSED |"),
                report);
        assertTrue(Files.notExists(out.resolve("load.md")), "only main writes the file");
    }
}
