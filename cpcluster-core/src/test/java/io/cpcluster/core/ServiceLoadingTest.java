package io.cpcluster.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cpcluster.ClusterException;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.core.defaults.RangePortAllocator;
import io.cpcluster.core.tcp.TcpTransport;
import io.cpcluster.spi.ClusterProvider;
import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.TokenStore;
import io.cpcluster.spi.Transport;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every provider core registers is found by ServiceLoader on the class path, and chosen by name. */
class ServiceLoadingTest {
    @Test
    void serviceLoaderFindsEveryProvider() {
        assertEquals(List.of(CoreClusterProvider.class), classes(ClusterProvider.class));
        assertEquals(List.of(TcpTransport.class), classes(Transport.class));
        assertEquals(Set.of("file", "memory"), ServiceLoader.load(TokenStore.Provider.class).stream()
                .map(p -> p.get().name()).collect(Collectors.toSet()));
        assertEquals(List.of("range"), ServiceLoader.load(PortAllocator.Provider.class).stream()
                .map(p -> p.get().name()).toList());
    }

    @Test
    void configurationsChooseImplementationsByName() {
        MasterConfig defaults = MasterConfig.builder().build();
        assertEquals("tcp", defaults.transport().name());
        assertEquals("memory", defaults.tokenStore().name());
        assertEquals("range", defaults.portAllocator().name());
        assertInstanceOf(RangePortAllocator.class, defaults.portAllocator().create(defaults));
        MasterConfig withFile = MasterConfig.builder().joinFile(Path.of("join.json")).build();
        assertEquals("file", withFile.tokenStore().name());
        assertEquals("tcp", NodeConfig.builder().build().transport().name());
    }

    @Test
    void anUnknownNameSaysWhatIsThere() {
        ClusterException missing = assertThrows(ClusterException.class,
                () -> NodeConfig.builder().transport("carrier-pigeon").build());
        assertTrue(missing.getMessage().contains("no transport named 'carrier-pigeon'"), missing.getMessage());
        assertTrue(missing.getMessage().contains("found: tcp"), missing.getMessage());
        assertTrue(missing.getMessage().contains("io.cpcluster:cpcluster-core"), missing.getMessage());
        assertThrows(ClusterException.class, () -> MasterConfig.builder().tokenStore("vault").build());
        ClusterException fileWithoutJoinFile = assertThrows(ClusterException.class, () -> {
            MasterConfig config = MasterConfig.builder().tokenStore("file").build();
            config.tokenStore().create(config);
        });
        assertTrue(fileWithoutJoinFile.getMessage().contains("MasterConfig.joinFile"));
    }

    private static <S> List<Class<?>> classes(Class<S> service) {
        return ServiceLoader.load(service).stream().map(ServiceLoader.Provider::type).collect(Collectors.toList());
    }
}
