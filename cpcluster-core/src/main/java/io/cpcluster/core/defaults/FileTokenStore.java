package io.cpcluster.core.defaults;

import io.cpcluster.ClusterException;
import io.cpcluster.spi.TokenStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code file} token store: the token lives in the master's {@code join.json}. When the
 * master restarts, the token found there is live again, so nodes holding that file can rejoin.
 * The master writes the file (owner-only) once it knows its address; revoking the token in
 * the file removes it from the file too.
 *
 * <p>A token is adopted from the file only when the file passes the checks of {@link JoinFiles}
 * (owner, mode, links) and the token those of {@link TokenStore#requireStrong(String)}; otherwise
 * the store, and so the master, does not start. The master locks the file first
 * ({@link JoinFileLock}), so no other master writes it meanwhile.
 */
public final class FileTokenStore extends MemoryTokenStore {
    private final Path joinFile;
    private final boolean restored;

    public FileTokenStore(Path joinFile) {
        this.joinFile = joinFile;
        boolean found = false;
        if (Files.exists(joinFile)) {
            Optional<String> token = JoinFiles.readToken(joinFile);
            try {
                token.ifPresent(this::add);
            } catch (IllegalArgumentException e) {
                throw new ClusterException("the master will not adopt the token in join file "
                        + joinFile.toAbsolutePath() + ": " + e.getMessage(), e);
            }
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
