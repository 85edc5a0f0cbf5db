package io.cpcluster.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux's {@code /proc} says about a process: CPU time from {@code /proc/<pid>/stat}
 * ({@code utime + stime}, every thread's, counted in clock ticks), resident memory from
 * {@code /proc/<pid>/status} ({@code VmRSS}), and the open-file limit from
 * {@code /proc/<pid>/limits}; and how busy the whole machine was, from {@code /proc/stat}.
 */
final class Proc {
    /** Clock ticks per second ({@code getconf CLK_TCK}): 100 on every Linux this runs on. */
    static final int CLOCK_TICKS = clockTicks();

    private Proc() {
    }

    private static int clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).strip();
            return getconf.waitFor() == 0 ? Integer.parseInt(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    /** This process's id. */
    static long self() {
        return ProcessHandle.current().pid();
    }

    /** The CPU time a process used so far, user and system, in seconds. */
    static double cpuSeconds(long pid) {
        long[] ticks = cpuTicks(pid);
        return (double) (ticks[0] + ticks[1]) / CLOCK_TICKS;
    }

    /** The CPU time a process spent in the kernel so far (system calls, its share of interrupts), in seconds. */
    static double kernelSeconds(long pid) {
        return (double) cpuTicks(pid)[1] / CLOCK_TICKS;
    }

    /** A process's {@code utime} and {@code stime}, in clock ticks. */
    private static long[] cpuTicks(long pid) {
        String stat = read(pid, "stat");
        // The command name, in parentheses, may hold spaces: count fields after its closing one.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Fields 14 and 15 of the line (utime, stime) are the 12th and 13th after the name.
        return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
    }

    /**
     * The CPU time the whole machine spent busy so far, over all its cores, in seconds
     * ({@code /proc/stat}: user, nice, system, irq, softirq and steal): less this process's and the
     * master's, what other processes took meanwhile.
     */
    static double machineBusySeconds() {
        try {
            String first = Files.readString(Path.of("/proc/stat")).lines().findFirst().orElseThrow();
            String[] f = first.strip().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(f[i]);
            }
            return (double) ticks / CLOCK_TICKS;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/stat (is this Linux?)", e);
        }
    }

    /** A process's resident memory, in bytes. */
    static long rssBytes(long pid) {
        return kilobytes(read(pid, "status"), "VmRSS:") * 1024;
    }

    /** A process's soft limit on open files; -1 when unlimited. */
    static long openFileLimit(long pid) {
        for (String line : read(pid, "limits").split("\n")) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).strip().split("\\s+")[0];
                return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
            }
        }
        throw new IllegalStateException("/proc/" + pid + "/limits names no limit on open files");
    }

    private static long kilobytes(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).strip().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no " + key + " in /proc status");
    }

    private static String read(long pid, String file) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/" + pid + "/" + file + " (is this Linux, and is the"
                    + " process still running?)", e);
        }
    }
}
