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
     * Implementations check it with {@link #requireStrong(String)} first.
     *
     * @param token the token
     * @throws IllegalArgumentException if the token is not strong (see {@link #requireStrong(String)})
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

    /**
     * Checks that a token chosen by a person or a program, rather than minted by {@link #issue()},
     * is strong enough to guard a cluster, and returns it. The master checks its configured token,
     * a token it would adopt from {@code join.json}, and every token added to its store; a node
     * checks the token it is given. A token passes when all of these hold:
     * <ol>
     *   <li>It has no spaces or ASCII control characters.</li>
     *   <li>It carries at least 128 bits by this estimate: its length in characters (code
     *       points) times log<sub>2</sub> of the size of the alphabet it looks drawn from. The
     *       alphabet is 10 for digits alone; 16 for hex (digits and letters, the letters all from
     *       {@code a-f} or all from {@code A-F}); otherwise the sum of 26 for lower-case letters,
     *       26 for upper-case letters and 10 for digits, each when used, plus 32 when any other
     *       character appears (as if drawn from all of ASCII's punctuation), or else 2 when some
     *       of base64's symbols {@code + / - _ =} do. So 32 hex digits pass (128 bits) and 31 do
     *       not; nor do fewer than 28 lower-case letters, 25 lower-case letters and digits, or 22
     *       base64 characters.</li>
     *   <li>It uses at least 8 different characters (5 for digits only).</li>
     *   <li>It is not a block of characters repeated: no {@code p} of at most half its length
     *       has every character equal to the one {@code p} places on.</li>
     *   <li>Fewer than three quarters of the steps from one character to the next keep the
     *       character or move to the next or previous code point ({@code aaaa}, {@code abcd},
     *       {@code 9876}).</li>
     * </ol>
     * The estimate is an upper bound that holds for random strings; the last three rules reject
     * strings a random draw practically never produces. A token of 256 random bits, as
     * {@link #issue()} mints, always passes; a short random token that happens to miss a class
     * (22 base64 characters without a digit) may be judged under 128 bits. Nothing here can tell
     * words or a known passphrase from randomness: let the master mint the token, or make one
     * with {@code openssl rand -hex 32}.
     *
     * @param token the token
     * @return the token
     * @throws IllegalArgumentException if a rule fails; the message says which (for the estimate,
     *         with the bits it found) and what to do, and never contains the token
     */
    static String requireStrong(String token) {
        return TokenStrength.require(token);
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
