package io.cpcluster.core.link;

import io.cpcluster.HandlerThreads;
import io.cpcluster.TaskBinding;
import io.cpcluster.core.wire.Payloads;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The peer's calls that run here: at most {@code max} at once (past that the link's reader waits,
 * which holds the peer back), each on a virtual thread of its own or on the link's lane, and each
 * cancellable by the peer. A call's room is given back only once its answer is written, so a
 * caller that stops reading answers cannot make this node start more handlers.
 */
final class IncomingCalls {
    private final Link link;
    private final int max;
    private final Semaphore room;
    private final ConcurrentHashMap<Long, Incoming> running = new ConcurrentHashMap<>();

    IncomingCalls(Link link, int max) {
        this.link = link;
        this.max = max;
        this.room = new Semaphore(max);
    }

    /** One call of the peer's: where it runs, and whether the peer gave up on it. */
    private static final class Incoming {
        final long correlation;
        final String task;
        final int flags;
        byte[] payload;
        /** Guards the fields below, so that an interrupt meant for this call never reaches the next task of the thread. */
        private final ReentrantLock lock = new ReentrantLock();
        private Thread thread;
        private CompletionStage<?> stage;
        private boolean cancelled;

        Incoming(long correlation, String task, int flags, byte[] payload) {
            this.correlation = correlation;
            this.task = task;
            this.flags = flags;
            this.payload = payload;
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

        void cancel() {
            lock.lock();
            try {
                cancelled = true;
                if (thread != null) {
                    thread.interrupt();
                }
                if (stage != null) {
                    stage.toCompletableFuture().cancel(true);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Takes a call the peer sent (on the link's reader). Waits while {@code max} of the peer's calls
     * run here: that pause is this side's, and the link does not count it against the peer.
     *
     * @return false when the link closed while waiting
     */
    boolean received(long correlation, String task, int flags, byte[] payload) {
        if (!room.tryAcquire()) {
            link.pausing(true);
            try {
                room.acquireUninterruptibly();
            } finally {
                link.pausing(false);
            }
        }
        if (!link.isOpen()) {
            room.release();
            return false;
        }
        Incoming call = new Incoming(correlation, task, flags, payload);
        running.put(correlation, call);
        if (link.host().closing()) {
            answerError(call, new IllegalStateException(link.host().closingMessage()));
            return true;
        }
        Runnable job = () -> run(call);
        try {
            if (link.host().config().handlerThreads() == HandlerThreads.SERIAL) {
                link.lane().execute(job);
            } else {
                link.host().application().execute(job);
            }
        } catch (RejectedExecutionException e) {
            answerError(call, new IllegalStateException(link.host().closingMessage()));
        }
        return true;
    }

    /** The peer gave up on a call: interrupt its handler; its answer will not be sent. */
    void cancel(long correlation) {
        Incoming call = running.get(correlation);
        if (call != null) {
            call.cancel();
        }
    }

    private void run(Incoming call) {
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
    }

    private <I, O> void invoke(Incoming call, TaskBinding<I, O> binding) {
        I input;
        try {
            input = Payloads.decode(call.flags, call.payload, binding.inputType());
        } catch (IllegalArgumentException e) {
            call.returned(null);
            answerError(call, new IllegalArgumentException("the input of task '" + binding.task()
                    + "' could not be read: " + e.getMessage(), e));
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
        try {
            if (!call.cancelled()) {
                link.writeResult(call.correlation, call.task, result);
            }
        } finally {
            done(call);
        }
    }

    private void answerError(Incoming call, Throwable error) {
        try {
            if (!call.cancelled()) {
                link.writeError(call.correlation, error);
            }
        } finally {
            done(call);
        }
    }

    /** The call is over and its answer written: its room goes back. */
    private void done(Incoming call) {
        if (running.remove(call.correlation, call)) {
            room.release();
        }
    }

    /** The link closed: interrupt every handler (no answer can reach the peer), wake a waiting reader. */
    void close() {
        for (Incoming call : List.copyOf(running.values())) {
            call.cancel();
        }
        room.release(max);
    }

    /** The peer's calls running here now. */
    int running() {
        return running.size();
    }
}
