package io.cpcluster.core.link;

import io.cpcluster.CallTimeoutException;
import io.cpcluster.ClusterException;
import io.cpcluster.LinkClosedException;
import io.cpcluster.LinkOverloadedException;
import io.cpcluster.RemoteTaskException;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.LinkFrame;
import io.cpcluster.core.wire.Payloads;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The calls this end made over one link: the slots they hold, the calls waiting for a slot, and
 * their deadlines.
 *
 * <p>At most {@code max} calls are <em>sent</em> and unanswered at once ({@code max} is the
 * smaller of this node's and the peer's {@code maxCallsInFlight}). A call beyond that waits in a
 * queue of at most this node's {@code maxCallsInFlight} more (first in, first out) and is sent
 * when a slot frees; one beyond that is refused with {@link LinkOverloadedException}. {@link #invoke} instead blocks its
 * thread for a slot. However a call completes, its completion first {@linkplain LaneFuture#claim
 * claims} it: the claim frees the slot (or the place in the queue), gives free slots to queued
 * calls, and asks the peer to cancel a call it never answered; only then is the future completed.
 *
 * <p>State: the slot count, the waiting queue and each call's {@link Call.State} are guarded by
 * {@link #lock}; the map of sent calls is concurrent, because the link's reader takes answered
 * calls out of it without the lock. Whoever removes a call from that map owns its answer.
 */
final class OutgoingCalls {
    private final Link link;
    private final int max;
    private final int queueMax;
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

    /**
     * @param max the most calls sent and unanswered at once
     * @param queueMax the most calls waiting for room
     */
    OutgoingCalls(Link link, int max, int queueMax) {
        this.link = link;
        this.max = max;
        this.queueMax = queueMax;
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
        /** True once the CALL frame is written: a CANCEL may follow it, never overtake it. */
        volatile boolean written;
        volatile Future<?> deadline;

        Call(OutgoingCalls calls, String task, Class<O> type, long correlation, long timeoutMillis, byte[] header,
             Payloads.Encoded input) {
            super(calls.link.lane(), calls.link.host().application());
            this.calls = calls;
            this.task = task;
            this.type = type;
            this.correlation = correlation;
            this.timeoutMillis = timeoutMillis;
            this.header = header;
            this.input = input;
        }

        @Override
        boolean claim(Throwable error) {
            return calls.claim(this, error);
        }
    }

    /** A new call: sent, queued or refused. Never waits. */
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
            } else if (waiting.size() < queueMax) {
                call.state = Call.State.WAITING;
                waiting.add(call);
            } else {
                refused = new LinkOverloadedException(link.describe() + " has " + max + " calls in flight and "
                        + queueMax + " more waiting for room, so task '" + task + "' was not sent: wait for some answers, use"
                        + " DirectLink.invoke (which waits for room), or raise NodeConfig.maxCallsInFlight on both"
                        + " nodes");
            }
        } finally {
            lock.unlock();
        }
        if (refused != null) {
            call.completeExceptionally(refused);
            return call;
        }
        // The deadline starts once the call's state says where it stands, so that it always finds
        // the slot or the place in the queue to give back.
        startDeadline(call);
        if (send) {
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
        Call<O> call = newCall(task, type, name, input, timeoutMillis);
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
            call.state = Call.State.SENT;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while waiting for room for task '" + task + "' on "
                    + link.describe() + "; it was not sent", e);
        } finally {
            lock.unlock();
        }
        startDeadline(call, Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
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
        return new Call<>(this, task, type, correlation, timeoutMillis,
                LinkFrame.header(LinkFrame.CALL, input.flags(), correlation, name), input);
    }

    private void startDeadline(Call<?> call) {
        startDeadline(call, call.timeoutMillis);
    }

    /** Starts a call's deadline, once it holds a slot or a place in the queue. */
    private void startDeadline(Call<?> call, long millis) {
        Future<?> deadline = link.host().schedule(() -> call.failHere(new CallTimeoutException("task '" + call.task
                + "' on " + link.describe() + " got no answer within " + call.timeoutMillis + " ms (CallOptions.timeout,"
                + " or NodeConfig.callTimeout); the peer was asked to cancel it, so it may or may not have run")),
                millis, TimeUnit.MILLISECONDS);
        call.deadline = deadline;
        if (call.isDone()) {
            // Completed (cancelled, say) before its deadline was there to cancel.
            deadline.cancel(false);
        }
    }

    /** Writes a call that holds a slot. */
    private void transmit(Call<?> call) {
        byte[] header;
        Payloads.Encoded input;
        lock.lock();
        try {
            if (call.state != Call.State.SENT) {
                return;
            }
            header = call.header;
            input = call.input;
            call.header = null;
            call.input = null;
        } finally {
            lock.unlock();
        }
        sent.put(call.correlation, call);
        if (closed != null) {
            // The link closed between the slot and now, and its sweep of the map may have missed this call.
            if (sent.remove(call.correlation) != null) {
                call.failHere(link.closedException(call.task));
            }
            return;
        }
        link.writeCall(header, input.bytes());
        call.written = true;
        if (call.isDone() && sent.remove(call.correlation) != null) {
            // It ended (timed out, cancelled) while it was being written: now the peer may be told.
            link.cancelOnPeer(call.correlation);
        }
    }

    /**
     * Decides that a call completes now, once: frees its slot or its place in the queue, hands
     * free slots to queued calls, and asks the peer to cancel a call it never answered. Runs on
     * the completing thread, before the future completes.
     *
     * @return false when the call was claimed already
     */
    private boolean claim(Call<?> call, Throwable error) {
        boolean wasSent;
        List<Call<?>> promoted = List.of();
        lock.lock();
        try {
            if (call.state == Call.State.DONE) {
                return false;
            }
            wasSent = call.state == Call.State.SENT;
            switch (call.state) {
                case WAITING -> waiting.remove(call);
                case SENT -> {
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
        Future<?> deadline = call.deadline;
        if (deadline != null) {
            deadline.cancel(false);
        }
        // Whoever takes the call out of the map owns its answer: here, no answer came. A call not
        // yet written is told to the peer by transmit, once it is.
        if (wasSent && call.written && sent.remove(call.correlation) != null) {
            link.cancelOnPeer(call.correlation);
        }
        if (error instanceof CallTimeoutException) {
            link.host().callAbandoned(true);
        } else if (error instanceof CancellationException) {
            link.host().callAbandoned(false);
        }
        for (Call<?> next : promoted) {
            try {
                link.host().background().execute(() -> transmit(next));
            } catch (RejectedExecutionException e) {
                next.failHere(new ClusterException("this node closed before task '" + next.task + "' was sent"));
            }
        }
        return true;
    }

    /** Gives free slots to the calls that wait longest. Call with the lock held. */
    private List<Call<?>> promote() {
        if (waiting.isEmpty() || held >= max) {
            return List.of();
        }
        List<Call<?>> promoted = new ArrayList<>();
        while (held < max && !waiting.isEmpty()) {
            Call<?> next = waiting.poll();
            next.state = Call.State.SENT;
            held++;
            promoted.add(next);
        }
        return promoted;
    }

    /**
     * The peer answered a call (on the link's reader). A late or unknown answer is dropped. Raw
     * bytes and null are handed over here; JSON is bound to the caller's type off the reader (the
     * binding runs the type's constructors and setters: application code).
     */
    void answered(long correlation, int flags, byte[] payload) {
        Call<?> call = sent.remove(correlation);
        if (call == null) {
            return;
        }
        if ((flags & (LinkFrame.FLAG_RAW | LinkFrame.FLAG_NULL)) != 0) {
            complete(call, flags, payload);
        } else {
            bindOffTheReader(call, flags, payload);
        }
    }

    private <O> void complete(Call<O> call, int flags, byte[] payload) {
        O result;
        try {
            result = Payloads.decode(flags, payload, call.type);
        } catch (IllegalArgumentException e) {
            call.failHere(unreadable(call, e));
            return;
        }
        call.completeHere(result);
    }

    private <O> void bindOffTheReader(Call<O> call, int flags, byte[] payload) {
        call.completeWith(() -> {
            try {
                return Payloads.decode(flags, payload, call.type);
            } catch (IllegalArgumentException e) {
                throw unreadable(call, e);
            }
        });
    }

    private ClusterException unreadable(Call<?> call, IllegalArgumentException e) {
        return new ClusterException("the result of task '" + call.task + "' from " + link.peer().label()
                + " could not be read: " + e.getMessage(), e);
    }

    /**
     * The peer's handler failed (on the link's reader). A peer that refused the call because it
     * had no room (it still runs calls their callers gave up on) makes it a
     * {@link LinkOverloadedException}: nothing ran.
     */
    void failed(long correlation, byte[] payload) {
        Call<?> call = sent.remove(correlation);
        if (call == null) {
            return;
        }
        String[] error = ControlCodec.decodeError(payload);
        if (error[0].equals(LinkOverloadedException.class.getName())) {
            call.failHere(new LinkOverloadedException(link.peer().label() + " refused task '" + call.task + "': "
                    + ControlCodec.quote(error[1])));
        } else {
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
