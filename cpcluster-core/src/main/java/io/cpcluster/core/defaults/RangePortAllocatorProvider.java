package io.cpcluster.core.defaults;

import io.cpcluster.MasterConfig;
import io.cpcluster.spi.PortAllocator;

/** Provides the {@code range} port allocator over {@link MasterConfig#portRange()}. */
public final class RangePortAllocatorProvider implements PortAllocator.Provider {
    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public RangePortAllocatorProvider() {
    }

    @Override
    public String name() {
        return "range";
    }

    @Override
    public PortAllocator create(MasterConfig config) {
        return new RangePortAllocator(config.portRange());
    }
}
