package io.cpcluster.core.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Writes frames: a 4-byte big-endian length, then the body. Thread-safe: a frame is written
 * whole, never interleaved with another, and the frames of one thread leave in the order it
 * handed them in (a large frame waiting for its turn may be passed by small frames other threads
 * hand in meanwhile).
 *
 * <p><b>Batching.</b> One thread at a time owns the socket: the <em>flusher</em>. A frame handed
 * in while a flush is under way is copied into the write buffer and left to that flusher, which
 * writes everything that gathered in one system call when its current write returns; so frames
 * that are ready together leave together, with no timer. A frame that finds no flush under way
 * makes its thread the flusher:
 * <ul>
 *   <li>{@link #write} and {@link #flush} flush on the calling thread and return once the frame
 *       (and all before it) reached the socket: for handshakes and for the last frame before a
 *       close;</li>
 *   <li>{@link #queue} flushes on the calling thread too when the socket has been idle (a lone
 *       frame, such as one call and its answer, leaves at once, without a thread hand-off), but
 *       when the last flush ended less than {@value #STREAM_GAP_NANOS} ns ago the frame belongs
 *       to a stream, and the flush goes to a thread of the {@linkplain #batching flusher
 *       executor}, so that the caller goes on and its next frames join that write;</li>
 *   <li>{@link #writeBuffered} only fills the buffer, for a single writer thread that calls
 *       {@link #flush} when its queue runs dry.</li>
 * </ul>
 * Frames larger than {@value #DIRECT} bytes do not go through the buffer: their thread waits to
 * own the socket and writes them from the caller's arrays, without a copy. A thread that flushes
 * for itself writes one round (what was buffered up to and with its frame), then hands what
 * gathered meanwhile to the flusher executor when there is one: an application thread is never
 * kept writing other threads' frames for as long as they keep coming.
 *
 * <p><b>Bounds.</b> Two buffers (the one being written and the one filling), each allocated at
 * the first frame from {@value #FIRST_BUFFER} bytes and grown only as frames need, to at most
 * {@value #BUFFER_SIZE} bytes (an output that {@link #trimWhenIdle trims} lets them go again each
 * time it is idle). A frame that finds the filling buffer full waits until the flusher
 * takes it; so a peer that reads slowly slows the writers down (backpressure), and holds at most
 * {@code 2 × BUFFER_SIZE} bytes here.
 *
 * <p><b>Deadlines.</b> A write to a peer that stops reading blocks in the socket. Java cannot time
 * such a write out, so this class makes it visible instead: {@link #stalledNanos} says how long
 * the current socket write has made no progress (writes go out in steps of {@value #STEP} bytes,
 * so a slow but reading peer keeps making progress), and the owner's timer closes the connection
 * when that passes its write timeout. That ends the write with an {@link IOException}, which this
 * output keeps: every later frame, and every thread waiting for room, fails with it at once.
 */
public final class FrameOutput {
    /** The largest a write buffer grows. */
    public static final int BUFFER_SIZE = 64 * 1024;
    /** A write buffer's size at the first frame. */
    static final int FIRST_BUFFER = 2 * 1024;
    /** The most bytes handed to the socket in one write, so that progress can be seen. */
    static final int STEP = 64 * 1024;
    /** Frames larger than this (length prefix included) are written from the caller's arrays. */
    static final int DIRECT = BUFFER_SIZE / 2;
    /**
     * A queued frame that comes within this many nanoseconds of the end of the last flush is part
     * of a stream: its flush is handed to the flusher executor. A socket write on loopback takes a
     * few microseconds; a call's round trip, tens.
     */
    static final long STREAM_GAP_NANOS = 20_000;
    /** How many times {@link #lock()} tries before it parks. */
    private static final int SPINS = 64;
    private static final byte[] NONE = new byte[0];

    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the flusher takes the filling buffer (room), ends its flush, or fails. */
    private final Condition changed = lock.newCondition();
    /** Frames waiting for the flusher. Guarded by lock. */
    private byte[] filling = NONE;
    private int count;
    /** The other buffer: the one the flusher writes, or the next to fill. Guarded by lock. */
    private byte[] spare = NONE;
    /** True while a thread owns the socket. Guarded by lock. */
    private boolean flushing;
    /**
     * True when a {@link #queue}d frame was left in the buffer for the thread that owned the
     * socket to write; false again once the buffer is empty. Guarded by lock.
     */
    private boolean leftForFlusher;
    /** When the last flush ended (System.nanoTime()). Guarded by lock. */
    private long flushEnded = System.nanoTime() - 2 * STREAM_GAP_NANOS;
    /** Why the socket failed; set once, then every write fails with it. Guarded by lock. */
    private IOException failure;
    private volatile Executor flusher;
    /** Whether buffers grown past {@value #FIRST_BUFFER} bytes are let go each time the output goes idle. */
    private volatile boolean trimWhenIdle;
    private volatile Consumer<IOException> failed = e -> { };
    /** When a frame was last written (System.nanoTime()), for keep-alives on idle links. */
    private volatile long lastWrite = System.nanoTime();
    /** When the socket write under way began (System.nanoTime()); 0 when none is. */
    private volatile long writingSince;

    public FrameOutput(OutputStream out) {
        this.out = out;
    }

    /**
     * Lets {@link #queue} hand the flushes of a stream to {@code executor}; a flush that fails
     * there is reported to {@code failed} (a flush on the caller's thread throws instead). Without
     * this, every flush runs on a thread that wrote.
     */
    public void batching(Executor executor, Consumer<IOException> failed) {
        this.failed = failed;
        this.flusher = executor;
    }

    /**
     * Lets go of the write buffers each time everything queued is written, when they grew past
     * {@value #FIRST_BUFFER} bytes: for a connection that is mostly idle, one of thousands (a
     * master's node), which should not keep 128 KiB for a burst long past.
     */
    public void trimWhenIdle() {
        this.trimWhenIdle = true;
    }

    /** Writes one frame whose body is {@code body}, and returns once it reached the socket. */
    public void write(byte[] body) throws IOException {
        write(body, body.length, Bytes.EMPTY, 0, 0);
    }

    /**
     * Writes one frame whose body is the first {@code headerLength} bytes of {@code header}
     * followed by {@code payload[offset, offset + length)}, and returns once it reached the socket
     * (once no flush is under way: under a steady stream from other threads, that can be later).
     */
    public void write(byte[] header, int headerLength, byte[] payload, int offset, int length) throws IOException {
        frame(header, headerLength, payload, offset, length, Flush.NOW);
    }

    /**
     * Hands in one frame, as {@link #write} does, but returns once the frame is in the buffer or a
     * flusher's hands (see the class comment): the arrays may be reused at once.
     */
    public void queue(byte[] header, int headerLength, byte[] payload, int offset, int length) throws IOException {
        frame(header, headerLength, payload, offset, length, Flush.ADAPTIVE);
    }

    /**
     * Puts one frame in the buffer without flushing, for a single writer thread that knows more
     * frames follow; it calls {@link #flush()} when it runs out.
     */
    public void writeBuffered(byte[] body) throws IOException {
        frame(body, body.length, Bytes.EMPTY, 0, 0, Flush.LATER);
    }

    /**
     * Writes one frame at once, on the calling thread, if the output is idle (no frame waiting, no
     * write under way, the lock free), and returns true once it reached the socket; otherwise
     * writes nothing and returns false. For a reader answering its own peer: it never waits for
     * another thread's write, and frames that others hand in meanwhile are left to them (to the
     * flusher, for {@link #queue}d ones), not written here.
     */
    public boolean writeIfIdle(byte[] body) throws IOException {
        if (4 + body.length > DIRECT || !lock.tryLock()) {
            return false;
        }
        try {
            check();
            if (flushing || count > 0) {
                return false;
            }
            append(body, body.length, Bytes.EMPTY, 0, 0);
            lastWrite = System.nanoTime();
            flushing = true;
            drainOnce();
            if (count == 0 || leftForFlusher) {
                endRound();
            } else {
                // Written with write() or writeBuffered(): their threads flush them once this ends.
                giveUpSocket();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Sends what is buffered, and returns once it reached the socket. */
    public void flush() throws IOException {
        lock();
        try {
            flushNow();
        } finally {
            lock.unlock();
        }
    }

    /** The bytes its two write buffers take now, for tests of {@link #trimWhenIdle}. */
    int bufferBytes() {
        lock();
        try {
            return filling.length + spare.length;
        } finally {
            lock.unlock();
        }
    }

    /** When a frame was last handed in (System.nanoTime()). */
    public long lastWrite() {
        return lastWrite;
    }

    /**
     * How long the socket write under way has gone without progress: the peer reads nothing.
     *
     * @param now System.nanoTime()
     * @return nanoseconds, 0 when no write is under way
     */
    public long stalledNanos(long now) {
        long since = writingSince;
        return since == 0 ? 0 : Math.max(0, now - since);
    }

    // ---------------------------------------------------------------- the frame's way

    /** When a frame's thread flushes. */
    private enum Flush {
        /** Now, on this thread, and return once the frame is out. */
        NOW,
        /** On this thread when the socket was idle, else by whoever flushes next (see the class comment). */
        ADAPTIVE,
        /** Only when the buffer is full; the caller flushes later. */
        LATER
    }

    private void frame(byte[] header, int headerLength, byte[] payload, int offset, int length, Flush when)
            throws IOException {
        int size = 4 + headerLength + length;
        lock();
        try {
            check();
            if (size > DIRECT) {
                writeDirect(header, headerLength, payload, offset, length);
                return;
            }
            while (count > 0 && count + size > BUFFER_SIZE) {
                if (flushing) {
                    changed.awaitUninterruptibly();
                    check();
                } else {
                    flushing = true;
                    flushRound();
                }
            }
            append(header, headerLength, payload, offset, length);
            long now = System.nanoTime();
            lastWrite = now;
            switch (when) {
                case NOW -> flushNow();
                case LATER -> { }
                case ADAPTIVE -> {
                    if (!flushing) {
                        flushing = true;
                        if (now - flushEnded >= STREAM_GAP_NANOS || !handOff()) {
                            flushRound();
                        }
                    } else {
                        leftForFlusher = true;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Copies a frame into the filling buffer, which has room for it or can grow to have it. Under lock. */
    private void append(byte[] header, int headerLength, byte[] payload, int offset, int length) {
        int size = 4 + headerLength + length;
        if (count + size > filling.length) {
            int grown = Math.max(FIRST_BUFFER, filling.length);
            while (grown < count + size) {
                grown *= 2;
            }
            filling = Arrays.copyOf(filling, Math.min(BUFFER_SIZE, grown));
        }
        Bytes.putInt(filling, count, headerLength + length);
        System.arraycopy(header, 0, filling, count + 4, headerLength);
        System.arraycopy(payload, offset, filling, count + 4 + headerLength, length);
        count += size;
    }

    /** Waits for any flush under way (which takes all before it), then flushes what is left here. Under lock. */
    private void flushNow() throws IOException {
        while (flushing) {
            changed.awaitUninterruptibly();
        }
        check();
        if (count > 0) {
            flushing = true;
            flushRound();
        }
    }

    /**
     * One round on a thread that wrote: writes what is buffered (its own frame with it), then
     * hands what gathered meanwhile to the flusher executor, so that a caller is not kept writing
     * other threads' frames for as long as they come. Called under lock by the thread that set
     * {@code flushing}; returns under lock.
     */
    private void flushRound() throws IOException {
        drainOnce();
        endRound();
    }

    /** After a thread's own round: hands what gathered meanwhile on, or drains it here when it cannot. Under lock. */
    private void endRound() throws IOException {
        if (count == 0 || !handOff()) {
            drain();
        }
    }

    /** Gives the flush to the flusher executor; false when there is none, or it takes no more work. Under lock. */
    private boolean handOff() {
        Executor executor = flusher;
        if (executor == null) {
            return false;
        }
        try {
            executor.execute(this::drainHandedOff);
            return true;
        } catch (RejectedExecutionException | OutOfMemoryError e) {
            // No thread to hand to: this one flushes, and a failure there fails the output.
            return false;
        }
    }

    private void drainHandedOff() {
        IOException error = null;
        lock();
        try {
            drain();
        } catch (IOException e) {
            error = e;
        } finally {
            lock.unlock();
        }
        if (error != null) {
            failed.accept(error);
        }
    }

    /**
     * The flusher's loop: writes the filling buffer until none is left, then gives up the socket.
     * Called under lock by the thread that set {@code flushing}; returns under lock.
     */
    private void drain() throws IOException {
        while (count > 0) {
            drainOnce();
        }
        if (trimWhenIdle) {
            filling = filling.length > FIRST_BUFFER ? NONE : filling;
            spare = spare.length > FIRST_BUFFER ? NONE : spare;
        }
        leftForFlusher = false;
        giveUpSocket();
    }

    /** Ends this thread's ownership of the socket and wakes the writers waiting for it. Under lock. */
    private void giveUpSocket() {
        flushing = false;
        flushEnded = System.nanoTime();
        changed.signalAll();
    }

    /**
     * Writes a large frame from the caller's arrays: waits to own the socket, writes what waits in
     * the buffer with the frame's length and header, then the payload, then what gathered meanwhile.
     * Under lock.
     */
    private void writeDirect(byte[] header, int headerLength, byte[] payload, int offset, int length)
            throws IOException {
        while (flushing) {
            changed.awaitUninterruptibly();
            check();
        }
        flushing = true;
        while (count + 4 + headerLength > BUFFER_SIZE) {
            drainOnce();
        }
        try {
            append(header, headerLength, Bytes.EMPTY, 0, 0);
        } catch (OutOfMemoryError e) {
            // This thread owns the socket: it must not leave it owned by no one.
            IOException error = new IOException("out of memory writing a frame", e);
            fail(error);
            throw error;
        }
        Bytes.putInt(filling, count - 4 - headerLength, headerLength + length);
        lastWrite = System.nanoTime();
        int n = swap();
        unlocked(spare, n, payload, offset, length);
        endRound();
    }

    /** Writes the filling buffer once, if anything is in it, keeping the socket. Under lock. */
    private void drainOnce() throws IOException {
        if (count == 0) {
            return;
        }
        int n = swap();
        unlocked(spare, n, null, 0, 0);
    }

    /**
     * Makes the filling buffer the flusher's to write (it is {@code spare} until the flusher's
     * next swap; appends go to the other) and wakes writers waiting for room. Under lock.
     *
     * @return how many bytes it holds
     */
    private int swap() {
        byte[] full = filling;
        int n = count;
        filling = spare;
        spare = full;
        count = 0;
        changed.signalAll();
        return n;
    }

    /**
     * Writes {@code bytes[0, n)} and then {@code more[offset, offset + length)} to the socket with
     * the lock released, so that others can queue meanwhile; on failure, fails this output.
     */
    private void unlocked(byte[] bytes, int n, byte[] more, int offset, int length) throws IOException {
        IOException error = null;
        lock.unlock();
        try {
            toSocket(bytes, 0, n);
            if (length > 0) {
                toSocket(more, offset, length);
            }
            out.flush();
        } catch (IOException e) {
            error = e;
        } catch (RuntimeException | Error e) {
            error = new IOException("writing failed: " + e, e);
        } finally {
            lock();
        }
        if (error != null) {
            fail(error);
            throw error;
        }
    }

    /** The only place bytes reach the socket: in steps, each timed (see the class comment). */
    private void toSocket(byte[] bytes, int offset, int length) throws IOException {
        try {
            while (length > 0) {
                int step = Math.min(STEP, length);
                writingSince = System.nanoTime() | 1;
                out.write(bytes, offset, step);
                offset += step;
                length -= step;
            }
        } finally {
            writingSince = 0;
        }
    }

    /** The socket failed: what waits is dropped, and everyone waiting or writing later fails. Under lock. */
    private void fail(IOException error) {
        if (failure == null) {
            failure = error;
        }
        flushing = false;
        count = 0;
        filling = NONE;
        spare = NONE;
        changed.signalAll();
    }

    /**
     * Takes the lock, trying a few times before parking: its holders hold it only to copy a frame
     * or swap buffers, far shorter than parking and being woken take (a wake-up is a system call
     * for the thread that releases the lock, the writer of a stream among them).
     */
    private void lock() {
        for (int i = 0; i < SPINS; i++) {
            if (lock.tryLock()) {
                return;
            }
            Thread.onSpinWait();
        }
        lock.lock();
    }

    /** Throws when the socket failed before. Under lock. */
    private void check() throws IOException {
        if (failure != null) {
            throw new IOException("an earlier write failed: " + failure.getMessage(), failure);
        }
    }
}
