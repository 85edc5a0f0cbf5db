package io.cpcluster.cdi;

import io.cpcluster.HandlerThreads;
import io.cpcluster.JoinInfo;
import io.cpcluster.MembershipView;
import io.cpcluster.KeyFiles;
import io.cpcluster.MasterConfig;
import io.cpcluster.NodeConfig;
import io.cpcluster.PortRange;
import io.cpcluster.ReaderThreads;
import io.cpcluster.Security;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The {@code cpcluster.*} configuration of one CDI application, read from (in this order of
 * precedence) the extension's own map, system properties, environment variables and
 * {@code META-INF/cpcluster.properties} on the class path. Values that cannot be read, and keys
 * nobody knows, become problems rather than exceptions, so that the container can report them
 * all at once.
 */
final class ClusterSettings {
    static final String PREFIX = "cpcluster.";
    static final String FILE = "META-INF/cpcluster.properties";

    /** Every key, with what it does; README.md documents the same keys with their defaults. */
    static final Map<String, String> KEYS = keys(
            "cpcluster.masters", "the masters to join: host:port, comma-separated",
            "cpcluster.token", "the token to prove",
            "cpcluster.join", "the join.json to read the token and master address from",
            "cpcluster.transport", "how bytes move, for the node and the master",
            "cpcluster.security", "tls (the default) or plain, for the node and the master",
            "cpcluster.master-key", "the fingerprint of the master's TLS key, sha256:...",
            "cpcluster.trusted-certificates", "a PEM file of the CAs a PKI trusts (node and master)",
            "cpcluster.node.key-file", "the node's PEM private key (with node.certificate-file)",
            "cpcluster.node.certificate-file", "the node's PEM certificate (with node.key-file)",
            "cpcluster.master.key-file", "the master's PEM private key (with master.certificate-file)",
            "cpcluster.master.certificate-file", "the master's PEM certificate (with master.key-file)",
            "cpcluster.node.name", "the node's name",
            "cpcluster.node.bind-host", "where the node listens for links",
            "cpcluster.node.advertised-host", "where other nodes dial this node",
            "cpcluster.node.link-readers", "platform or virtual",
            "cpcluster.node.handler-threads", "virtual or serial",
            "cpcluster.node.connect-timeout", "TCP connect and handshake timeout",
            "cpcluster.node.link-timeout", "how long connect waits for a link",
            "cpcluster.node.call-timeout", "how long a call or submit may take unless it says",
            "cpcluster.node.max-payload-size", "largest input, result or message accepted on a link, in bytes",
            "cpcluster.node.max-calls-in-flight", "per link, the most calls waited for and run at once",
            "cpcluster.node.heartbeat", "interval/timeout of the node's heartbeat to the master",
            "cpcluster.node.link-heartbeat", "interval/timeout of keep-alives on each link",
            "cpcluster.node.reconnect-delay", "first/longest wait between attempts to reach a lost master",
            "cpcluster.node.close-timeout", "how long closing lets calls in flight finish",
            "cpcluster.node.write-timeout", "how long a write may make no progress before its link closes",
            "cpcluster.node.max-call-bytes-in-flight", "per link, bytes of the peer's call inputs held at once",
            "cpcluster.node.max-queued-message-bytes", "per link, bytes of messages not yet consumed",
            "cpcluster.node.max-link-handshakes", "connections to link ports in their handshake at once",
            "cpcluster.node.membership", "which nodes the master keeps this one told about: all, none, or"
                    + " tasks:a,b",
            "cpcluster.master.enabled", "run a master in this application",
            "cpcluster.master.host", "where the master listens",
            "cpcluster.master.port", "the master's port",
            "cpcluster.master.port-range", "link ports, per host",
            "cpcluster.master.advertised-host", "the address join.json tells nodes to dial",
            "cpcluster.master.join-file", "where the master writes join.json",
            "cpcluster.master.auth-timeout", "time a connection has to authenticate",
            "cpcluster.master.ticket-timeout", "how long an offered link waits for its initiator",
            "cpcluster.master.heartbeat-timeout", "how long a silent node stays before the master drops it",
            "cpcluster.master.rejoin-grace", "after a restart, how long the master waits for nodes to rejoin",
            "cpcluster.master.auth-failure-delay", "after a wrong proof, how long its address's proofs go unchecked",
            "cpcluster.master.max-unauthenticated", "connections authenticating at once, in all",
            "cpcluster.master.max-unauthenticated-per-address", "connections authenticating at once from one address",
            "cpcluster.master.write-timeout", "how long a write to a node may make no progress before it is dropped",
            "cpcluster.master.max-outbox-bytes", "bytes of messages waiting to be written to one node",
            "cpcluster.master.max-link-requests-per-node", "link requests one node may have unanswered",
            "cpcluster.master.max-links-per-node", "links one node may hold that it opened",
            "cpcluster.master.max-tasks-per-node", "task names one node may serve",
            "cpcluster.master.task-update-interval", "how often at most a node's new task list is announced",
            "cpcluster.master.membership-interval", "how long membership news is gathered before it is told");

