package io.cpcluster.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsTest {
    private static final Set<String> VALUES = Set.of("port", "name");
    private static final Set<String> FLAGS = Set.of("token-env");

    @Test
    void valuesComeAfterTheNameOrAnEqualsSign() {
        Options options = Options.parse(List.of("--port", "55000", "--name=w1", "--token-env"), VALUES, FLAGS);
        assertEquals(55000, options.number("port", 0));
        assertEquals(Optional.of("w1"), options.get("name"));
        assertTrue(options.has("token-env"));
        assertEquals(7, Options.parse(List.of(), VALUES, FLAGS).number("port", 7));
        assertEquals(50_000_000, Options.parse(List.of("--port", "50_000_000"), VALUES, FLAGS).number("port", 0));
        assertFalse(Options.parse(List.of(), VALUES, FLAGS).has("token-env"));
    }

    @Test
    void mistakesNameTheOption() {
        assertEquals("unknown option --prot",
                assertThrows(Options.UsageException.class, () -> Options.parse(List.of("--prot", "1"), VALUES, FLAGS))
                        .getMessage());
        assertEquals("--port needs a value",
                assertThrows(Options.UsageException.class, () -> Options.parse(List.of("--port"), VALUES, FLAGS))
                        .getMessage());
        assertEquals("unexpected argument 'x'",
                assertThrows(Options.UsageException.class, () -> Options.parse(List.of("x"), VALUES, FLAGS))
                        .getMessage());
        Options bad = Options.parse(List.of("--port", "many"), VALUES, FLAGS);
        assertEquals("--port takes a whole number, not 'many'",
                assertThrows(Options.UsageException.class, () -> bad.number("port", 0)).getMessage());
    }
}
