package io.cpcluster.core.link;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A future that keeps application code off the threads that complete it. The library completes
 * it from a link's reader, a timer or a closing thread, none of which may run what an application
 * attached, so it completes through {@link #completeHere} and {@link #failHere}: on the calling
 * thread only when nothing depends on the future, on the link's lane otherwise. Dependent actions
 * added with the non-{@code Async} methods while the future is incomplete go to the lane as well
 * (the contract of {@link CompletableFuture} allows any thread); added once it is complete, they
 * run at once on the caller's thread, as usual.
 *
 * <p>A thread waiting in {@link #join} or {@link #get} does not count as a dependent: it parks on a
 * slot of this future's own rather than on a completion of the JDK's, and the completing thread
 * wakes it directly, so a plain {@code call(...).join()} costs no hand-off through the lane.
 * (A second thread waiting at the same time waits the JDK's way, and its wake-up goes through the
 * lane.)
 *
 * <p>Completing it in any way runs {@link #completed()} once, on the completing thread: calls use
 * it to free their slot at once.
 *
 * @param <T> the result type
 */
class LaneFuture<T> extends CompletableFuture<T> {
    private static final AtomicReferenceFieldUpdater<LaneFuture<?>, Thread> WAITER = waiterUpdater();

    private final Executor lane;
    /** The one thread waiting in join or get through this future's own slot, if any. */
    private volatile Thread waiter;

    LaneFuture(Executor lane) {
        this.lane = lane;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static AtomicReferenceFieldUpdater<LaneFuture<?>, Thread> waiterUpdater() {
        return (AtomicReferenceFieldUpdater) AtomicReferenceFieldUpdater.newUpdater(LaneFuture.class, Thread.class,
                "waiter");
    }

    /** Runs once, right after the future completed in any way. Does nothing by default. */
    void completed() {
    }

    /**
     * Completes with a value, on this thread if nothing depends on the future (a thread waiting in
     * join is woken directly), else on the lane, where the dependents then run.
     */
    final void completeHere(T value) {
        if (getNumberOfDependents() == 0) {
            complete(value);
        } else {
            lane.execute(() -> complete(value));
        }
    }

    /** Fails, as {@link #completeHere} completes. */
    final void failHere(Throwable error) {
        if (getNumberOfDependents() == 0) {
            completeExceptionally(error);
        } else {
            lane.execute(() -> completeExceptionally(error));
        }
    }

    @Override
    public boolean complete(T value) {
        boolean won = super.complete(value);
        if (won) {
            done();
        }
        return won;
    }

    @Override
    public boolean completeExceptionally(Throwable error) {
        boolean won = super.completeExceptionally(error);
        if (won) {
            done();
        }
        return won;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean won = super.cancel(mayInterruptIfRunning);
        if (won) {
            done();
        }
        return won;
    }

    private void done() {
        completed();
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
                while (!isDone()) {
                    LockSupport.park(this);
                }
            } finally {
                waiter = null;
            }
        }
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        if (!isDone() && WAITER.compareAndSet(this, null, Thread.currentThread())) {
            try {
                while (!isDone()) {
                    LockSupport.park(this);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
            } finally {
                waiter = null;
            }
        }
        return super.get();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!isDone() && WAITER.compareAndSet(this, null, Thread.currentThread())) {
            try {
                while (!isDone()) {
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
                waiter = null;
            }
            return super.get();
        }
        return super.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
        return isDone() ? super.thenApply(fn) : super.thenApplyAsync(fn, lane);
    }

    @Override
    public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
        return isDone() ? super.thenAccept(action) : super.thenAcceptAsync(action, lane);
    }

    @Override
    public CompletableFuture<Void> thenRun(Runnable action) {
        return isDone() ? super.thenRun(action) : super.thenRunAsync(action, lane);
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other,
                                                   BiFunction<? super T, ? super U, ? extends V> fn) {
        return super.thenCombineAsync(other, fn, lane);
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other,
                                                      BiConsumer<? super T, ? super U> action) {
        return super.thenAcceptBothAsync(other, action, lane);
    }

    @Override
    public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        return super.runAfterBothAsync(other, action, lane);
    }

    @Override
    public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return super.applyToEitherAsync(other, fn, lane);
    }

    @Override
    public CompletableFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return super.acceptEitherAsync(other, action, lane);
    }

    @Override
    public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        return super.runAfterEitherAsync(other, action, lane);
    }

    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        return isDone() ? super.thenCompose(fn) : super.thenComposeAsync(fn, lane);
    }

    @Override
    public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        return isDone() ? super.whenComplete(action) : super.whenCompleteAsync(action, lane);
    }

    @Override
    public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        return isDone() ? super.handle(fn) : super.handleAsync(fn, lane);
    }

    @Override
    public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
        return isDone() ? super.exceptionally(fn) : super.exceptionallyAsync(fn, lane);
    }

    @Override
    public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
        return isDone() ? super.exceptionallyCompose(fn) : super.exceptionallyComposeAsync(fn, lane);
    }

    /** A copy completes when this does; its own dependents then run on the lane, like this one's. */
    @Override
    public CompletableFuture<T> copy() {
        return isDone() ? super.copy() : super.thenApplyAsync(Function.identity(), lane);
    }

    @Override
    public CompletionStage<T> minimalCompletionStage() {
        return isDone() ? super.minimalCompletionStage()
                : super.thenApplyAsync(Function.identity(), lane).minimalCompletionStage();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
