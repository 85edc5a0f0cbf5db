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
 *
 * <p><b>Threads.</b> The thread that reads the link only reads: it never runs application code.
 * Message consumers and what depends on the futures {@link #call} returns (actions added with
 * {@code thenApply}, {@code whenComplete} and the like while the call is in flight, and
 * combinations such as {@code allOf}) run on the link's <em>lane</em>, a virtual thread that runs
 * them one at a time, in order (what is added from the lane itself runs on a thread of its own,
 * so that the lane never waits for work queued behind it). A thread waiting in {@code join} or
 * {@code get} is woken by the reader directly. A consumer or action that blocks holds up the lane,
 * not the link: answers and keep-alives are still read, until
 * {@value #MAX_QUEUED_MESSAGES} messages wait for the consumer. Then the link stops reading,
 * answers included, which holds the peer back through TCP (a consumer must not wait for an answer
 * on its own link while that many messages are behind it). The link's liveness is judged by what
 * the peer sends, never by the application's pace.
 */
public interface DirectLink extends AutoCloseable {
    /** How many received messages may wait for the consumer before the link stops reading. */
    int MAX_QUEUED_MESSAGES = 1024;

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
     * Returns the port the master assigned to this link, on the accepting node's host: the port the
     * acceptor listened on.
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
     * Runs a task on the peer, with the node's {@link NodeConfig#callTimeout()}. Never blocks; see
     * {@link #call(String, Object, Class, CallOptions)}.
     *
     * @param <O> the result type
     * @param task the task name
     * @param input the input: a {@code byte[]} (sent as raw bytes) or an object JSON-B can bind
     * @param resultType the class the result is bound to
     * @return a future that completes with the result or fails as the full form says
     * @throws IllegalArgumentException if the encoded input is larger than the peer accepts
     */
    <O> CompletableFuture<O> call(String task, Object input, Class<O> resultType);

    /**
     * Runs a task on the peer and returns its result. Never waits for room or for the answer: the
     * input is encoded on the calling thread and the call handed to the link's writer, which sends
     * it at once when nothing else is being written (on the calling thread), or in one socket write
     * with the frames ready at the same time; and the future completes when the answer arrives. A
     * call can block while the peer reads slower than this side writes (the socket's and the
     * link's write buffers full), and one with an input over 32 KiB waits for its turn and is
     * written from the caller's array.
     *
     * <p>At most {@link NodeConfig#maxCallsInFlight()} calls (the smaller of this node's and the
     * peer's) wait for answers on a link. A call beyond that waits for room, first in, first out,
     * behind at most as many others; its timeout runs while it waits. When that many wait already,
     * the call fails at once with {@link LinkOverloadedException} and nothing is sent; so does a
     * call the peer has no room for, because it still runs calls their caller gave up on. A call that completes in any way (an
     * answer, an error, its timeout, {@link CompletableFuture#cancel cancel}, {@code orTimeout},
     * the link closing) frees its slot at once; one that ends before its answer asks the peer to
     * cancel it (the peer interrupts its handler).
     *
     * @param <O> the result type
     * @param task the task name
     * @param input the input: a {@code byte[]} (sent as raw bytes) or an object JSON-B can bind
     * @param resultType the class the result is bound to
     * @param options the call's timeout
     * @return a future that completes with the result, or fails with {@link RemoteTaskException}
     *         (the peer's handler failed or the peer does not serve the task),
     *         {@link CallTimeoutException}, {@link LinkOverloadedException},
     *         {@link LinkClosedException}, or {@link ClusterException} (the result does not fit
     *         its type)
     * @throws IllegalArgumentException if the encoded input is larger than the peer accepts
     */
    <O> CompletableFuture<O> call(String task, Object input, Class<O> resultType, CallOptions options);

    /**
     * Runs a task on the peer and waits for its result, with the node's
     * {@link NodeConfig#callTimeout()}; see {@link #invoke(String, Object, Class, CallOptions)}.
     *
     * @param <O> the result type
     * @param task the task name
     * @param input the input: a {@code byte[]} (sent as raw bytes) or an object JSON-B can bind
     * @param resultType the class the result is bound to
     * @return the result
     * @throws IllegalArgumentException if the encoded input is larger than the peer accepts
     */
    <O> O invoke(String task, Object input, Class<O> resultType);

    /**
     * Runs a task on the peer and <b>blocks</b> until its result arrives or the timeout passes.
     * When the link is full ({@link NodeConfig#maxCallsInFlight()} calls wait for answers), it
     * blocks for room too, rather than failing: the way for many threads (virtual ones, say) to
     * call one link as fast as the peer answers and no faster. Interrupting the waiting thread
     * cancels the call.
     *
     * @param <O> the result type
     * @param task the task name
     * @param input the input: a {@code byte[]} (sent as raw bytes) or an object JSON-B can bind
     * @param resultType the class the result is bound to
     * @param options the call's timeout, which covers the wait for room and for the answer
     * @return the result
     * @throws RemoteTaskException if the peer's handler failed or the peer does not serve the task
     * @throws CallTimeoutException if no answer came in time
     * @throws LinkClosedException if the link closed
     * @throws ClusterException if the thread was interrupted, or the result does not fit its type
     * @throws IllegalArgumentException if the encoded input is larger than the peer accepts
     */
    <O> O invoke(String task, Object input, Class<O> resultType, CallOptions options);

    /**
     * Sends one message to the peer, which receives it with {@link #onMessage(Consumer)}. Returns
     * once the message is handed to the link's writer, which batches the messages, calls and
     * answers that are ready together into one socket write and sends a lone one at once; blocks
     * while the peer is slower than this side and the link's write buffers are full
     * (backpressure). A message over 32 KiB waits for its turn and is written from this array
     * before this method returns. A message handed over just before the link fails may be lost with it, as
     * with any socket.
     *
     * @param message the bytes; the array may be reused once this method returns
     * @throws LinkClosedException if the link is closed
     * @throws IllegalArgumentException if the message is larger than the peer accepts
     */
    void send(byte[] message);

    /**
     * Sets what receives the peer's messages, in the order they were sent, one at a time, on the
     * link's lane. Messages that arrive before a consumer is set wait for it; when
     * {@value #MAX_QUEUED_MESSAGES} messages wait (for a consumer, or for a slow one), the link
     * stops reading, which holds the peer back. A later consumer replaces an earlier one.
     *
     * @param consumer receives each message; it may block, which holds up this link's lane
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
