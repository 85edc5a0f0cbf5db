package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.core.TestPorts;
import org.junit.jupiter.api.Test;

class DemoTest {
    @Test
    void threeWorkersCountThePrimesAndTheDriverChecksTheSum() {
        assertTrue(DemoMain.run(new String[] {"--limit", "3000000", "--chunk", "100000",
                "--range", TestPorts.range(8).toString()}));
    }

    @Test
    void theDemoRunsInPlainTcpWhenAskedFor() {
        assertTrue(DemoMain.run(new String[] {"--limit", "1000000", "--chunk", "100000",
                "--range", TestPorts.range(8).toString(), "--insecure"}));
    }
}
