package io.cpcluster.core.link;

import io.cpcluster.HandlerThreads;
import io.cpcluster.LinkOverloadedException;
import io.cpcluster.ProtocolException;
import io.cpcluster.TaskBinding;
import io.cpcluster.core.wire.Payloads;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The peer's calls that run here: at most {@code max} at once, each on a virtual thread of its
 * own or on the link's lane, each cancellable by the peer.
 *
 * <p>The reader never waits here. A caller keeps within {@code max} on its own (the link
 * handshake tells it), so a call beyond it means the caller gave up on calls whose handlers still
 * run here (a handler that ignores its interrupt): it is refused at once with a
 * {@link LinkOverloadedException} error, and the link goes on carrying everything else. So is a
 * call whose input would take the inputs held for running calls past {@code maxBytes}
 * ({@link io.cpcluster.NodeConfig#maxCallBytesInFlight()}); one input of the largest size always
 * fits.
 *
 * <p>A call's room, and its input's bytes, are given back once its answer may be written: at
 * most {@code max} answers are written at once, and a handler waits for its turn still holding
 * its room. So a caller that stops reading answers holds at most {@code 2 * max} handler threads
 * here and cannot start more, until the write timeout closes the link; and a caller that reads
 * its answer finds the room it frees already given back (the room goes back before the answer
 * leaves, so an honest caller's next call is never refused for want of it).
 *
 * <p>An interrupt the peer's {@code CANCEL} sends is held back while the handler's thread writes
 * to a link ({@link #shielded}): interrupting a virtual thread in socket I/O closes the socket,
 * which would end a link other calls share.
 */
final class IncomingCalls {
    /** The call the current thread runs, if it is a handler's thread; for {@link #shielded}. */
    private static final ThreadLocal<Incoming> RUNNING = new ThreadLocal<>();

    private final Link link;
    private final int max;
    private final AtomicInteger room;
    /** The most bytes of inputs held for running calls, and the bytes held now. */
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();
    /** Turns to write an answer. */
    private final Semaphore writers;
    private final ConcurrentHashMap<Long, Incoming> running = new ConcurrentHashMap<>();

    IncomingCalls(Link link, int max, long maxBytes) {
        this.link = link;
        this.max = max;
        this.maxBytes = maxBytes;
        this.room = new AtomicInteger(max);
        this.writers = new Semaphore(max);
    }

    /** One call of the peer's: where it runs, and whether the peer gave up on it. */
    private static final class Incoming {
        final long correlation;
        final String task;
        final int flags;
        byte[] payload;
        /** The input's size, counted against the bytes limit until the call's room goes back. */
        final int size;
        /**
         * Guards the fields below, so that an interrupt meant for this call reaches only its
         * handler, never the next task of the same thread, and never a socket write.
         */
        private final ReentrantLock lock = new ReentrantLock();
        private Thread thread;
        private CompletionStage<?> stage;
        private boolean cancelled;
        /** Whether the call's room was given back; the handler's thread's, then done()'s. */
        volatile boolean roomBack;
        /** Writes to links under way on the handler's thread: an interrupt now waits for them. */
        private int writing;
        private boolean interruptHeld;

        Incoming(long correlation, String task, int flags, byte[] payload) {
            this.correlation = correlation;
            this.task = task;
            this.flags = flags;
            this.payload = payload;
            this.size = payload.length;
        }

        /** Marks the call running on this thread; false if the peer already cancelled it. */
        boolean start() {
            lock.lock();
            try {
                thread = Thread.currentThread();
                return !cancelled;
            } finally {
                lock.unlock();
            }
        }

        /** The handler returned; clears an interrupt the cancel may have left. True unless cancelled. */
        boolean returned(CompletionStage<?> pending) {
            lock.lock();
            try {
                thread = null;
                stage = pending;
                interruptHeld = false;
                Thread.interrupted();
                return !cancelled;
            } finally {
                lock.unlock();
            }
        }

        boolean cancelled() {
            lock.lock();
            try {
                return cancelled;
            } finally {
                lock.unlock();
            }
        }

        /** The peer gave up: interrupt the handler (later, if it is writing), or cancel its stage. */
        CompletionStage<?> cancel() {
            lock.lock();
            try {
                cancelled = true;
                if (thread != null) {
                    if (writing > 0) {
                        interruptHeld = true;
                    } else {
                        thread.interrupt();
                    }
                }
                return stage;
            } finally {
                lock.unlock();
            }
        }

        void startWriting() {
            lock.lock();
            try {
                writing++;
            } finally {
                lock.unlock();
            }
        }

        void stopWriting() {
            lock.lock();
            try {
                writing--;
                if (writing == 0 && interruptHeld && thread == Thread.currentThread()) {
                    interruptHeld = false;
                    thread.interrupt();
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Runs a write on the calling thread with its interrupts held back until it is done: one
     * already pending, and, on a handler's thread, one a {@code CANCEL} sends meanwhile (see the
     * class comment).
     */
    static void shielded(Runnable write) {
        // An interrupt already pending would close the socket as the write starts: hold it too.
        boolean interrupted = Thread.interrupted();
        Incoming call = RUNNING.get();
        if (call != null) {
            call.startWriting();
        }
        try {
            write.run();
        } finally {
            if (call != null) {
                call.stopWriting();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Takes a call the peer sent (on the link's reader), and hands it to a handler's thread, or
     * refuses it at once. Never waits.
     *
     * @throws ProtocolException if the peer reuses the correlation id of a call still running here
     */
    void received(long correlation, String task, int flags, byte[] payload) {
        Incoming call = new Incoming(correlation, task, flags, payload);
        if (running.putIfAbsent(correlation, call) != null) {
            throw new ProtocolException("a CALL with the correlation id of a call still running (" + correlation + ")");
        }
        if (room.getAndDecrement() <= 0) {
            room.incrementAndGet();
            running.remove(correlation, call);
            link.host().peerCallRefused();
            link.writeError(correlation, new LinkOverloadedException(link.host().config().name() + " already runs "
                    + max + " calls for this link, some of which their caller gave up on and which still run: try"
                    + " again later"));
            return;
        }
        // One input always fits: the limit is at least the largest payload.
        long held = bytes.addAndGet(call.size);
        if (held > maxBytes) {
            bytes.addAndGet(-call.size);
            room.incrementAndGet();
            running.remove(correlation, call);
            link.host().peerCallRefused();
            link.writeError(correlation, new LinkOverloadedException(link.host().config().name() + " already holds "
                    + (held - call.size) + " bytes of inputs of calls for this link, and this one's " + call.size
                    + " would pass its limit of " + maxBytes + " (NodeConfig.maxCallBytesInFlight): try again later"));
            return;
        }
        if (link.host().closing()) {
            refuse(call, new IllegalStateException(link.host().closingMessage()));
            return;
        }
        Runnable job = () -> run(call);
        try {
            if (link.host().config().handlerThreads() == HandlerThreads.SERIAL) {
                link.lane().execute(job);
            } else {
                link.host().application().execute(job);
            }
        } catch (RejectedExecutionException e) {
            refuse(call, new IllegalStateException(link.host().closingMessage()));
        }
    }

    /** Answers a call that will not run, on the reader, without waiting for a turn. */
    private void refuse(Incoming call, Throwable error) {
        try {
            link.writeError(call.correlation, error);
        } finally {
            done(call);
        }
    }

    /** The peer gave up on a call: interrupt its handler; its answer will not be sent. */
    void cancel(long correlation) {
        Incoming call = running.get(correlation);
        if (call != null) {
            cancelStage(call.cancel());
        }
    }

    /** Cancels a handler's pending stage off the reader: what depends on it is the application's. */
    private void cancelStage(CompletionStage<?> stage) {
        if (stage == null) {
            return;
        }
        Runnable cancel = () -> stage.toCompletableFuture().cancel(true);
        try {
            link.host().application().execute(cancel);
        } catch (RejectedExecutionException e) {
            cancel.run();
        }
    }

    private void run(Incoming call) {
        RUNNING.set(call);
        try {
            if (!call.start()) {
                done(call);
                return;
            }
            TaskBinding<?, ?> binding = link.host().task(call.task);
            if (binding == null) {
                call.returned(null);
                answerError(call, new UnsupportedOperationException(link.host().doesNotServe(call.task)));
                return;
            }
            invoke(call, binding);
        } finally {
            RUNNING.remove();
        }
    }

    private <I, O> void invoke(Incoming call, TaskBinding<I, O> binding) {
        I input;
        try {
            input = Payloads.decode(call.flags, call.payload, binding.inputType());
        } catch (IllegalArgumentException | OutOfMemoryError e) {
            // Out of memory too: a small input can bind to a large object. The call fails, its
            // bytes and room come back, and the link and the node go on.
            call.payload = null;
            call.returned(null);
            answerError(call, new IllegalArgumentException("the input of task '" + binding.task()
                    + "' could not be read: " + (e instanceof OutOfMemoryError
                    ? "this node ran out of memory binding it" : e.getMessage()), e));
            return;
        }
        call.payload = null;
        Object result;
        try {
            result = binding.handler().handle(input);
        } catch (Exception | Error e) {
            call.returned(null);
            answerError(call, e);
            if (e instanceof Error error && !(error instanceof StackOverflowError)) {
                throw error;
            }
            return;
        }
        if (result instanceof CompletionStage<?> stage) {
            if (!call.returned(stage)) {
                done(call);
                return;
            }
            stage.whenComplete((value, error) -> {
                if (error != null) {
                    answerError(call, error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                } else {
                    answer(call, value);
                }
            });
        } else {
            call.returned(null);
            answer(call, result);
        }
    }

    private void answer(Incoming call, Object result) {
        respond(call, () -> link.writeResult(call.correlation, call.task, result));
    }

    private void answerError(Incoming call, Throwable error) {
        respond(call, () -> link.writeError(call.correlation, error));
    }

    /**
     * Writes an answer in its turn: waits for one of {@code max} turns holding the call's room,
     * then gives the room back and writes (see the class comment). Nothing is written for a call
     * its caller cancelled.
     */
    private void respond(Incoming call, Runnable write) {
        try {
            if (call.cancelled()) {
                return;
            }
            try {
                writers.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                giveRoomBack(call);
                if (!call.cancelled() && link.isOpen()) {
                    write.run();
                }
            } finally {
                writers.release();
            }
        } finally {
            done(call);
        }
    }

    private void giveRoomBack(Incoming call) {
        if (!call.roomBack) {
            call.roomBack = true;
            bytes.addAndGet(-call.size);
            room.incrementAndGet();
        }
    }

    /** The call is over: it leaves the running calls, and its room goes back if it has not. */
    private void done(Incoming call) {
        if (running.remove(call.correlation, call)) {
            giveRoomBack(call);
        }
    }

    /** The link closed: interrupt every handler, since no answer can reach the peer, and let writers go. */
    void close() {
        for (Incoming call : List.copyOf(running.values())) {
            cancelStage(call.cancel());
        }
        writers.release(max);
    }

    /** The peer's calls running here now. */
    int running() {
        return running.size();
    }
}
