package io.cpcluster.core;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code file} token store: the token lives in the master's {@code join.json}. When the
 * master restarts, the token found there is live again, so nodes holding that file can rejoin.
 * The master writes the file (owner-only) once it knows its address; revoking the token in
 * the file removes it from the file too.
 */
final class FileTokenStore extends MemoryTokenStore {
    private final Path joinFile;

    FileTokenStore(Path joinFile) {
        this.joinFile = joinFile;
        if (Files.exists(joinFile)) {
            JoinFiles.readToken(joinFile).ifPresent(this::add);
        }
    }

    @Override
    public void revoke(String token) {
        super.revoke(token);
        if (Files.exists(joinFile) && JoinFiles.readToken(joinFile).filter(token::equals).isPresent()) {
            JoinFiles.removeToken(joinFile);
        }
    }
}
