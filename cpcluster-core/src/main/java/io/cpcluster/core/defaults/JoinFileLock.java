package io.cpcluster.core.defaults;

import io.cpcluster.ClusterException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A master's hold on its join file for its whole life: an exclusive lock on the file
 * {@code <join file>.lock} beside it (beside the file its links lead to, when it is a link). Two
 * masters on one join file would each keep or mint a token and overwrite each other's file, so
 * the second one fails at once instead. {@link #close()} releases the lock, and the operating
 * system does when the process ends, however it ends. The lock file stays (empty, mode 600):
 * removing it would let a third master lock a new file while a second still holds the old one.
 *
 * <p>The lock file obeys the rules of {@link PrivateFiles}, and is never a link: whoever could open
 * it could lock it and keep masters from starting.
 *
 * <p>The locks this JVM holds are also kept in a set, and a second master here is refused from
 * that set without opening the lock file: Java refuses a second lock on a file within one JVM
 * anyway, but on Linux closing any channel on a file drops the process's locks on it, so merely
 * trying would have let another process in.
 */
public final class JoinFileLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.cpcluster.master");
    private static final String WHAT = "lock file";
    private static final String WHY = ": two masters on one join file would each keep or mint a token and overwrite"
            + " each other's file";
    /** The real paths of the lock files this JVM holds. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path lockFile;
    private final FileChannel channel;
    private final AtomicBoolean released = new AtomicBoolean();

    private JoinFileLock(Path lockFile, FileChannel channel) {
        this.lockFile = lockFile;
        this.channel = channel;
    }

    /**
     * Locks a join file for a master, or fails at once.
     *
     * @throws ClusterException if another master holds it (in this process or another), or the
     *         lock file cannot be made, breaks the rules of {@link PrivateFiles}, or cannot be locked
     */
    public static JoinFileLock acquire(Path joinFile) {
        Path target = PrivateFiles.follow(joinFile, "join file");
        Path lockFile = target.resolveSibling(target.getFileName() + ".lock");
        Path key;
        try {
            Files.createDirectories(lockFile.getParent());
            create(lockFile);
            PrivateFiles.check(lockFile, lockFile, WHAT, "whoever can open it can lock it and keep masters from"
                    + " starting");
            key = lockFile.toRealPath();
        } catch (IOException e) {
            throw new ClusterException("could not make lock file " + lockFile + " for join file "
                    + joinFile.toAbsolutePath() + ": " + e + "; check that its directory is writable", e);
        }
        if (!HELD.add(key)) {
            throw new ClusterException("another master in this process holds join file " + joinFile.toAbsolutePath()
                    + ". Close that master first, or give this one another join file (MasterConfig.joinFile)" + WHY);
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(key, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            HELD.remove(key);
            throw new ClusterException("could not open lock file " + key + ": " + e, e);
        }
        ClusterException failure;
        try {
            if (channel.tryLock() != null) {
                return new JoinFileLock(key, channel);
            }
            failure = new ClusterException("another master holds join file " + joinFile.toAbsolutePath()
                    + ": another process has locked " + key + ". Stop that master first, or give this one another"
                    + " join file (MasterConfig.joinFile, or --join-file for ./cpcluster master)" + WHY);
        } catch (OverlappingFileLockException e) {
            // Locked in this JVM by something other than a master: held all the same.
            failure = new ClusterException("something else in this process has locked " + key + ", the lock file of"
                    + " join file " + joinFile.toAbsolutePath() + "; give this master another join file" + WHY, e);
        } catch (IOException e) {
            failure = new ClusterException("could not lock " + key + ", the lock file of join file "
                    + joinFile.toAbsolutePath() + ": " + e, e);
        }
        try {
            channel.close();
        } catch (IOException suppressed) {
            failure.addSuppressed(suppressed);
        }
        HELD.remove(key);
        throw failure;
    }

    private static void create(Path lockFile) throws IOException {
        try {
            if (PrivateFiles.posix(lockFile)) {
                Files.createFile(lockFile, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(lockFile);
            }
        } catch (FileAlreadyExistsException e) {
            // An earlier master's: a lock is taken on an open file, not by making one.
        }
    }

    /** Releases the lock; the lock file stays. Idempotent. */
    @Override
    public void close() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "closing lock file " + lockFile + " failed", e);
        } finally {
            HELD.remove(lockFile);
        }
    }

    @Override
    public String toString() {
        return "JoinFileLock[" + lockFile + (released.get() ? ", released]" : "]");
    }
}
