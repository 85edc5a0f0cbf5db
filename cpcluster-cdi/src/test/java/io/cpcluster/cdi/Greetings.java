package io.cpcluster.cdi;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/** A bean whose methods serve tasks. */
@ApplicationScoped
class Greetings {
    /** The input of "greet-many". */
    public record Names(String first, String second) {
    }

    private final AtomicInteger served = new AtomicInteger();

    @TaskHandler("greet")
    String greet(String name) {
        served.incrementAndGet();
        return "hello " + name;
    }

    @TaskHandler("greet-many")
    public String greetMany(Names names) {
        return "hello " + names.first() + " and " + names.second();
    }

    @TaskHandler("square-later")
    protected CompletionStage<Long> squareLater(long x) {
        return CompletableFuture.supplyAsync(() -> x * x);
    }

    @TaskHandler("refuse")
    String refuse(String why) {
        throw new IllegalStateException("refused: " + why);
    }

    @TaskHandler("count")
    void count(String ignored) {
        served.incrementAndGet();
    }

    int served() {
        return served.get();
    }
}
