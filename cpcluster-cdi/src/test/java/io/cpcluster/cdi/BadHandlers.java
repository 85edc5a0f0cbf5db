package io.cpcluster.cdi;

import java.util.List;

/**
 * Beans with handlers that must stop a container. They carry no bean-defining annotation, so
 * only the tests that name them make them beans.
 */
final class BadHandlers {
    private BadHandlers() {
    }

    /** Two parameters. */
    public static class TwoInputs {
        @TaskHandler("add")
        int add(int a, int b) {
            return a + b;
        }
    }

    /** No parameter. */
    public static class NoInput {
        @TaskHandler("now")
        long now() {
            return 0;
        }
    }

    /** A private method. */
    public static class Hidden {
        @TaskHandler("secret")
        private String secret(String s) {
            return s;
        }
    }

    /** A generic input. */
    public static class GenericInput {
        @TaskHandler("sum")
        int sum(List<Integer> values) {
            return values.size();
        }
    }

    /** A name that is not a task name. */
    public static class BadName {
        @TaskHandler("")
        String nameless(String s) {
            return s;
        }
    }

    /** One of two methods serving one task. */
    public static class FirstGreeter {
        @TaskHandler("greet")
        String greet(String s) {
            return "first " + s;
        }
    }

    /** The other of two methods serving one task. */
    public static class SecondGreeter {
        @TaskHandler("greet")
        String greet(String s) {
            return "second " + s;
        }
    }
}
