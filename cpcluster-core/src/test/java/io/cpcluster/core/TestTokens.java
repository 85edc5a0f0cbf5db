package io.cpcluster.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A token and join files for tests that need them fixed in advance; a test that can use the
 * token its master minted uses that. Shared with other modules' tests through core's test jar.
 */
public final class TestTokens {
    /**
     * A strong token, made as the README advises ({@code openssl rand -hex 32}); every reader of
     * this file knows it.
     */
    public static final String STRONG = "adfeae370ddd09e79d005e74913587b08040e3dfabdfe1dace061eb6aba91301";

    private TestTokens() {
    }

    /** Writes a file only its owner may read and write (mode 600), as a join file must be. */
    public static Path writePrivate(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
