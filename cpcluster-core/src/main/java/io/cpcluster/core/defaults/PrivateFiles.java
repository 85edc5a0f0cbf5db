package io.cpcluster.core.defaults;

import io.cpcluster.ClusterException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules for files that hold a secret ({@code join.json}) or guard one (its lock file), as ssh
 * has them for key files: a trusted file belongs to the user this process runs as, or to root,
 * and neither its group nor other users have any permission on it. A symbolic link is followed
 * only when it belongs to that user or to root (whoever owns a link decides where it leads), and
 * the file it leads to must pass the same checks.
 *
 * <p>On a file system without POSIX attributes (no {@code posix} view, as on Windows), there is
 * no owner or mode to check: the checks are skipped and links are left to the file system.
 */
final class PrivateFiles {
    /** As many links as Linux follows before it reports a loop. */
    private static final int MAX_LINKS = 40;
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9/._+:@%-]+");

    private PrivateFiles() {
    }

    /** Whether the file system has owners and modes to check. */
    static boolean posix(Path file) {
        return file.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Follows {@code file}'s symbolic links, each of which must belong to this process's user or
     * to root, and returns the path they lead to: {@code file} itself when it is no link. The
     * result may not exist yet (a link made before the file).
     *
     * @param what what the file is, for messages: {@code "join file"}
     * @throws ClusterException if a link belongs to someone else, or links lead on too far
     */
    static Path follow(Path file, String what) {
        if (!posix(file)) {
            return file.toAbsolutePath();
        }
        Path current = file.toAbsolutePath();
        try {
            for (int links = 0; links <= MAX_LINKS; links++) {
                PosixFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(current, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    return current;
                }
                if (!attributes.isSymbolicLink()) {
                    return current;
                }
                UserPrincipal owner = attributes.owner();
                if (!trusted(owner, current)) {
                    String link = links == 0 ? " is a symbolic link" : " leads through the symbolic link " + current
                            + ",";
                    throw new ClusterException(what + " " + file.toAbsolutePath() + link + " owned by "
                            + owner.getName() + "; only links that belong to the user this process runs as ("
                            + currentUser(current).getName() + ") or to root are followed, since whoever owns a"
                            + " link decides where it leads. Remove the link, and put the " + what
                            + " itself there, or a link of your own");
                }
                // Not normalized: "dir/.." must mean what it means to the file system when dir is a link.
                current = current.resolveSibling(Files.readSymbolicLink(current));
            }
        } catch (IOException e) {
            throw new ClusterException("could not follow " + what + " " + file.toAbsolutePath() + ": " + e, e);
        }
        throw new ClusterException(what + " " + file.toAbsolutePath() + " leads through more than " + MAX_LINKS
                + " symbolic links (a loop?); point the configuration at the file itself");
    }

    /**
     * Checks the file {@code real} (the end of {@code given}'s links, see {@link #follow}): a
     * regular file that belongs to this process's user or to root, on which its group and other
     * users have no permission.
     *
     * @param what what the file is, for messages: {@code "join file"}
     * @param why why its mode matters, for messages
     * @throws NoSuchFileException if it does not exist
     * @throws IOException if its attributes cannot be read
     * @throws ClusterException if it breaks a rule; the message says how to mend it
     */
    static void check(Path given, Path real, String what, String why) throws IOException {
        if (!posix(real)) {
            return;
        }
        PosixFileAttributes attributes = Files.readAttributes(real, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        String name = named(given, real);
        if (!attributes.isRegularFile()) {
            throw new ClusterException(what + " " + name + " is not a regular file but a "
                    + (attributes.isSymbolicLink() ? "symbolic link" : attributes.isDirectory() ? "directory"
                            : "device, pipe or socket") + "; remove it, or point the configuration at a file");
        }
        UserPrincipal owner = attributes.owner();
        if (!trusted(owner, real)) {
            throw new ClusterException(what + " " + name + " belongs to " + owner.getName() + ", but it must belong"
                    + " to the user this process runs as (" + currentUser(real).getName() + ") or to root, as ssh"
                    + " requires of key files: another user could have planted it, or could change it. Remove it,"
                    + " or replace it with a copy of your own with mode 600");
        }
        Set<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
        loose.addAll(attributes.permissions());
        loose.retainAll(GROUP_OR_OTHERS);
        if (!loose.isEmpty()) {
            throw new ClusterException(what + " " + name + " has mode "
                    + PosixFilePermissions.toString(attributes.permissions()) + ", so " + risk(loose) + "; " + why
                    + ". It must be private to its owner, as ssh requires of key files: run `chmod 600 "
                    + shell(real) + "`");
        }
    }

    private static String risk(Set<PosixFilePermission> loose) {
        boolean read = loose.contains(PosixFilePermission.GROUP_READ)
                || loose.contains(PosixFilePermission.OTHERS_READ);
        boolean write = loose.contains(PosixFilePermission.GROUP_WRITE)
                || loose.contains(PosixFilePermission.OTHERS_WRITE);
        return read && write ? "other users can read and change it" : read ? "other users can read it"
                : write ? "other users can change it" : "other users have permissions on it";
    }

    private static boolean trusted(UserPrincipal owner, Path file) throws IOException {
        if (owner.equals(currentUser(file))) {
            return true;
        }
        try {
            // "0" is root by number, whatever its name.
            return owner.equals(file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("0"));
        } catch (UserPrincipalNotFoundException e) {
            return false;
        }
    }

    /**
     * The user this process runs as: on Linux the owner of {@code /proc/self} (the effective user,
     * named or not); elsewhere the user {@code user.name} names.
     */
    private static UserPrincipal currentUser(Path file) throws IOException {
        FileSystem fs = file.getFileSystem();
        if (fs == FileSystems.getDefault()) {
            Path self = fs.getPath("/proc/self");
            if (Files.exists(self)) {
                return Files.getOwner(self);
            }
        }
        UserPrincipalLookupService users = fs.getUserPrincipalLookupService();
        String name = System.getProperty("user.name");
        try {
            return users.lookupPrincipalByName(name);
        } catch (UserPrincipalNotFoundException e) {
            throw new ClusterException("could not tell which user this process runs as (user.name is '" + name
                    + "', which names no user), so it cannot check who owns " + file + "; start Java with"
                    + " -Duser.name=<your user name>", e);
        }
    }

    /** The path as configured, and where its links lead when that is elsewhere. */
    private static String named(Path given, Path real) {
        Path absolute = given.toAbsolutePath();
        return absolute.equals(real) ? absolute.toString() : absolute + " (a link to " + real + ")";
    }

    /** The path as a shell word: quoted when it holds anything a shell would read otherwise. */
    private static String shell(Path path) {
        String text = path.toAbsolutePath().toString();
        return SHELL_SAFE.matcher(text).matches() ? text : "'" + text.replace("'", "'\\''") + "'";
    }

    /**
     * Writes a private file whole: to a temporary file made owner-only (on a POSIX file system)
     * in the same directory, then moved over {@code file}'s target, so that no one ever sees it
     * half written or with a looser mode.
     *
     * @param what what the file is, for messages: {@code "join file"}
     * @throws ClusterException if it cannot be written
     */
    static void write(Path file, byte[] bytes, String what) {
        Path target = follow(file, what);
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
            Path temp = posix(target)
                    ? Files.createTempFile(dir, ".cpcluster-", ".tmp",
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                    : Files.createTempFile(dir, ".cpcluster-", ".tmp");
            try {
                Files.write(temp, bytes);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new ClusterException("could not write " + what + " " + target + ": " + e
                    + "; check that the directory exists and is writable", e);
        }
    }
}