    /** A value and where it came from, for messages. */
    private record Value(String text, String source) {
    }

    private final Map<String, Value> values = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    private ClusterSettings() {
    }

    /**
     * Reads the configuration.
     *
     * @param overrides the extension's own map; wins over everything
     * @param system the system properties
     * @param environment the environment variables
     * @param loader where to look for {@value #FILE}
     */
    static ClusterSettings load(Map<String, String> overrides, Properties system, Map<String, String> environment,
                                ClassLoader loader) {
        ClusterSettings settings = new ClusterSettings();
        settings.takeAll(overrides, "the ClusterExtension's map");
        Map<String, String> properties = new LinkedHashMap<>();
        system.stringPropertyNames().forEach(key -> properties.put(key, system.getProperty(key)));
        settings.takeAll(properties, "system property");
        for (String key : KEYS.keySet()) {
            String variable = variable(key);
            String text = environment.get(variable);
            if (text != null && !text.isBlank()) {
                settings.values.putIfAbsent(key, new Value(text.strip(), "environment variable " + variable));
            }
        }
        for (URL file : resources(loader, settings.problems)) {
            Properties loaded = new Properties();
            try (InputStream in = file.openStream()) {
                loaded.load(in);
            } catch (IOException | IllegalArgumentException e) {
                settings.problems.add("could not read " + file + ": " + e.getMessage());
                continue;
            }
            Map<String, String> fromFile = new LinkedHashMap<>();
            loaded.stringPropertyNames().forEach(key -> fromFile.put(key, loaded.getProperty(key)));
            settings.takeAll(fromFile, file.toString());
        }
        return settings;
    }

