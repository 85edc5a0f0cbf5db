package io.cpcluster.core.link;

import io.cpcluster.core.threads.Lane;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A future that keeps application code off the threads that complete it. The library completes
 * it from a link's reader, a timer or a closing thread, none of which may run what an application
 * attached, so it completes through {@link #completeHere}, {@link #failHere} and
 * {@link #completeWith}: on the calling thread only when nothing depends on the future, and on a
 * spare virtual thread otherwise. Dependent actions added with the non-{@code Async} methods while
 * the future is incomplete run on the link's lane (or, when added from the lane itself, on a spare
 * thread, so that the lane never waits for work queued behind it); added once the future is
 * complete, they run at once on the caller's thread, as usual. Combinations the future cannot see
 * ({@code allOf}, another future's {@code thenCombine}) count as dependents, so they too never run
 * where the library completes.
 *
 * <p>A thread waiting in {@link #join} or {@link #get} does not count as a dependent: it parks on a
 * slot of this future's own rather than on a completion of the JDK's, and the completing thread
 * wakes it directly, so a plain {@code call(...).join()} costs no hand-off. A value whose making
 * may run application code (binding JSON to the caller's type) is made by that waiting thread
 * ({@link #completeWith}). A second thread waiting at the same time waits the JDK's way.
 *
 * <p>Every completion, by the library or the application ({@code complete}, {@code cancel},
 * {@code orTimeout}), first asks {@link #claim}: only the one that wins it completes, after the
 * claim has done its bookkeeping (a call frees its slot), so a thread woken by the completion
 * finds that bookkeeping done.
 *
 * @param <T> the result type
 */
class LaneFuture<T> extends CompletableFuture<T> {
    private static final AtomicReferenceFieldUpdater<LaneFuture<?>, Thread> WAITER = updater(Thread.class, "waiter");
    private static final AtomicReferenceFieldUpdater<LaneFuture<?>, Supplier<?>> HANDOFF =
            updater(Supplier.class, "handOff");

    private final Lane lane;
    private final Executor spare;
    /** The one thread waiting in join or get through this future's own slot, if any. */
    private volatile Thread waiter;
    /** A value for the waiting thread to make and complete with, handed over by the completing thread. */
    private volatile Supplier<?> handOff;

    /**
     * @param lane where dependents added while the future is incomplete run
     * @param spare starts a virtual thread per task: completions that have dependents, and
     *        dependents added from the lane's own thread
     */
    LaneFuture(Lane lane, Executor spare) {
        this.lane = lane;
        this.spare = spare;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <V> AtomicReferenceFieldUpdater<LaneFuture<?>, V> updater(Class<?> type, String field) {
        return (AtomicReferenceFieldUpdater) AtomicReferenceFieldUpdater.newUpdater(LaneFuture.class, type, field);
    }

    /**
     * Decides, once, who completes the future, and does what must be done before anyone sees it
     * complete. True by default.
     *
     * @param error the failure it is to complete with; null for a value
     * @return false when another completion won
     */
    boolean claim(Throwable error) {
        return true;
    }

    /** Where dependents added now would run: the lane, unless this is the lane's own thread. */
    private Executor dependents() {
        return lane.isCurrent() ? spare : lane;
    }

    private void onSpare(Runnable task) {
        try {
            spare.execute(task);
        } catch (RejectedExecutionException e) {
            // The node has closed: the completion still happens, once, on a thread of its own.
            Thread.ofVirtual().name("cpcluster-completion-after-close").start(task);
        }
    }

    /** Completes with a value, here if nothing depends on the future, else on a spare thread. */
    final void completeHere(T value) {
        if (getNumberOfDependents() == 0) {
            complete(value);
        } else {
            onSpare(() -> complete(value));
        }
    }

    /** Fails, as {@link #completeHere} completes. */
    final void failHere(Throwable error) {
        if (getNumberOfDependents() == 0) {
            completeExceptionally(error);
        } else {
            onSpare(() -> completeExceptionally(error));
        }
    }

    /**
     * Completes with a value whose making may run application code: on the thread waiting in
     * join or get when there is one and nothing else depends on the future (it is woken anyway),
     * else on a spare thread. What {@code make} throws fails the future.
     */
    final void completeWith(Supplier<T> make) {
        if (getNumberOfDependents() == 0 && waiter != null) {
            HANDOFF.set(this, make);
            Thread waiting = waiter;
            if (waiting != null) {
                LockSupport.unpark(waiting);
                return;
            }
            // The waiter left meanwhile: take the work back, unless it has taken it already.
            if (!HANDOFF.compareAndSet(this, make, null)) {
                return;
            }
        }
        onSpare(() -> make(make));
    }

    private void make(Supplier<?> make) {
        T value;
        try {
            @SuppressWarnings("unchecked")
            T made = (T) make.get();
            value = made;
        } catch (RuntimeException e) {
            completeExceptionally(e);
            return;
        }
        complete(value);
    }

    /** Runs a value handed over to the waiting thread, if any: on that thread. */
    private boolean takeHandOff() {
        Supplier<?> make = HANDOFF.getAndSet(this, null);
        if (make == null) {
            return false;
        }
        make(make);
        return true;
    }

    /** The waiting thread leaves: work handed to it meanwhile goes to a spare thread. */
    private void leave() {
        waiter = null;
        Supplier<?> make = HANDOFF.getAndSet(this, null);
        if (make != null) {
            onSpare(() -> make(make));
        }
    }

    @Override
    public boolean complete(T value) {
        if (isDone() || !claim(null)) {
            return false;
        }
        boolean won = super.complete(value);
        wake();
        return won;
    }

    @Override
    public boolean completeExceptionally(Throwable error) {
        if (isDone() || !claim(error)) {
            return false;
        }
        boolean won = super.completeExceptionally(error);
        wake();
        return won;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone() || !claim(new CancellationException())) {
            return false;
        }
        boolean won = super.cancel(mayInterruptIfRunning);
        wake();
        return won;
    }

    @Override
    public void obtrudeValue(T value) {
        claim(null);
        super.obtrudeValue(value);
        wake();
    }

    @Override
    public void obtrudeException(Throwable error) {
        claim(error);
        super.obtrudeException(error);
        wake();
    }

    private void wake() {
        Thread waiting = waiter;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
    }

    // ---------------------------------------------------------------- waiting without a dependent

    @Override
    public T join() {
        if (!isDone() && WAITER.compareAndSet(this, null, Thread.currentThread())) {
            try {
                while (!isDone() && !takeHandOff()) {
                    LockSupport.park(this);
                }
            } finally {
                leave();
            }
        }
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!isDone() && WAITER.compareAndSet(this, null, Thread.currentThread())) {
            try {
                while (!isDone() && !takeHandOff()) {
                    LockSupport.park(this);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            } finally {
                leave();
            }
        }
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!isDone() && WAITER.compareAndSet(this, null, Thread.currentThread())) {
            try {
                while (!isDone() && !takeHandOff()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TimeoutException();
                    }
                    LockSupport.parkNanos(this, left);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            } finally {
                leave();
            }
            return super.get();
        }
        return super.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
        return isDone() ? super.thenApply(fn) : super.thenApplyAsync(fn, dependents());
    }

    @Override
    public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
        return isDone() ? super.thenAccept(action) : super.thenAcceptAsync(action, dependents());
    }

    @Override
    public CompletableFuture<Void> thenRun(Runnable action) {
        return isDone() ? super.thenRun(action) : super.thenRunAsync(action, dependents());
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other,
                                                   BiFunction<? super T, ? super U, ? extends V> fn) {
        return super.thenCombineAsync(other, fn, dependents());
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other,
                                                      BiConsumer<? super T, ? super U> action) {
        return super.thenAcceptBothAsync(other, action, dependents());
    }

    @Override
    public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        return super.runAfterBothAsync(other, action, dependents());
    }

    @Override
    public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return super.applyToEitherAsync(other, fn, dependents());
    }

    @Override
    public CompletableFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return super.acceptEitherAsync(other, action, dependents());
    }

    @Override
    public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        return super.runAfterEitherAsync(other, action, dependents());
    }

    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        return isDone() ? super.thenCompose(fn) : super.thenComposeAsync(fn, dependents());
    }

    @Override
    public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        return isDone() ? super.whenComplete(action) : super.whenCompleteAsync(action, dependents());
    }

    @Override
    public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        return isDone() ? super.handle(fn) : super.handleAsync(fn, dependents());
    }

    @Override
    public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
        return isDone() ? super.exceptionally(fn) : super.exceptionallyAsync(fn, dependents());
    }

    @Override
    public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
        return isDone() ? super.exceptionallyCompose(fn) : super.exceptionallyComposeAsync(fn, dependents());
    }

    /** A copy completes when this does; its own dependents then run on the lane, like this one's. */
    @Override
    public CompletableFuture<T> copy() {
        return isDone() ? super.copy() : super.thenApplyAsync(Function.identity(), dependents());
    }

    @Override
    public CompletionStage<T> minimalCompletionStage() {
        return isDone() ? super.minimalCompletionStage()
                : super.thenApplyAsync(Function.identity(), dependents()).minimalCompletionStage();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
