package io.cpcluster.core.tls;

import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The warning that plain TCP was chosen: logged once per process for masters, and once for nodes. */
public final class Insecure {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.security");
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private Insecure() {
    }

    /**
     * Warns, the first time for this kind of user in this process, that plain TCP is in use.
     *
     * @param who {@code "master"} or {@code "node"}
     * @param what what that means
     */
    public static void warn(String who, String what) {
        if (WARNED.add(who)) {
            LOG.log(Level.WARNING, "security PLAIN was chosen for a {0}: {1}. Use it only on a network nobody else can"
                    + " reach; TLS is the default", who, what);
        }
    }
}
