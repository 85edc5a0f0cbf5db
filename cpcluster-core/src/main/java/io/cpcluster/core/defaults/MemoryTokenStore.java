package io.cpcluster.core.defaults;

import io.cpcluster.core.wire.Secrets;
import io.cpcluster.spi.TokenStore;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps tokens in memory, for the master's life. The {@code memory} token store. */
public class MemoryTokenStore implements TokenStore {
    private final CopyOnWriteArrayList<String> tokens = new CopyOnWriteArrayList<>();

    @Override
    public String issue() {
        String token = Secrets.newSecret();
        tokens.add(token);
        return token;
    }

    @Override
    public void add(String token) {
        tokens.addIfAbsent(TokenStore.requireStrong(Objects.requireNonNull(token, "token")));
    }

    @Override
    public List<String> tokens() {
        return List.copyOf(tokens);
    }

    @Override
    public boolean verify(byte[] nonce, byte[] proof) {
        // Check every token, never stopping at a match, so the time taken says nothing about which matched.
        boolean match = false;
        for (String token : tokens) {
            match |= Secrets.verify(token, nonce, proof);
        }
        return match;
    }

    @Override
    public void revoke(String token) {
        tokens.remove(Objects.requireNonNull(token, "token"));
    }
}
