package io.cpcluster;

import io.cpcluster.spi.ClusterProvider;
import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.TokenStore;
import io.cpcluster.spi.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Finds implementations with {@link ServiceLoader}. The one place that does; when nothing is
 * found, the error names the artifact to add.
 */
final class Services {
    /** The artifact that provides the implementation and the default SPIs. */
    static final String CORE_ARTIFACT = "io.cpcluster:cpcluster-core";

    private Services() {
    }

    static ClusterProvider provider() {
        List<ClusterProvider> found = load(ClusterProvider.class);
        if (found.isEmpty()) {
            throw new ClusterException("no CPCluster implementation was found: add " + CORE_ARTIFACT
                    + " to the class path or module path");
        }
        return found.getFirst();
    }

    static Transport transport(String name) {
        return named(Transport.class, "transport", name, Transport::name);
    }

    static TokenStore.Provider tokenStore(String name) {
        return named(TokenStore.Provider.class, "token store", name, TokenStore.Provider::name);
    }

    static PortAllocator.Provider portAllocator(String name) {
        return named(PortAllocator.Provider.class, "port allocator", name, PortAllocator.Provider::name);
    }

    private static <S> S named(Class<S> service, String what, String name, Function<S, String> nameOf) {
        List<S> found = load(service);
        List<String> names = new ArrayList<>();
        for (S candidate : found) {
            String candidateName = nameOf.apply(candidate);
            if (candidateName.equals(name)) {
                return candidate;
            }
            names.add(candidateName);
        }
        throw new ClusterException("no " + what + " named '" + name + "' was found (found: "
                + (names.isEmpty() ? "none" : String.join(", ", names)) + "): add the artifact that provides it, "
                + "such as " + CORE_ARTIFACT + ", to the class path or module path");
    }

    /**
     * Loads with the context class loader first (applications, containers), then with this
     * module's own loader (the module path, or a context loader that cannot see us).
     */
    private static <S> List<S> load(Class<S> service) {
        List<S> found = new ArrayList<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            ServiceLoader.load(service, context).forEach(found::add);
        }
        if (found.isEmpty() && Services.class.getClassLoader() != context) {
            ServiceLoader.load(service, Services.class.getClassLoader()).forEach(found::add);
        }
        return found;
    }
}