    /** The environment variable that holds a key: {@code cpcluster.node.name} is {@code CPCLUSTER_NODE_NAME}. */
    static String variable(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private void takeAll(Map<String, String> source, String where) {
        source.forEach((key, text) -> {
            if (!key.startsWith(PREFIX)) {
                return;
            }
            if (!KEYS.containsKey(key)) {
                problems.add("unknown configuration key " + key + " (" + where + "); the keys are: "
                        + String.join(", ", KEYS.keySet()));
                return;
            }
            if (text != null && !text.isBlank()) {
                values.putIfAbsent(key, new Value(text.strip(), where));
            }
        });
    }

    private static List<URL> resources(ClassLoader loader, List<String> problems) {
        try {
            Enumeration<URL> found = loader.getResources(FILE);
            return Collections.list(found);
        } catch (IOException e) {
            problems.add("could not look for " + FILE + " on the class path: " + e.getMessage());
            return List.of();
        }
    }

    /** Problems met so far: unreadable files, unknown keys, values that do not parse. */
    List<String> problems() {
        return List.copyOf(problems);
    }

    Optional<String> text(String key) {
        Value value = values.get(key);
        return value == null ? Optional.empty() : Optional.of(value.text());
    }

    boolean masterEnabled() {
        return parsed("cpcluster.master.enabled", ClusterSettings::bool, "true or false").orElse(false);
    }

    /** The master's configuration. */
    MasterConfig.Builder master() {
        MasterConfig.Builder master = MasterConfig.builder();
        set("cpcluster.transport", Function.identity(), "a transport name such as tcp", master::transport);
        set("cpcluster.security", ClusterSettings::security, "tls or plain", master::security);
        set("cpcluster.trusted-certificates", Path::of, "a file path", master::trustedCertificates);
        keyFiles("cpcluster.master.key-file", "cpcluster.master.certificate-file", master::keyFiles);
        set("cpcluster.master.host", Function.identity(), "a host name or address", master::host);
        set("cpcluster.master.port", ClusterSettings::port, "a port from 0 to 65535", master::port);
        set("cpcluster.master.port-range", PortRange::parse, "a range such as 55001-55999", master::portRange);
        set("cpcluster.master.advertised-host", Function.identity(), "a host name or address",
                master::advertisedHost);
        set("cpcluster.master.join-file", Path::of, "a file path", master::joinFile);
        set("cpcluster.master.auth-timeout", ClusterSettings::duration, DURATION, master::authTimeout);
        set("cpcluster.master.ticket-timeout", ClusterSettings::duration, DURATION, master::ticketTimeout);
        set("cpcluster.master.heartbeat-timeout", ClusterSettings::duration, DURATION, master::heartbeatTimeout);
        set("cpcluster.master.rejoin-grace", ClusterSettings::duration, DURATION, master::rejoinGrace);
        set("cpcluster.master.auth-failure-delay", ClusterSettings::duration, DURATION, master::authFailureDelay);
        set("cpcluster.master.max-unauthenticated", Integer::parseInt, COUNT, master::maxUnauthenticated);
        set("cpcluster.master.max-unauthenticated-per-address", Integer::parseInt, COUNT,
                master::maxUnauthenticatedPerAddress);
        set("cpcluster.master.write-timeout", ClusterSettings::duration, DURATION, master::writeTimeout);
        set("cpcluster.master.max-outbox-bytes", Integer::parseInt, "a number of bytes, at least 65536",
                master::maxOutboxBytes);
        set("cpcluster.master.max-link-requests-per-node", Integer::parseInt, COUNT, master::maxLinkRequestsPerNode);
        set("cpcluster.master.max-links-per-node", Integer::parseInt, COUNT, master::maxLinksPerNode);
        set("cpcluster.master.max-tasks-per-node", Integer::parseInt, COUNT, master::maxTasksPerNode);
        set("cpcluster.master.task-update-interval", ClusterSettings::duration, DURATION,
                master::taskUpdateInterval);
        set("cpcluster.master.membership-interval", ClusterSettings::duration, DURATION,
                master::membershipInterval);
        return master;
    }

    /**
     * The node's configuration. With a master in this application and neither a token nor masters
     * configured, the node joins that master.
     */
    NodeConfig.Builder node(Optional<JoinInfo> localMaster) {
        NodeConfig.Builder node = NodeConfig.builder();
        set("cpcluster.transport", Function.identity(), "a transport name such as tcp", node::transport);
        set("cpcluster.security", ClusterSettings::security, "tls or plain", node::security);
        set("cpcluster.master-key", JoinInfo::checkFingerprint, "sha256: and 64 hex digits", node::masterKey);
        set("cpcluster.trusted-certificates", Path::of, "a file path", node::trustedCertificates);
        keyFiles("cpcluster.node.key-file", "cpcluster.node.certificate-file", node::keyFiles);
        set("cpcluster.node.name", Function.identity(), "a name of 1 to 128 characters", node::name);
        set("cpcluster.token", Function.identity(), "a strong token (see TokenStore.requireStrong)", node::token);
        set("cpcluster.join", Path::of, "a file path", node::joinFile);
        set("cpcluster.masters", ClusterSettings::masters, "host:port, comma-separated", list -> list.forEach(
                address -> node.master(address.host(), address.port())));
        set("cpcluster.node.bind-host", Function.identity(), "a host name or address", node::bindHost);
        set("cpcluster.node.advertised-host", Function.identity(), "a host name or address", node::advertisedHost);
        set("cpcluster.node.link-readers", ClusterSettings::readers, "platform or virtual", node::linkReaders);
        set("cpcluster.node.handler-threads", ClusterSettings::handlers, "virtual or serial", node::handlerThreads);
        set("cpcluster.node.connect-timeout", ClusterSettings::duration, DURATION, node::connectTimeout);
        set("cpcluster.node.link-timeout", ClusterSettings::duration, DURATION, node::linkTimeout);
        set("cpcluster.node.call-timeout", ClusterSettings::duration, DURATION, node::callTimeout);
        set("cpcluster.node.max-payload-size", Integer::parseInt, "a number of bytes, 65536 to 1073741824",
                node::maxPayloadSize);
        set("cpcluster.node.max-calls-in-flight", Integer::parseInt, "a number of calls, at least 1",
                node::maxCallsInFlight);
        set("cpcluster.node.heartbeat", ClusterSettings::durations, DURATIONS,
                pair -> node.heartbeat(pair.first(), pair.second()));
        set("cpcluster.node.link-heartbeat", ClusterSettings::durations, DURATIONS,
                pair -> node.linkHeartbeat(pair.first(), pair.second()));
        set("cpcluster.node.reconnect-delay", ClusterSettings::durations, DURATIONS,
                pair -> node.reconnectDelay(pair.first(), pair.second()));
        set("cpcluster.node.close-timeout", ClusterSettings::duration, DURATION, node::closeTimeout);
        set("cpcluster.node.write-timeout", ClusterSettings::duration, DURATION, node::writeTimeout);
        set("cpcluster.node.max-call-bytes-in-flight", Long::parseLong, "a number of bytes, at least max-payload-size",
                node::maxCallBytesInFlight);
        set("cpcluster.node.max-queued-message-bytes", Long::parseLong, "a number of bytes, at least max-payload-size",
                node::maxQueuedMessageBytes);
        set("cpcluster.node.max-link-handshakes", Integer::parseInt, COUNT, node::maxLinkHandshakes);
        set("cpcluster.node.membership", ClusterSettings::membership, "all, none, or tasks: and task names,"
                + " comma-separated", node::membership);
        if (localMaster.isPresent() && text("cpcluster.token").isEmpty() && text("cpcluster.masters").isEmpty()) {
            node.join(localMaster.get());
        }
        return node;
    }

    /**
     * Whether the node has some way to find its token: a configured token, a master in this
     * application, or a join file that exists ({@code cpcluster.join}, else {@code ./join.json}).
     */
    boolean hasTokenSource(boolean localMaster) {
        if (localMaster || text("cpcluster.token").isPresent()) {
            return true;
        }
        return Files.exists(Path.of(text("cpcluster.join").orElse("join.json")));
    }

    /** A membership view: {@code all}, {@code none}, or {@code tasks:} and task names, comma-separated. */
    private static MembershipView membership(String text) {
        String view = text.strip();
        if (view.equalsIgnoreCase("all")) {
            return MembershipView.all();
        }
        if (view.equalsIgnoreCase("none")) {
            return MembershipView.none();
        }
        if (view.regionMatches(true, 0, "tasks:", 0, "tasks:".length())) {
            return MembershipView.serving(java.util.Arrays.stream(view.substring("tasks:".length()).split(","))
                    .map(String::strip).toList());
        }
        throw new IllegalArgumentException("'" + text + "' is no view");
    }

    private static final String DURATION = "a duration such as 500ms, 5s, 2m or PT5S";
    private static final String COUNT = "a whole number, at least 1";
    private static final String DURATIONS = "two durations such as 1s/5s";

    private <T> void set(String key, Function<String, T> parse, String expected, Consumer<T> setter) {
        parsed(key, parse, expected).ifPresent(value -> {
            try {
                setter.accept(value);
            } catch (IllegalArgumentException e) {
                problems.add(describe(key) + ": " + e.getMessage());
            }
        });
    }

    /** A key pair given as two files: both keys, or neither. */
    private void keyFiles(String keyKey, String certificateKey, Consumer<KeyFiles> setter) {
        Optional<Path> key = parsed(keyKey, Path::of, "a file path");
        Optional<Path> certificate = parsed(certificateKey, Path::of, "a file path");
        if (key.isPresent() && certificate.isPresent()) {
            setter.accept(new KeyFiles(key.get(), certificate.get()));
        } else if (key.isPresent() != certificate.isPresent()) {
            String given = key.isPresent() ? keyKey : certificateKey;
            String missing = key.isPresent() ? certificateKey : keyKey;
            problems.add(describe(given) + " needs " + missing + " too: a key pair is a private key and its"
                    + " certificate (they may name the same PEM file)");
        }
    }

    private <T> Optional<T> parsed(String key, Function<String, T> parse, String expected) {
        Value value = values.get(key);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse.apply(value.text()));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            problems.add(describe(key) + " must be " + expected);
            return Optional.empty();
        }
    }

    /** Names a key's value and where it came from, without showing the token. */
    private String describe(String key) {
        Value value = values.get(key);
        String shown = key.equals("cpcluster.token") ? "(hidden)" : "'" + value.text() + "'";
        return key + " = " + shown + " (" + value.source() + ")";
    }

    /** A master's address, as configured. */
    record Address(String host, int port) {
    }

    static List<Address> masters(String text) {
        List<Address> addresses = new ArrayList<>();
        for (String part : text.split(",")) {
            String address = part.strip();
            int colon = address.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(address);
            }
            addresses.add(new Address(address.substring(0, colon), port(address.substring(colon + 1))));
        }
        return addresses;
    }

    /** Two durations, such as an interval and a timeout. */
    record Durations(Duration first, Duration second) {
    }

    /** Reads two durations written {@code first/second}, such as {@code 1s/5s}. */
    static Durations durations(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(text);
        }
        return new Durations(duration(text.substring(0, slash)), duration(text.substring(slash + 1)));
    }

    static int port(String text) {
        int port = Integer.parseInt(text.strip());
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(text);
        }
        return port;
    }

    static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(text);
        };
    }

    static Security security(String text) {
        return Security.valueOf(text.strip().toUpperCase(Locale.ROOT));
    }

    static ReaderThreads readers(String text) {
        return ReaderThreads.valueOf(text.strip().toUpperCase(Locale.ROOT));
    }

    static HandlerThreads handlers(String text) {
        return HandlerThreads.valueOf(text.strip().toUpperCase(Locale.ROOT));
    }

    /** {@code 500ms}, {@code 5s}, {@code 2m}, or ISO-8601 such as {@code PT5S}. */
    static Duration duration(String text) {
        String value = text.strip().toLowerCase(Locale.ROOT);
        if (value.startsWith("pt")) {
            return Duration.parse(value);
        }
        if (value.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2).strip()));
        }
        if (value.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1).strip()));
        }
        if (value.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1).strip()));
        }
        throw new IllegalArgumentException(text);
    }

    private static Map<String, String> keys(String... pairs) {
        Map<String, String> keys = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            keys.put(pairs[i], pairs[i + 1]);
        }
        return Collections.unmodifiableMap(keys);
    }
}
