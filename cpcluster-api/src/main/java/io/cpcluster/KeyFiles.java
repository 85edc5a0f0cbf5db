package io.cpcluster;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A key pair given by the user for TLS: a PEM private key (PKCS#8 {@code PRIVATE KEY}, or an
 * {@code EC PRIVATE KEY} or {@code RSA PRIVATE KEY}) and the PEM certificate of its public key.
 * CPCluster pins the key, not the certificate: the certificate's issuer and dates are not
 * checked, and a renewed certificate for the same key keeps the same fingerprint. The key file
 * must be readable by its owner only, as {@code join.json}.
 *
 * @param privateKey the private key file
 * @param certificate the certificate file
 */
public record KeyFiles(Path privateKey, Path certificate) {
    /** Checks the fields. */
    public KeyFiles {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(certificate, "certificate");
    }
}
