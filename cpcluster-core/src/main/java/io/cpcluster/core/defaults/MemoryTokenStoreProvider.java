package io.cpcluster.core.defaults;

import io.cpcluster.MasterConfig;
import io.cpcluster.spi.TokenStore;

/** Provides the {@code memory} token store, which keeps tokens for the master's life only. */
public final class MemoryTokenStoreProvider implements TokenStore.Provider {
    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public MemoryTokenStoreProvider() {
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public TokenStore create(MasterConfig config) {
        return new MemoryTokenStore();
    }
}
