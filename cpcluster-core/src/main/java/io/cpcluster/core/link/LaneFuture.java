package io.cpcluster.core.link;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A future that keeps application code off the thread that completes it. That thread may be a
 * link's reader or a timer, which must never run what an application attached: dependent actions
 * added with the non-{@code Async} methods while the future is incomplete run on the link's lane
 * instead (the contract of {@link CompletableFuture} allows any thread). Actions added once it is
 * complete run at once on the caller's thread, as usual. Threads that wait in {@code get} or
 * {@code join} are woken directly by the completing thread, with no hand-off.
 *
 * <p>Completing it in any way runs {@link #completed()} once, on the completing thread: calls use
 * it to free their slot at once.
 *
 * @param <T> the result type
 */
class LaneFuture<T> extends CompletableFuture<T> {
    private final Executor lane;

    LaneFuture(Executor lane) {
        this.lane = lane;
    }

    /** Runs once, right after the future completed in any way. Does nothing by default. */
    void completed() {
    }

    @Override
    public boolean complete(T value) {
        boolean won = super.complete(value);
        if (won) {
            completed();
        }
        return won;
    }

    @Override
    public boolean completeExceptionally(Throwable error) {
        boolean won = super.completeExceptionally(error);
        if (won) {
            completed();
        }
        return won;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean won = super.cancel(mayInterruptIfRunning);
        if (won) {
            completed();
        }
        return won;
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
