package io.cpcluster.core.defaults;

import io.cpcluster.ClusterException;
import io.cpcluster.KeyFiles;
import io.cpcluster.core.tls.Keys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * TLS key pairs in files: the master's own, made at its first start and kept beside its join file
 * ({@code join.key.pem} beside {@code join.json}: the private key and its certificate, in PEM), and
 * key pairs the user gives ({@link KeyFiles}). A private key file follows the rules of
 * {@link PrivateFiles}, as {@code join.json} does: whoever reads it can pass for its owner.
 */
public final class KeyPairFiles {
    private static final String WHAT = "TLS key file";
    private static final String WHY = "it holds a private TLS key: whoever reads it can pass for its owner";

    private KeyPairFiles() {
    }

    /**
     * Where a master with this join file keeps its key pair: the join file's name with
     * {@code .key.pem} for its {@code .json} (or after it), in the same directory.
     */
    public static Path beside(Path joinFile) {
        String name = joinFile.getFileName().toString();
        String stem = name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
        return joinFile.resolveSibling(stem + ".key.pem");
    }

    /**
     * Reads the master's key pair from beside its join file, or makes one and writes it there
     * (owner-only) when there is none yet.
     *
     * @return the key pair
     * @throws ClusterException if the file is there but unsafe or unreadable, or cannot be written
     */
    public static Keys.Pair masterKeys(Path joinFile) {
        Path file = beside(joinFile);
        Path real = PrivateFiles.follow(file, WHAT);
        if (Files.exists(real)) {
            String text = readPrivate(file, real);
            return Keys.read(text, text, WHAT + " " + file.toAbsolutePath());
        }
        Keys.Pair pair = Keys.generate("cpcluster master");
        PrivateFiles.write(file, Keys.pem(pair).getBytes(StandardCharsets.US_ASCII), WHAT);
        return pair;
    }

    /**
     * Reads a key pair the user gave.
     *
     * @throws ClusterException if a file is missing, unreadable, or (the private key) unsafe
     */
    public static Keys.Pair read(KeyFiles files) {
        Path keyFile = files.privateKey();
        String key = readPrivate(keyFile, PrivateFiles.follow(keyFile, WHAT));
        String certificate;
        try {
            certificate = Files.readString(files.certificate(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ClusterException("could not read the TLS certificate " + files.certificate().toAbsolutePath()
                    + ": " + e, e);
        }
        return Keys.read(key, certificate, keyFile.toAbsolutePath() + " and " + files.certificate().toAbsolutePath());
    }

    /**
     * Reads the certificate authorities a PKI trusts (a PEM bundle; not secret).
     *
     * @throws ClusterException if the file is missing or holds no certificate
     */
    public static List<X509Certificate> authorities(Path file) {
        try {
            return Keys.certificates(Files.readString(file, StandardCharsets.US_ASCII),
                    "trusted certificates file " + file.toAbsolutePath());
        } catch (IOException e) {
            throw new ClusterException("could not read the trusted certificates file " + file.toAbsolutePath() + ": "
                    + e, e);
        }
    }

    private static String readPrivate(Path file, Path real) {
        try {
            PrivateFiles.check(file, real, WHAT, WHY);
            return Files.readString(real, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new ClusterException(WHAT + " " + file.toAbsolutePath() + " does not exist", e);
        } catch (IOException e) {
            throw new ClusterException("could not read " + WHAT + " " + file.toAbsolutePath() + ": " + e, e);
        }
    }
}
