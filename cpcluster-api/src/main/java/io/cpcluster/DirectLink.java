package io.cpcluster;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A direct connection between two nodes, brokered by the master and authenticated with a
 * one-time ticket. Nothing sent over it passes through the master, and it keeps working if the
 * master goes away.
 *
 * {@snippet :
 * try (DirectLink link = node.connect(peerId)) {
 *     // Request and response: the peer's handler for "square" runs, its result comes back.
 *     int nine = link.call("square", 3, Integer.class).join();
 *
 *     // One-way data, in order; the peer reads it with link.onMessage(...).
 *     link.send("hello".getBytes(StandardCharsets.UTF_8));
 * }
 * }
 *
 * <p>Both ends may call and send at once; many calls may be in flight. All methods are
 * thread-safe.
 */
public interface DirectLink extends AutoCloseable {
    /**
     * Returns the link's id.
     *
     * @return the id the master gave it
     */
    LinkId id();

    /**
     * Returns the node at the other end.
     *
     * @return the peer's information, as it was when the link opened
     */
    NodeInfo peer();

    /**
     * Returns the port the master assigned to this link, on the accepting node's host.
     *
     * @return the port
     */
    int port();

    /**
     * Returns the link as the master brokered it.
     *
     * @return the link's information
     */
    LinkInfo info();

    /**
     * Runs a task on the peer and returns its result.
     *
     * <p>At most {@link NodeConfig#maxCallsInFlight()} calls wait for answers on a link; while
     * that many do, this method blocks until one is answered (backpressure). Called on the link's
     * own reader thread (from a future completed by this link), it cannot wait, since only that
     * thread reads the answers: a full link then fails the call instead. The future completes on
     * the link's reader thread; chain slow work with the {@code ...Async} methods.
     *
     * @param <O> the result type
     * @param task the task name
     * @param input the input: a {@code byte[]} (sent as raw bytes) or an object JSON-B can bind
     * @param resultType the class the result is bound to
     * @return a future that completes with the result, or fails with {@link RemoteTaskException}
     *         (the peer's handler failed or the peer does not serve the task),
     *         {@link LinkClosedException}, or {@link ProtocolException}
     * @throws IllegalArgumentException if the encoded input is larger than the peer accepts
     */
    <O> CompletableFuture<O> call(String task, Object input, Class<O> resultType);

    /**
     * Sends one message to the peer, which receives it with {@link #onMessage(Consumer)}. Blocks
     * while the peer is slower than this side (backpressure).
     *
     * @param message the bytes; the array may be reused once this method returns
     * @throws LinkClosedException if the link is closed
     * @throws IllegalArgumentException if the message is larger than the peer accepts
     */
    void send(byte[] message);

    /**
     * Sets what receives the peer's messages, in the order they were sent, one at a time. Messages
     * that arrive before a consumer is set wait for it (up to 1024, then the peer is held back).
     * A later consumer replaces an earlier one.
     *
     * @param consumer receives each message on the link's reader thread; keep it short, or hand
     *        the work to another thread
     */
    void onMessage(Consumer<byte[]> consumer);

    /**
     * Tells whether the link is open.
     *
     * @return false once either side closed it or it broke
     */
    boolean isOpen();

    /**
     * Closes the link. Calls in flight on both sides fail with {@link LinkClosedException}; the
     * master releases the port. Idempotent.
     */
    @Override
    void close();
}
