package io.cpcluster;

import io.cpcluster.spi.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link ClusterNode} runs. Build one with {@link #builder()}; every setting has a
 * default:
 * {@snippet :
 * NodeConfig config = NodeConfig.builder()
 *         .name("worker-1")
 *         .joinFile(Path.of("join.json"))                      // token and master address
 *         .handle("square", Integer.class, x -> x * x)         // a task this node serves
 *         .build();
 * }
 *
 * <p>Where the node finds its master and token, when the configuration does not say:
 * <ol>
 *   <li>the token: {@link #token()}, else the {@code CPCLUSTER_TOKEN} environment variable,
 *       else the join file;</li>
 *   <li>the master: {@link #masters()}, else the join file;</li>
 *   <li>the master's key fingerprint (with {@link Security#TLS}): {@link #masterKey()}, else the
 *       {@code CPCLUSTER_MASTER_KEY} environment variable, else the join file;</li>
 *   <li>the join file: {@link #joinFile()}, else the file the {@code CPCLUSTER_JOIN}
 *       environment variable names, else {@code join.json} in the working directory.</li>
 * </ol>
 *
 * <p>{@link #toString()} never shows the token.
 *
 * @param name the node's name, for people; by default {@code node-} and six random hex digits
 * @param masters the masters' addresses, tried in order; by default read from the join file
 * @param token the token to prove; see above
 * @param joinFile the {@code join.json} to read; see above
 * @param bindHost where this node listens for the links other nodes open to it; by default the
 *        local address of its connection to the master
 * @param advertisedHost the address other nodes dial to reach this node (set it behind NAT or in
 *        containers); by default the address the master sees this node connect from
 * @param transport how bytes move; default {@code tcp}
 * @param security TLS with pinned keys (the default), or plain TCP when asked for by name
 * @param keyFiles the node's own TLS key pair; by default it makes a new one each time it starts
 * @param trustedCertificates a PEM file of the certificate authorities a PKI trusts: with it, the
 *        master's and the peers' certificates must chain to one of them, and a node that pins no
 *        master key takes a master whose certificate names the host it dials (as HTTPS does);
 *        none by default (keys are pinned, certificates not checked)
 * @param masterKey the fingerprint of the master's key; by default from the join file
 * @param linkReaders the kind of thread that reads each direct link; default {@link ReaderThreads#PLATFORM}
 * @param handlerThreads where the handlers of peers' calls run; default {@link HandlerThreads#VIRTUAL}
 * @param connectTimeout how long to wait for a TCP connection to the master or a peer; default 5 s
 * @param linkTimeout how long {@link ClusterNode#connect(NodeId)} waits for a link in all; default 10 s
 * @param callTimeout how long a call over a link, or a submit, may take when its options do not say;
 *        {@link CallOptions#NO_TIMEOUT} turns the default deadline off; default 60 s
 * @param maxPayloadSize the largest task input, result or message this node accepts on a direct
 *        link, in bytes (frame headers and task names not counted); peers never send more, and
 *        this node refuses to send a peer more than it accepts; default 16 MiB
 * @param maxCallsInFlight on each link, the most of the peer's calls this node runs at once (it tells
 *        the peer, which keeps within it), and the most calls this node waits for at once (a call
 *        beyond waits for room, see {@link DirectLink#call(String, Object, Class, CallOptions)});
 *        default 1024
 * @param heartbeatInterval how often the node tells the master it is alive; default 1 s
 * @param heartbeatTimeout how long the node goes without a word from the master before it takes
 *        the master for lost and reconnects; default 5 s
 * @param linkHeartbeatInterval how long a link may be idle before this node sends a keep-alive
 *        on it; default 1 s
 * @param linkHeartbeatTimeout how long a link may go without a frame from the peer before this
 *        node takes the peer for dead and closes the link; default 5 s
 * @param reconnectDelay the first wait before reconnecting to a lost master; it doubles (with
 *        jitter) up to {@code reconnectMaxDelay}; default 100 ms
 * @param reconnectMaxDelay the longest wait between reconnection attempts; default 5 s
 * @param closeTimeout how long {@link ClusterNode#close()} lets calls in flight finish; default 5 s
 * @param writeTimeout how long a write to a peer or to the master may go without progress (the
 *        other end reads nothing) before this node closes that link, failing its calls, or takes
 *        the master for lost; default 10 s
 * @param maxCallBytesInFlight on each link, the most bytes of the peer's call inputs this node
 *        holds at once (from a call's arrival until its answer's turn to be written comes); a
 *        call past it is refused at once with a {@link LinkOverloadedException}; by default 64 MiB, or
 *        {@code maxPayloadSize} when that is larger
 * @param maxQueuedMessageBytes on each link, the most bytes of messages received and not yet
 *        consumed; past it the link stops reading until the application catches up; by default
 *        64 MiB, or {@code maxPayloadSize} when that is larger
 * @param maxLinkHandshakes the most connections to this node's link ports that may be in their
 *        handshake at once (not yet proved a ticket), in all; from one address, an eighth of
 *        that (at least 1); a connection past either is closed at once; default 64
 * @param membership which other nodes the master keeps this node told about; default
 *        {@link MembershipView#all()}
 * @param tasks the tasks this node serves from the start, by name
 */
public record NodeConfig(String name, List<InetSocketAddress> masters, Optional<String> token,
                         Optional<Path> joinFile, Optional<String> bindHost, Optional<String> advertisedHost,
                         Transport transport, Security security, Optional<KeyFiles> keyFiles,
                         Optional<Path> trustedCertificates,
                         Optional<String> masterKey, ReaderThreads linkReaders, HandlerThreads handlerThreads,
                         Duration connectTimeout, Duration linkTimeout, Duration callTimeout, int maxPayloadSize,
                         int maxCallsInFlight,
                         Duration heartbeatInterval, Duration heartbeatTimeout, Duration linkHeartbeatInterval,
                         Duration linkHeartbeatTimeout, Duration reconnectDelay, Duration reconnectMaxDelay,
                         Duration closeTimeout, Duration writeTimeout, long maxCallBytesInFlight,
                         long maxQueuedMessageBytes, int maxLinkHandshakes, MembershipView membership,
                         Map<String, TaskBinding<?, ?>> tasks) {
    /** The default largest payload on a direct link, 16 MiB. */
    public static final int DEFAULT_MAX_PAYLOAD_SIZE = 16 * 1024 * 1024;
    /** The smallest {@link #maxPayloadSize()} allowed, 64 KiB. */
    public static final int MIN_PAYLOAD_SIZE = 64 * 1024;
    /** The largest {@link #maxPayloadSize()} allowed, 1 GiB. */
    public static final int MAX_PAYLOAD_SIZE = 1 << 30;
    /** The longest node name, in characters. */
    public static final int MAX_NAME_LENGTH = 128;
    /** The default most bytes of a peer's call inputs held per link, 64 MiB (or the payload limit, if larger). */
    public static final long DEFAULT_MAX_CALL_BYTES_IN_FLIGHT = 64L * 1024 * 1024;
    /** The default most bytes of unconsumed messages held per link, 64 MiB (or the payload limit, if larger). */
    public static final long DEFAULT_MAX_QUEUED_MESSAGE_BYTES = 64L * 1024 * 1024;
    /** The default most connections to link ports in their handshake at once, 64. */
    public static final int DEFAULT_MAX_LINK_HANDSHAKES = 64;

    /**
     * Checks the settings and makes unmodifiable copies of the lists and the map.
     *
     * @throws IllegalArgumentException if the name is empty or too long, a duration is not
     *         positive, a size is out of range, or the token is not strong
     */
    public NodeConfig {
        checkName(name);
        masters = List.copyOf(Objects.requireNonNull(masters, "masters"));
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(joinFile, "joinFile");
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(keyFiles, "keyFiles");
        Objects.requireNonNull(trustedCertificates, "trustedCertificates");
        masterKey = Objects.requireNonNull(masterKey, "masterKey").map(key -> Settings.fingerprint(key, "masterKey"));
        Objects.requireNonNull(linkReaders, "linkReaders");
        Objects.requireNonNull(handlerThreads, "handlerThreads");
        Settings.positive(connectTimeout, "connectTimeout");
        Settings.positive(linkTimeout, "linkTimeout");
        Settings.callTimeout(callTimeout, "callTimeout");
        Settings.between(maxPayloadSize, MIN_PAYLOAD_SIZE, MAX_PAYLOAD_SIZE, "maxPayloadSize");
        Settings.between(maxCallsInFlight, 1, 1 << 20, "maxCallsInFlight");
        Settings.shorter(heartbeatInterval, "heartbeatInterval", heartbeatTimeout, "heartbeatTimeout");
        Settings.shorter(linkHeartbeatInterval, "linkHeartbeatInterval", linkHeartbeatTimeout, "linkHeartbeatTimeout");
        Settings.positive(reconnectDelay, "reconnectDelay");
        Settings.positive(reconnectMaxDelay, "reconnectMaxDelay");
        if (reconnectDelay.compareTo(reconnectMaxDelay) > 0) {
            throw new IllegalArgumentException("reconnectDelay (" + reconnectDelay + ") must not exceed reconnectMaxDelay ("
                    + reconnectMaxDelay + ")");
        }
        Settings.notNegative(closeTimeout, "closeTimeout");
        Settings.positive(writeTimeout, "writeTimeout");
        atLeastOnePayload(maxCallBytesInFlight, maxPayloadSize, "maxCallBytesInFlight");
        atLeastOnePayload(maxQueuedMessageBytes, maxPayloadSize, "maxQueuedMessageBytes");
        Settings.between(maxLinkHandshakes, 1, 1 << 20, "maxLinkHandshakes");
        Objects.requireNonNull(membership, "membership");
        token.ifPresent(Settings::checkToken);
        Map<String, TaskBinding<?, ?>> copy = new LinkedHashMap<>();
        Objects.requireNonNull(tasks, "tasks").forEach((task, binding) -> {
            if (!task.equals(binding.task())) {
                throw new IllegalArgumentException("task '" + task + "' is bound to a handler for task '"
                        + binding.task() + "'");
            }
            copy.put(task, binding);
        });
        tasks = Collections.unmodifiableMap(copy);
    }

    private static void atLeastOnePayload(long bytes, int maxPayloadSize, String name) {
        if (bytes < maxPayloadSize) {
            throw new IllegalArgumentException(name + " (" + bytes + " bytes) must be at least maxPayloadSize ("
                    + maxPayloadSize + " bytes), so that one payload of the largest size always fits");
        }
    }

    /**
     * The most connections from one address that may be in a link handshake at once: an eighth of
     * {@link #maxLinkHandshakes()}, at least 1.
     *
     * @return the limit per address
     */
    public int maxLinkHandshakesPerAddress() {
        return Math.max(1, maxLinkHandshakes / 8);
    }

    /**
     * Checks a node name.
     *
     * @param name the name
     * @return the name
     * @throws IllegalArgumentException if it is blank, longer than {@value #MAX_NAME_LENGTH}
     *         characters, or has control or formatting characters (such as bidirectional
     *         overrides) or line separators
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > MAX_NAME_LENGTH || Ids.anyUnsafe(name)) {
            throw new IllegalArgumentException("a node name is 1 to " + MAX_NAME_LENGTH
                    + " characters without control or formatting characters, not '" + Ids.printable(name) + "'");
        }
        return name;
    }

    /**
     * Returns a builder with every setting at its default.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding this configuration's settings, to change some of them.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder builder = new Builder();
        builder.name = name;
        builder.masters.addAll(masters);
        builder.token = token.orElse(null);
        builder.joinFile = joinFile.orElse(null);
        builder.bindHost = bindHost.orElse(null);
        builder.advertisedHost = advertisedHost.orElse(null);
        builder.transport = transport;
        builder.security = security;
        builder.keyFiles = keyFiles.orElse(null);
        builder.trustedCertificates = trustedCertificates.orElse(null);
        builder.masterKey = masterKey.orElse(null);
        builder.linkReaders = linkReaders;
        builder.handlerThreads = handlerThreads;
        builder.connectTimeout = connectTimeout;
        builder.linkTimeout = linkTimeout;
        builder.callTimeout = callTimeout;
        builder.maxPayloadSize = maxPayloadSize;
        builder.maxCallsInFlight = maxCallsInFlight;
        builder.heartbeatInterval = heartbeatInterval;
        builder.heartbeatTimeout = heartbeatTimeout;
        builder.linkHeartbeatInterval = linkHeartbeatInterval;
        builder.linkHeartbeatTimeout = linkHeartbeatTimeout;
        builder.reconnectDelay = reconnectDelay;
        builder.reconnectMaxDelay = reconnectMaxDelay;
        builder.closeTimeout = closeTimeout;
        builder.writeTimeout = writeTimeout;
        builder.maxCallBytesInFlight = maxCallBytesInFlight;
        builder.maxQueuedMessageBytes = maxQueuedMessageBytes;
        builder.maxLinkHandshakes = maxLinkHandshakes;
        builder.membership = membership;
        builder.tasks.putAll(tasks);
        return builder;
    }

    /** Shows every setting but the token. */
    @Override
    public String toString() {
        return "NodeConfig[name=" + name + ", masters=" + masters + ", token="
                + (token.isPresent() ? "(hidden)" : "(none)") + ", joinFile=" + joinFile + ", bindHost=" + bindHost
                + ", advertisedHost=" + advertisedHost + ", transport=" + transport.name() + ", security=" + security
                + ", keyFiles=" + keyFiles + ", trustedCertificates=" + trustedCertificates + ", masterKey=" + masterKey
                + ", linkReaders="
                + linkReaders + ", handlerThreads=" + handlerThreads + ", connectTimeout=" + connectTimeout
                + ", linkTimeout=" + linkTimeout + ", callTimeout=" + callTimeout + ", maxPayloadSize=" + maxPayloadSize
                + ", maxCallsInFlight="
                + maxCallsInFlight + ", heartbeatInterval=" + heartbeatInterval + ", heartbeatTimeout=" + heartbeatTimeout
                + ", linkHeartbeatInterval=" + linkHeartbeatInterval + ", linkHeartbeatTimeout=" + linkHeartbeatTimeout
                + ", reconnectDelay=" + reconnectDelay + ", reconnectMaxDelay=" + reconnectMaxDelay + ", closeTimeout="
                + closeTimeout + ", writeTimeout=" + writeTimeout + ", maxCallBytesInFlight=" + maxCallBytesInFlight
                + ", maxQueuedMessageBytes=" + maxQueuedMessageBytes + ", maxLinkHandshakes=" + maxLinkHandshakes
                + ", membership=" + membership + ", tasks=" + tasks.keySet() + "]";
    }

    /** Builds a {@link NodeConfig}. Not thread-safe; {@link #build()} may be called more than once. */
    public static final class Builder {
        private String name;
        private final List<InetSocketAddress> masters = new ArrayList<>();
        private String token;
        private Path joinFile;
        private String bindHost;
        private String advertisedHost;
        private Transport transport;
        private String transportName = "tcp";
        private Security security = Security.TLS;
        private KeyFiles keyFiles;
        private Path trustedCertificates;
        private String masterKey;
        private ReaderThreads linkReaders = ReaderThreads.PLATFORM;
        private HandlerThreads handlerThreads = HandlerThreads.VIRTUAL;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration linkTimeout = Duration.ofSeconds(10);
        private Duration callTimeout = Duration.ofSeconds(60);
        private int maxPayloadSize = DEFAULT_MAX_PAYLOAD_SIZE;
        private int maxCallsInFlight = 1024;
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration heartbeatTimeout = Duration.ofSeconds(5);
        private Duration linkHeartbeatInterval = Duration.ofSeconds(1);
        private Duration linkHeartbeatTimeout = Duration.ofSeconds(5);
        private Duration reconnectDelay = Duration.ofMillis(100);
        private Duration reconnectMaxDelay = Duration.ofSeconds(5);
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Duration writeTimeout = Duration.ofSeconds(10);
        /** Null: the default, which follows maxPayloadSize. */
        private Long maxCallBytesInFlight;
        /** Null: the default, which follows maxPayloadSize. */
        private Long maxQueuedMessageBytes;
        private int maxLinkHandshakes = DEFAULT_MAX_LINK_HANDSHAKES;
        private MembershipView membership = MembershipView.all();
        private final Map<String, TaskBinding<?, ?>> tasks = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Sets the node's name.
         *
         * @param name 1 to 128 characters
         * @return this builder
         */
        public Builder name(String name) {
            this.name = checkName(name);
            return this;
        }

        /**
         * Adds a master address; masters are tried in the order added.
         *
         * @param address the master's address; it may be unresolved
         * @return this builder
         */
        public Builder master(InetSocketAddress address) {
            masters.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        /**
         * Adds a master address; masters are tried in the order added.
         *
         * @param host the master's host
         * @param port the master's port
         * @return this builder
         */
        public Builder master(String host, int port) {
            Settings.between(port, 1, 65535, "port");
            return master(InetSocketAddress.createUnresolved(Objects.requireNonNull(host, "host"), port));
        }

        /**
         * Takes the master's address and the token from a {@link JoinInfo}, such as
         * {@link ClusterMaster#joinInfo()}.
         *
         * @param join the join information
         * @return this builder
         */
        public Builder join(JoinInfo join) {
            Objects.requireNonNull(join, "join");
            masters.clear();
            masters.add(join.address());
            masterKey = join.fingerprint().orElse(null);
            return token(join.token());
        }

        /**
         * Sets the token to prove.
         *
         * @param token a strong token, as {@link io.cpcluster.spi.TokenStore#requireStrong(String)} judges
         * @return this builder
         * @throws IllegalArgumentException if the token is not strong; the message never shows it
         */
        public Builder token(String token) {
            this.token = Settings.checkToken(Objects.requireNonNull(token, "token"));
            return this;
        }

        /**
         * Sets the {@code join.json} to read the token and the master's address from. It must be a
         * file of the user the node runs as (or of root) that its group and other users have no
         * permission on, reached through no symbolic link of another user's, as ssh requires of
         * key files; the node refuses it otherwise, saying what to run ({@code chmod 600 <file>}).
         *
         * @param file the file
         * @return this builder
         */
        public Builder joinFile(Path file) {
            this.joinFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Sets where this node listens for links other nodes open to it.
         *
         * @param host a local address, or {@code 0.0.0.0} for every interface
         * @return this builder
         */
        public Builder bindHost(String host) {
            this.bindHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Sets the address other nodes dial to reach this node.
         *
         * @param host a host name or address
         * @return this builder
         */
        public Builder advertisedHost(String host) {
            this.advertisedHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Chooses the transport by name.
         *
         * @param name for example {@code tcp}
         * @return this builder
         */
        public Builder transport(String name) {
            this.transportName = Objects.requireNonNull(name, "name");
            this.transport = null;
            return this;
        }

        /**
         * Sets the transport.
         *
         * @param transport the transport
         * @return this builder
         */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Chooses how the master connection and the links are protected: {@link Security#TLS}
         * by default; {@link Security#PLAIN} only on a network nobody else can reach.
         *
         * @param security TLS or plain TCP
         * @return this builder
         */
        public Builder security(Security security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /**
         * Gives the node's TLS key pair, instead of the one it makes for itself at start.
         *
         * @param files the PEM private key and certificate
         * @return this builder
         */
        public Builder keyFiles(KeyFiles files) {
            this.keyFiles = Objects.requireNonNull(files, "files");
            return this;
        }

        /**
         * Trusts a PKI's certificate authorities, for a cluster whose keys a CA issues: the master's
         * and every peer's certificate must then chain to one of them (and be valid now), on top of
         * the pins; a node that knows no fingerprint of the master's key takes a master whose
         * certificate chains to them and names the host it dials (its subject alternative names, as
         * HTTPS checks them). Give the node a key pair the CA issued ({@link #keyFiles}).
         *
         * @param pemFile a PEM file of one or more CA certificates
         * @return this builder
         */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = Objects.requireNonNull(pemFile, "pemFile");
            return this;
        }

        /**
         * Pins the master's key, for a node given the master's address by {@link #master} rather
         * than by a join file: the node refuses any master whose key
         * has another fingerprint, before it sends anything. {@link #join(JoinInfo)} and a join file
         * set it from their {@code fingerprint}; {@code CPCLUSTER_MASTER_KEY} gives it too.
         *
         * @param fingerprint {@code sha256:} and 64 hex digits, as {@link JoinInfo#fingerprint()}
         * @return this builder
         * @throws IllegalArgumentException if it is not such a fingerprint
         */
        public Builder masterKey(String fingerprint) {
            this.masterKey = Settings.fingerprint(fingerprint, "masterKey");
            return this;
        }

        /**
         * Sets the kind of thread that reads each direct link.
         *
         * @param threads platform (the default) or virtual
         * @return this builder
         */
        public Builder linkReaders(ReaderThreads threads) {
            this.linkReaders = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /**
         * Sets where the handlers of peers' calls run.
         *
         * @param threads a virtual thread per call (the default), or the link's serial lane
         * @return this builder
         */
        public Builder handlerThreads(HandlerThreads threads) {
            this.handlerThreads = Objects.requireNonNull(threads, "threads");
            return this;
        }

        /**
         * Sets how long to wait for a TCP connection to the master or a peer.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Settings.positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * Sets how long {@link ClusterNode#connect(NodeId)} waits for a link in all.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder linkTimeout(Duration timeout) {
            this.linkTimeout = Settings.positive(timeout, "linkTimeout");
            return this;
        }

        /**
         * Sets how long a call or a submit may take when its options do not say.
         *
         * @param timeout a positive duration, at most {@link CallOptions#NO_TIMEOUT} (which turns
         *        the default deadline off)
         * @return this builder
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = Settings.callTimeout(timeout, "callTimeout");
            return this;
        }

        /**
         * Sets the largest task input, result or message accepted on a direct link; a peer never
         * sends a larger one.
         *
         * @param bytes 64 KiB to 1 GiB
         * @return this builder
         */
        public Builder maxPayloadSize(int bytes) {
            this.maxPayloadSize = Settings.between(bytes, MIN_PAYLOAD_SIZE, MAX_PAYLOAD_SIZE, "maxPayloadSize");
            return this;
        }

        /**
         * Sets, for each link, the most calls this node waits for at once, and the most of the
         * peer's calls it runs at once.
         *
         * @param calls at least 1
         * @return this builder
         */
        public Builder maxCallsInFlight(int calls) {
            this.maxCallsInFlight = Settings.between(calls, 1, 1 << 20, "maxCallsInFlight");
            return this;
        }

        /**
         * Sets how often the node tells the master it is alive, and how long it goes without a word
         * from the master before it reconnects.
         *
         * @param interval a positive duration, shorter than {@code timeout}
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder heartbeat(Duration interval, Duration timeout) {
            Settings.shorter(interval, "heartbeatInterval", timeout, "heartbeatTimeout");
            this.heartbeatInterval = interval;
            this.heartbeatTimeout = timeout;
            return this;
        }

        /**
         * Sets how long a link may be idle before this node sends a keep-alive on it, and how long
         * it may go without a frame from the peer before the peer is taken for dead. The peer's
         * timeout must be longer than this node's interval: give every node the same settings.
         *
         * @param interval a positive duration, shorter than {@code timeout}
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder linkHeartbeat(Duration interval, Duration timeout) {
            Settings.shorter(interval, "linkHeartbeatInterval", timeout, "linkHeartbeatTimeout");
            this.linkHeartbeatInterval = interval;
            this.linkHeartbeatTimeout = timeout;
            return this;
        }

        /**
         * Sets the waits between attempts to reconnect to a lost master: the first, doubling with
         * jitter up to the longest.
         *
         * @param first the first wait
         * @param longest the longest wait
         * @return this builder
         */
        public Builder reconnectDelay(Duration first, Duration longest) {
            Settings.positive(first, "reconnectDelay");
            Settings.positive(longest, "reconnectMaxDelay");
            this.reconnectDelay = first;
            this.reconnectMaxDelay = longest;
            return this;
        }

        /**
         * Sets how long {@link ClusterNode#close()} lets calls in flight finish.
         *
         * @param timeout zero or more
         * @return this builder
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Settings.notNegative(timeout, "closeTimeout");
            return this;
        }

        /**
         * Sets how long a write to a peer or to the master may go without progress before this
         * node closes that link (failing its calls) or takes the master for lost.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = Settings.positive(timeout, "writeTimeout");
            return this;
        }

        /**
         * Sets, for each link, the most bytes of the peer's call inputs held at once; a call past
         * it is refused at once with a {@link LinkOverloadedException}.
         *
         * @param bytes at least {@code maxPayloadSize} when built
         * @return this builder
         */
        public Builder maxCallBytesInFlight(long bytes) {
            this.maxCallBytesInFlight = positiveBytes(bytes, "maxCallBytesInFlight");
            return this;
        }

        /**
         * Sets, for each link, the most bytes of messages received and not yet consumed; past it
         * the link reads nothing more until the application catches up.
         *
         * @param bytes at least {@code maxPayloadSize} when built
         * @return this builder
         */
        public Builder maxQueuedMessageBytes(long bytes) {
            this.maxQueuedMessageBytes = positiveBytes(bytes, "maxQueuedMessageBytes");
            return this;
        }

        /**
         * Sets the most connections to this node's link ports that may be in their handshake at
         * once (an eighth of it from one address).
         *
         * @param connections at least 1
         * @return this builder
         */
        public Builder maxLinkHandshakes(int connections) {
            this.maxLinkHandshakes = Settings.between(connections, 1, 1 << 20, "maxLinkHandshakes");
            return this;
        }

        /**
         * Which other nodes the master keeps this node told about: every node (the default), the
         * nodes serving given tasks, or none. A large cluster's workers want {@link
         * MembershipView#none()}; see {@link MembershipView}.
         *
         * @param view the view
         * @return this builder
         */
        public Builder membership(MembershipView view) {
            this.membership = Objects.requireNonNull(view, "view");
            return this;
        }

        private static long positiveBytes(long bytes, String name) {
            if (bytes <= 0) {
                throw new IllegalArgumentException(name + " must be positive, not " + bytes);
            }
            return bytes;
        }

        /**
         * Makes the node serve a task from the start. A later handler for the same name replaces
         * an earlier one.
         *
         * @param <I> the input type
         * @param <O> the result type
         * @param task the task name
         * @param inputType the class the input is bound to ({@code byte[].class} for raw bytes)
         * @param handler the handler
         * @return this builder
         */
        public <I, O> Builder handle(String task, Class<I> inputType, TaskHandler<? super I, ? extends O> handler) {
            TaskBinding<I, O> binding = new TaskBinding<>(task, inputType, handler);
            tasks.put(binding.task(), binding);
            return this;
        }

        /**
         * Builds the configuration, finding a transport chosen by name.
         *
         * @return the configuration
         * @throws ClusterException if the chosen transport cannot be found
         */
        public NodeConfig build() {
            String chosenName = name != null ? name : "node-" + HexFormat.of().formatHex(randomBytes(3));
            Transport chosenTransport = transport != null ? transport : Services.transport(transportName);
            return new NodeConfig(chosenName, masters, Optional.ofNullable(token), Optional.ofNullable(joinFile),
                    Optional.ofNullable(bindHost), Optional.ofNullable(advertisedHost), chosenTransport, security,
                    Optional.ofNullable(keyFiles), Optional.ofNullable(trustedCertificates),
                    Optional.ofNullable(masterKey), linkReaders,
                    handlerThreads, connectTimeout, linkTimeout, callTimeout, maxPayloadSize, maxCallsInFlight,
                    heartbeatInterval,
                    heartbeatTimeout, linkHeartbeatInterval, linkHeartbeatTimeout, reconnectDelay, reconnectMaxDelay,
                    closeTimeout, writeTimeout,
                    maxCallBytesInFlight != null ? maxCallBytesInFlight
                            : Math.max(DEFAULT_MAX_CALL_BYTES_IN_FLIGHT, maxPayloadSize),
                    maxQueuedMessageBytes != null ? maxQueuedMessageBytes
                            : Math.max(DEFAULT_MAX_QUEUED_MESSAGE_BYTES, maxPayloadSize),
                    maxLinkHandshakes, membership, tasks);
        }

        private static byte[] randomBytes(int count) {
            byte[] bytes = new byte[count];
            new SecureRandom().nextBytes(bytes);
            return bytes;
        }
    }
}
