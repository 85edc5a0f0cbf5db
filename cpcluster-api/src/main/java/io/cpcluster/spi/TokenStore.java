package io.cpcluster.spi;

import io.cpcluster.MasterConfig;
import java.util.List;

/**
 * Holds the cluster's secrets: the tokens nodes prove they know when they join.
 *
 * <p>A node never sends a token. The master sends a random nonce and the node answers with
 * {@code HMAC-SHA256(key = token as UTF-8, message = nonce)}; {@link #verify(byte[], byte[])}
 * checks such a proof against every live token, in time that does not depend on where the
 * proof and a token differ.
 *
 * <p>Stores are created per master by a {@link Provider}, chosen by name in
 * {@link MasterConfig.Builder#tokenStore(String)}: {@code file} keeps the token in the master's
 * {@code join.json} and reuses it on restart (the default when the master has a join file),
 * {@code memory} keeps tokens for the master's life only. Implementations are thread-safe.
 */
public interface TokenStore extends AutoCloseable {
    /**
     * Mints a new token from 256 random bits, makes it live, and returns it.
     *
     * @return the new token, as 64 lower-case hex digits
     */
    String issue();

    /**
     * Makes a token the caller chose live, for example one from {@code CPCLUSTER_TOKEN}.
     *
     * @param token the token; at least 16 characters
     * @throws IllegalArgumentException if the token is shorter than 16 characters
     */
    void add(String token);

    /**
     * Returns the live tokens, oldest first: what a restarting master reuses.
     *
     * @return the live tokens, possibly none
     */
    List<String> tokens();

    /**
     * Checks a proof: whether {@code proof} is the HMAC-SHA256 of {@code nonce} under a live token.
     *
     * @param nonce the nonce the master sent
     * @param proof what the node answered
     * @return true when some live token produces exactly this proof
     */
    boolean verify(byte[] nonce, byte[] proof);

    /**
     * Makes a token dead: proofs made with it no longer verify. Nodes already joined stay.
     *
     * @param token the token to revoke; unknown tokens are ignored
     */
    void revoke(String token);

    /**
     * Tells whether the store's tokens survived from an earlier run of the master, as the
     * {@code file} store's do when it finds its {@code join.json}: nodes may then still hold
     * links that run brokered, and a restarted master waits {@link MasterConfig#rejoinGrace()}
     * for them to report those links before it brokers new ones.
     *
     * @return true when the tokens were restored from an earlier run; false by default
     */
    default boolean restored() {
        return false;
    }

    /**
     * Releases what the store holds (files, connections). The master calls it once, when it
     * closes. Does nothing by default.
     */
    @Override
    default void close() {
    }

    /** Creates token stores; found with {@link java.util.ServiceLoader} and chosen by {@link #name()}. */
    interface Provider {
        /**
         * Returns the name configurations choose this store by.
         *
         * @return for example {@code file} or {@code memory}
         */
        String name();

        /**
         * Creates the store for one master.
         *
         * @param config the master's configuration (its join file, for a file store)
         * @return a new store
         */
        TokenStore create(MasterConfig config);
    }
}
