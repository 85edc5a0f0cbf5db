package io.cpcluster.examples;

import java.util.Arrays;

/**
 * The examples' entry point: {@code demo}, {@code master} or {@code node}, each with its own
 * options ({@code --help}). The {@code ./cpcluster} script at the repository root runs it.
 *
 * <pre>{@value #USAGE}</pre>
 */
public final class Main {
    /** What {@code --help} prints. */
    public static final String USAGE = """
            usage: cpcluster <command> [options]

            commands:
              demo     a master and three nodes in this JVM count primes over direct links
              master   run a master (writes join.json for the nodes)
              node     run a node that joins with join.json and serves the demo's task
              cdi      two CDI (Weld SE) applications: one serves a task from a bean, the other calls it

            Each command takes --help.
            """;

    private Main() {
    }

    /**
     * Runs a command.
     *
     * @param args the command, then its options
     */
    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.print(USAGE);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "demo" -> DemoMain.main(rest);
            case "master" -> MasterMain.main(rest);
            case "node" -> NodeMain.main(rest);
            case "cdi" -> CdiMain.main(rest);
            default -> {
                System.err.println("error: unknown command '" + args[0] + "'");
                System.err.print(USAGE);
                System.exit(2);
            }
        }
    }
}
