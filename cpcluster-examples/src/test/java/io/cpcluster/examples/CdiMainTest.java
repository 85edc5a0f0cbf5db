package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cpcluster.core.TestPorts;
import org.junit.jupiter.api.Test;

class CdiMainTest {
    @Test
    void aBeanInOneContainerGreetsForABeanInTheOther() {
        assertEquals("hello tests, from cdi-server",
                CdiMain.run(new String[] {"--name", "tests", "--range", TestPorts.range(4).toString()}));
    }
}
