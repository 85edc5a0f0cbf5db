package io.cpcluster.core.defaults;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code file} token store: the token lives in the master's {@code join.json}. When the
 * master restarts, the token found there is live again, so nodes holding that file can rejoin.
 * The master writes the file (owner-only) once it knows its address; revoking the token in
 * the file removes it from the file too.
 */
public final class FileTokenStore extends MemoryTokenStore {
    private final Path joinFile;
    private final boolean restored;

    public FileTokenStore(Path joinFile) {
        this.joinFile = joinFile;
        boolean found = false;
        if (Files.exists(joinFile)) {
            java.util.Optional<String> token = JoinFiles.readToken(joinFile);
            token.ifPresent(this::add);
            found = token.isPresent();
        }
        this.restored = found;
    }

    /** True when the join file held a token when the master started: it ran before, with that token. */
    @Override
    public boolean restored() {
        return restored;
    }

    @Override
    public void revoke(String token) {
        super.revoke(token);
        if (Files.exists(joinFile) && JoinFiles.readToken(joinFile).filter(token::equals).isPresent()) {
            JoinFiles.removeToken(joinFile);
        }
    }
}
