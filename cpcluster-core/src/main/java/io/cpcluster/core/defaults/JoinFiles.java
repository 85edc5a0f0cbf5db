package io.cpcluster.core.defaults;

import io.cpcluster.ClusterException;
import io.cpcluster.JoinInfo;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes {@code join.json}: {@code {"token": "...", "ip": "127.0.0.1", "port": "55000"}}.
 * The port is written as a string, as the original did, and read as a string or a number. The
 * file is written owner-only (mode 0600) and replaced atomically, so no reader sees half of it.
 *
 * <p>Reading and writing follow {@link PrivateFiles}: a symbolic link is followed only when it
 * belongs to this process's user or to root, and a file is read only when it is a regular file of
 * that user's or root's that its group and other users have no permission on. A file written
 * through a link replaces the file the link leads to, not the link. No message here ever quotes
 * the token.
 */
public final class JoinFiles {
    private static final String WHAT = "join file";

    private JoinFiles() {
    }

    /**
     * Reads a whole join file.
     *
     * @throws ClusterException if it is missing, unreadable, not JSON, or lacks a field
     */
    public static JoinInfo read(Path file) {
        JsonObject json = parse(file);
        String token = string(json, "token", file).orElseThrow(() -> missing(file, "token"));
        String ip = string(json, "ip", file).orElseThrow(() -> missing(file, "ip"));
        int port = port(json, file);
        Optional<String> fingerprint = string(json, "fingerprint", file);
        try {
            return new JoinInfo(token, ip, port, fingerprint);
        } catch (IllegalArgumentException e) {
            throw new ClusterException("join file " + file + " is not valid: " + e.getMessage(), e);
        }
    }

    /** Reads only the token, when the file has one. */
    public static Optional<String> readToken(Path file) {
        return string(parse(file), "token", file);
    }

    /** Writes a join file with mode 0600, replacing any file there. */
    public static void write(Path file, JoinInfo join) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("token", join.token());
        fields.put("ip", join.ip());
        fields.put("port", Integer.toString(join.port()));
        join.fingerprint().ifPresent(fingerprint -> fields.put("fingerprint", fingerprint));
        writeFields(file, fields);
    }

    /** Rewrites a join file without its token, so that it lets no one in. */
    public static void removeToken(Path file) {
        JsonObject json = parse(file);
        Map<String, String> fields = new LinkedHashMap<>();
        json.forEach((key, value) -> {
            if (!key.equals("token")) {
                fields.put(key, value instanceof JsonString s ? s.getString() : value.toString());
            }
        });
        writeFields(file, fields);
    }

    private static void writeFields(Path file, Map<String, String> fields) {
        PrivateFiles.write(file, json(fields), WHAT);
    }

    private static byte[] json(Map<String, String> fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator json = Json.JSONP.createGenerator(bytes)) {
            json.writeStartObject();
            fields.forEach(json::write);
            json.writeEnd();
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private static JsonObject parse(Path file) {
        Path real = PrivateFiles.follow(file, WHAT);
        String text;
        try {
            PrivateFiles.check(file, real, WHAT, "it holds the cluster's token: whoever reads it can join, and"
                    + " whoever changes it can plant a token of theirs");
            text = Files.readString(real, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ClusterException("join file " + file.toAbsolutePath() + " does not exist: copy the join.json"
                    + " the master wrote, or point CPCLUSTER_JOIN (or NodeConfig.joinFile) at it", e);
        } catch (IOException e) {
            throw new ClusterException("could not read join file " + file.toAbsolutePath() + ": " + e, e);
        }
        try {
            return ControlCodec.parse(text.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new ClusterException("join file " + file.toAbsolutePath() + " is not a JSON object: "
                    + ControlCodec.rootMessage(e), e);
        }
    }

    private static Optional<String> string(JsonObject json, String key, Path file) {
        JsonValue value = json.get(key);
        if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
            return Optional.empty();
        }
        if (value instanceof JsonString s) {
            return Optional.of(s.getString());
        }
        throw new ClusterException("join file " + file.toAbsolutePath() + ": '" + key + "' must be a string");
    }

    private static int port(JsonObject json, Path file) {
        JsonValue value = json.get("port");
        try {
            if (value instanceof JsonNumber n) {
                return n.intValueExact();
            }
            if (value instanceof JsonString s) {
                return Integer.parseInt(s.getString().trim());
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new ClusterException("join file " + file.toAbsolutePath() + ": 'port' must be a whole number, as in"
                    + " \"port\": \"55000\" or \"port\": 55000", e);
        }
        throw missing(file, "port");
    }

    private static ClusterException missing(Path file, String key) {
        return new ClusterException("join file " + file.toAbsolutePath() + " has no '" + key
                + "': it should look like {\"token\": \"...\", \"ip\": \"127.0.0.1\", \"port\": \"55000\"}");
    }
}
