package io.cpcluster.core.defaults;

import io.cpcluster.ClusterException;
import io.cpcluster.MasterConfig;
import io.cpcluster.spi.TokenStore;

/** Provides the {@code file} token store, which keeps the token in the master's {@code join.json}. */
public final class FileTokenStoreProvider implements TokenStore.Provider {
    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public FileTokenStoreProvider() {
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public TokenStore create(MasterConfig config) {
        return new FileTokenStore(config.joinFile().orElseThrow(() -> new ClusterException(
                "the 'file' token store keeps the token in join.json, but the master has no join file:"
                        + " set MasterConfig.joinFile, or choose the 'memory' token store")));
    }
}
