package io.cpcluster.core.link;

import io.cpcluster.CallTimeoutException;
import io.cpcluster.ClusterException;
import io.cpcluster.LinkClosedException;
import io.cpcluster.LinkOverloadedException;
import io.cpcluster.RemoteTaskException;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.Payloads;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The calls this end made over one link: the slots they hold, the calls waiting for a slot, and
 * their deadlines.
 *
 * <p>At most {@code max} calls are <em>sent</em> and unanswered at once. A call beyond that waits
 * in a queue of at most {@code max} more (first in, first out) and is sent when a slot frees; one
 * beyond that is refused with {@link LinkOverloadedException}. {@link #invoke} instead blocks its
 * thread for a slot. A call that completes in any way frees its slot at once ({@link
 * LaneFuture#completed()}); one that ends before its answer came asks the peer to cancel it.
 *
 * <p>State: the slot count, the waiting queue and each call's {@link Call.State} are guarded by
 * {@link #lock}; the map of sent calls is concurrent, because the link's reader takes answered
 * calls out of it without the lock. Whoever removes a call from that map owns its answer.
 */
final class OutgoingCalls {
    private final Link link;
    private final int max;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a slot frees and no queued call takes it, for threads in {@link #invoke}. */
    private final Condition room = lock.newCondition();
    private final ArrayDeque<Call<?>> waiting = new ArrayDeque<>();
    private final ConcurrentHashMap<Long, Call<?>> sent = new ConcurrentHashMap<>();
    private final AtomicLong correlations = new AtomicLong();
    /** Slots held: calls sent and not yet completed. */
    private int held;
    /** Threads blocked in {@link #invoke} waiting for a slot. */
    private int blocked;
    /** Set once when the link closes; written under the lock, read without it by {@link #transmit}. */
    private volatile LinkClosedException closed;

    OutgoingCalls(Link link, int max) {
        this.link = link;
        this.max = max;
    }

    /** One call: its future, what to send, and where it stands. */
    static final class Call<O> extends LaneFuture<O> {
        /** Guarded by the calls' lock. */
        enum State { NEW, WAITING, SENT, DONE }

        final OutgoingCalls calls;
        final String task;
        final Class<O> type;
        final long correlation;
        final long timeoutMillis;
        /** The frame to send; dropped once sent, so a call in flight holds no input. */
        byte[] header;
        Payloads.Encoded input;
        State state = State.NEW;
        Future<?> deadline;

        Call(OutgoingCalls calls, String task, Class<O> type, long correlation, long timeoutMillis, byte[] header,
             Payloads.Encoded input) {
            super(calls.link.lane());
            this.calls = calls;
            this.task = task;
            this.type = type;
            this.correlation = correlation;
            this.timeoutMillis = timeoutMillis;
            this.header = header;
            this.input = input;
        }

        @Override
        void completed() {
            calls.finished(this);
        }
    }

    /** A new call, its deadline running. Sent, queued or refused; never blocks. */
    <O> Call<O> call(String task, Class<O> type, byte[] name, Payloads.Encoded input, long timeoutMillis) {
        Call<O> call = newCall(task, type, name, input, timeoutMillis);
        boolean send = false;
        RuntimeException refused = null;
        lock.lock();
        try {
            if (closed != null) {
                refused = link.closedException(task);
            } else if (held < max && waiting.isEmpty()) {
                held++;
                call.state = Call.State.SENT;
                send = true;
            } else if (waiting.size() < max) {
                call.state = Call.State.WAITING;
                waiting.add(call);
            } else {
                refused = new LinkOverloadedException(link.describe() + " has " + max + " calls in flight and " + max
                        + " more waiting for room, so task '" + task + "' was not sent: wait for some answers, use"
                        + " DirectLink.invoke (which waits for room), or raise NodeConfig.maxCallsInFlight");
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            call.completeExceptionally(refused);
        } else if (send) {
            transmit(call);
        }
        return call;
    }

    /**
     * A call that blocks for a slot (never queued behind the async ones for longer than they
     * need) and for its answer.
     */
    <O> O invoke(String task, Class<O> type, byte[] name, Payloads.Encoded input, long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (closed == null && !(held < max && waiting.isEmpty())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new CallTimeoutException(link.describe() + " had no room for task '" + task + "' within "
                            + timeoutMillis + " ms (" + max + " calls in flight): it was not sent. Raise the call's"
                            + " timeout (CallOptions.timeout, NodeConfig.callTimeout) or NodeConfig.maxCallsInFlight");
                }
                blocked++;
                try {
                    room.awaitNanos(left);
                } finally {
                    blocked--;
                }
            }
            if (closed != null) {
                throw link.closedException(task);
            }
            held++;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while waiting for room for task '" + task + "' on "
                    + link.describe() + "; it was not sent", e);
        } finally {
            lock.unlock();
        }
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        Call<O> call = newCall(task, type, name, input, left);
        call.state = Call.State.SENT;
        transmit(call);
        try {
            return call.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime
                    : new ClusterException("task '" + task + "' failed: " + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new ClusterException("task '" + task + "' on " + link.describe() + " was cancelled", e);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while waiting for the answer to task '" + task + "' on "
                    + link.describe() + "; the call was cancelled", e);
        }
    }

    private <O> Call<O> newCall(String task, Class<O> type, byte[] name, Payloads.Encoded input, long timeoutMillis) {
        long correlation = correlations.incrementAndGet();
        Call<O> call = new Call<>(this, task, type, correlation, timeoutMillis,
                link.callHeader(input.flags(), correlation, name), input);
        call.deadline = link.host().schedule(() -> call.failHere(new CallTimeoutException("task '" + task
                + "' on " + link.describe() + " got no answer within " + timeoutMillis + " ms (CallOptions.timeout, or"
                + " NodeConfig.callTimeout); the peer was asked to cancel it, so it may or may not have run")),
                timeoutMillis, TimeUnit.MILLISECONDS);
        return call;
    }

    /** Writes a call that holds a slot. */
    private void transmit(Call<?> call) {
        byte[] header;
        Payloads.Encoded input;
        lock.lock();
        try {
            header = call.header;
            input = call.input;
            call.header = null;
            call.input = null;
        } finally {
            lock.unlock();
        }
        if (header == null) {
            return;
        }
        sent.put(call.correlation, call);
        if (call.isDone() || closed != null) {
            // It ended (timed out, cancelled), or the link closed, between taking its slot and
            // now: send nothing. A close that already swept the map missed this call: fail it here.
            if (sent.remove(call.correlation) != null) {
                call.failHere(link.closedException(call.task));
            }
            return;
        }
        link.writeCall(header, input.bytes());
    }

    /** Runs once when a call completes, however it did, on the thread that completed it. */
    private void finished(Call<?> call) {
        if (call.deadline != null) {
            call.deadline.cancel(false);
        }
        boolean wasSent = false;
        List<Call<?>> promoted = List.of();
        lock.lock();
        try {
            switch (call.state) {
                case WAITING -> waiting.remove(call);
                case SENT -> {
                    wasSent = true;
                    held--;
                    promoted = promote();
                    if (promoted.isEmpty() && blocked > 0) {
                        room.signal();
                    }
                }
                case NEW, DONE -> { }
            }
            call.state = Call.State.DONE;
            call.header = null;
            call.input = null;
        } finally {
            lock.unlock();
        }
        // Whoever takes the call out of the map owns its answer: here, no answer came.
        if (wasSent && sent.remove(call.correlation) != null) {
            link.cancelOnPeer(call.correlation);
        }
        if (call.isCompletedExceptionally() && !call.isCancelled()) {
            if (call.exceptionNow() instanceof CallTimeoutException) {
                link.host().callAbandoned(true);
            }
        } else if (call.isCancelled()) {
            link.host().callAbandoned(false);
        }
        for (Call<?> next : promoted) {
            link.host().background().execute(() -> transmit(next));
        }
    }

    /** Gives free slots to the calls that wait longest. Call with the lock held. */
    private List<Call<?>> promote() {
        List<Call<?>> promoted = new ArrayList<>();
        while (held < max && !waiting.isEmpty()) {
            Call<?> next = waiting.poll();
            next.state = Call.State.SENT;
            held++;
            promoted.add(next);
        }
        return promoted;
    }

    /** The peer answered a call (on the link's reader). A late or unknown answer is dropped. */
    void answered(long correlation, int flags, byte[] payload) {
        Call<?> call = sent.remove(correlation);
        if (call != null) {
            complete(call, flags, payload);
        }
    }

    private <O> void complete(Call<O> call, int flags, byte[] payload) {
        O result;
        try {
            result = Payloads.decode(flags, payload, call.type);
        } catch (IllegalArgumentException e) {
            call.failHere(new ClusterException("the result of task '" + call.task + "' from "
                    + link.peer().label() + " could not be read: " + e.getMessage(), e));
            return;
        }
        call.completeHere(result);
    }

    /** The peer's handler failed (on the link's reader). */
    void failed(long correlation, byte[] payload) {
        Call<?> call = sent.remove(correlation);
        if (call != null) {
            String[] error = ControlCodec.decodeError(payload);
            call.failHere(new RemoteTaskException(call.task, link.peer().label(), error[0], error[1]));
        }
    }

    /** The link closed: every call, sent or waiting, fails; later ones fail at once. */
    void close(LinkClosedException reason) {
        List<Call<?>> failing = new ArrayList<>();
        lock.lock();
        try {
            if (closed != null) {
                return;
            }
            closed = reason;
            failing.addAll(waiting);
            room.signalAll();
        } finally {
            lock.unlock();
        }
        failing.addAll(sent.values());
        for (Call<?> call : failing) {
            call.failHere(link.closedException(call.task));
        }
    }

    /** Calls sent and not answered. */
    int inFlight() {
        lock.lock();
        try {
            return held;
        } finally {
            lock.unlock();
        }
    }

    /** Calls waiting for room. */
    int waiting() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }
}
