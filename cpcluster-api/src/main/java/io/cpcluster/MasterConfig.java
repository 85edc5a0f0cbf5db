package io.cpcluster;

import io.cpcluster.spi.PortAllocator;
import io.cpcluster.spi.TokenStore;
import io.cpcluster.spi.Transport;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link ClusterMaster} runs. Build one with {@link #builder()}; every setting has a
 * default:
 * {@snippet :
 * MasterConfig config = MasterConfig.builder()
 *         .host("0.0.0.0").port(55000)          // where nodes connect
 *         .advertisedHost("10.0.0.5")           // the address join.json tells nodes to dial
 *         .portRange(55001, 55999)              // link ports, per host
 *         .joinFile(Path.of("join.json"))       // write (and on restart reuse) the token here
 *         .build();
 * }
 *
 * <p>{@link #toString()} never shows the token.
 *
 * @param address where the master listens; default {@code 127.0.0.1:55000}
 * @param advertisedHost the address written into {@code join.json} for nodes to dial; by
 *        default the listening host, or this machine's address when that is a wildcard
 * @param portRange the ports the master assigns to direct links, on each host; default 55001-55999
 * @param joinFile where to write {@code join.json}; none by default
 * @param token the token nodes must prove; by default the token store's first live token
 *        (the one in {@code join.json}, when the master restarts) or a new one
 * @param transport how bytes move; default {@code tcp}
 * @param security TLS with pinned keys (the default), or plain TCP when asked for by name
 * @param keyFiles the master's TLS key pair; by default, with a join file, the one in
 *        {@code <join file name>.key.pem} beside it (made at first start, owner-only, reused on
 *        restart so that the fingerprint in {@code join.json} stays the same), and without one, a
 *        new key pair at each start
 * @param trustedCertificates a PEM file of the certificate authorities a PKI trusts: with it, every
 *        node's certificate must chain to one of them; none by default (nodes' keys are recorded,
 *        not checked against a CA)
 * @param tokenStore creates the token store; default {@code file} when there is a join file,
 *        else {@code memory}
 * @param portAllocator creates the port allocator; default {@code range}
 * @param authTimeout how long a new connection may take to authenticate; default 5 s
 * @param authFailureDelay after a wrong proof from an address, how long the master checks no
 *        other proof from it: an {@code AUTH} from there meanwhile is refused at once, unchecked.
 *        The pause doubles with each further wrong proof, up to 5 s, and a success or a quiet
 *        minute resets it; wrong proofs are always answered at once; default 100 ms
 * @param ticketTimeout how long an offered link waits for its initiator to connect; default 10 s
 * @param maxControlFrameSize the largest control frame accepted, in bytes; default 64 KiB
 * @param heartbeatTimeout how long a node may go without a word before the master drops it,
 *        releasing its ports and telling its peers; default 5 s
 * @param rejoinGrace after a restart (the master found its token in its token store), how long it
 *        waits for nodes to rejoin and report their open links before it brokers new links, so that
 *        no port is handed out twice; only meanwhile does it book a reported link it does not know
 *        (after it, such a claim is refused at once); default 5 s
 * @param maxLinkRequestsPerNode how many link requests one node may have that the master has not
 *        answered yet (waiting for the rejoin grace, or for the acceptor to listen); one more is
 *        refused at once with {@link QuotaExceededException}; default 16
 * @param maxLinksPerNode how many links one node may hold that it opened (open, or being set up),
 *        and how many such links it may report when it rejoins; a request past it is refused at
 *        once with {@link QuotaExceededException}. Keep it below the size of {@code portRange}, so
 *        that no single node can take every port of a host; default 256
 * @param maxTasksPerNode how many task names one node may serve; a node that says it serves more
 *        is refused (a protocol error, which closes its connection); default 256. Whatever this
 *        says, a node's task names take at most 32 KiB as JSON, so that every message the master
 *        sends about a node fits a 64 KiB frame
 * @param taskUpdateInterval how often at most the master applies and tells everyone a node's new
 *        task list: a node that sends its tasks more often has them coalesced, the latest list
 *        applied once the interval since the last has passed; zero applies every update at once;
 *        default 100 ms
 * @param maxUnauthenticated the most connections that may be authenticating at once, over all
 *        addresses; a connection past it is closed as soon as it is accepted; default 1,024
 * @param maxUnauthenticatedPerAddress the most connections from one IP address that may be
 *        authenticating at once; default 64
 * @param writeTimeout how long a write to a node may go without progress (the node reads
 *        nothing) before the master drops the node; default 10 s
 * @param maxOutboxBytes the most bytes of messages that may wait to be written to one node;
 *        a node that lets more pile up is dropped as too slow; default 8 MiB
 * @param membershipInterval how long the master gathers nodes joining, leaving and changing
 *        their tasks before it tells the nodes whose {@link MembershipView} holds them, in one
 *        message per view (zero tells each change at once, still one message per change);
 *        default 50 ms
 */
public record MasterConfig(InetSocketAddress address, Optional<String> advertisedHost, PortRange portRange,
                           Optional<Path> joinFile, Optional<String> token, Transport transport,
                           Security security, Optional<KeyFiles> keyFiles, Optional<Path> trustedCertificates,
                           TokenStore.Provider tokenStore, PortAllocator.Provider portAllocator,
                           Duration authTimeout, Duration authFailureDelay, Duration ticketTimeout,
                           int maxControlFrameSize, Duration heartbeatTimeout, Duration rejoinGrace,
                           int maxLinkRequestsPerNode, int maxLinksPerNode, int maxTasksPerNode,
                           Duration taskUpdateInterval, int maxUnauthenticated, int maxUnauthenticatedPerAddress,
                           Duration writeTimeout, int maxOutboxBytes, Duration membershipInterval) {
    /** The default port the master listens on. */
    public static final int DEFAULT_PORT = 55000;
    /** The default largest control frame, 64 KiB. */
    public static final int DEFAULT_MAX_CONTROL_FRAME_SIZE = 64 * 1024;
    /** The default most connections authenticating at once, 1,024. */
    public static final int DEFAULT_MAX_UNAUTHENTICATED = 1024;
    /** The default most connections authenticating at once from one address, 64. */
    public static final int DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS = 64;
    /** The default most bytes waiting to be written to one node, 8 MiB. */
    public static final int DEFAULT_MAX_OUTBOX_BYTES = 8 * 1024 * 1024;
    /** The smallest {@link #maxOutboxBytes()} allowed, 64 KiB. */
    public static final int MIN_OUTBOX_BYTES = 64 * 1024;
    /** The most any per-node quota may be set to. */
    private static final int MAX_QUOTA = 1 << 20;

    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if a duration is not positive, a size is out of range, or the
     *         token is not strong
     */
    public MasterConfig {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(advertisedHost, "advertisedHost");
        Objects.requireNonNull(portRange, "portRange");
        Objects.requireNonNull(joinFile, "joinFile");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(keyFiles, "keyFiles");
        Objects.requireNonNull(trustedCertificates, "trustedCertificates");
        Objects.requireNonNull(tokenStore, "tokenStore");
        Objects.requireNonNull(portAllocator, "portAllocator");
        Settings.positive(authTimeout, "authTimeout");
        Settings.notNegative(authFailureDelay, "authFailureDelay");
        Settings.positive(ticketTimeout, "ticketTimeout");
        Settings.between(maxControlFrameSize, 1024, 16 * 1024 * 1024, "maxControlFrameSize");
        Settings.positive(heartbeatTimeout, "heartbeatTimeout");
        Settings.notNegative(rejoinGrace, "rejoinGrace");
        Settings.between(maxLinkRequestsPerNode, 1, MAX_QUOTA, "maxLinkRequestsPerNode");
        Settings.between(maxLinksPerNode, 1, MAX_QUOTA, "maxLinksPerNode");
        Settings.between(maxTasksPerNode, 1, MAX_QUOTA, "maxTasksPerNode");
        Settings.notNegative(taskUpdateInterval, "taskUpdateInterval");
        Settings.between(maxUnauthenticated, 1, 1_000_000, "maxUnauthenticated");
        Settings.between(maxUnauthenticatedPerAddress, 1, maxUnauthenticated, "maxUnauthenticatedPerAddress");
        Settings.positive(writeTimeout, "writeTimeout");
        Settings.between(maxOutboxBytes, MIN_OUTBOX_BYTES, Integer.MAX_VALUE, "maxOutboxBytes");
        Settings.notNegative(membershipInterval, "membershipInterval");
        token.ifPresent(Settings::checkToken);
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
        builder.address = address;
        builder.advertisedHost = advertisedHost.orElse(null);
        builder.portRange = portRange;
        builder.joinFile = joinFile.orElse(null);
        builder.token = token.orElse(null);
        builder.transport = transport;
        builder.security = security;
        builder.keyFiles = keyFiles.orElse(null);
        builder.trustedCertificates = trustedCertificates.orElse(null);
        builder.tokenStore = tokenStore;
        builder.portAllocator = portAllocator;
        builder.authTimeout = authTimeout;
        builder.authFailureDelay = authFailureDelay;
        builder.ticketTimeout = ticketTimeout;
        builder.maxControlFrameSize = maxControlFrameSize;
        builder.heartbeatTimeout = heartbeatTimeout;
        builder.rejoinGrace = rejoinGrace;
        builder.maxLinkRequestsPerNode = maxLinkRequestsPerNode;
        builder.maxLinksPerNode = maxLinksPerNode;
        builder.maxTasksPerNode = maxTasksPerNode;
        builder.taskUpdateInterval = taskUpdateInterval;
        builder.maxUnauthenticated = maxUnauthenticated;
        builder.maxUnauthenticatedPerAddress = maxUnauthenticatedPerAddress;
        builder.writeTimeout = writeTimeout;
        builder.maxOutboxBytes = maxOutboxBytes;
        builder.membershipInterval = membershipInterval;
        return builder;
    }

    /** Shows every setting but the token. */
    @Override
    public String toString() {
        return "MasterConfig[address=" + address + ", advertisedHost=" + advertisedHost + ", portRange=" + portRange
                + ", joinFile=" + joinFile + ", token=" + (token.isPresent() ? "(hidden)" : "(none)")
                + ", transport=" + transport.name() + ", security=" + security + ", keyFiles=" + keyFiles
                + ", trustedCertificates=" + trustedCertificates
                + ", tokenStore=" + tokenStore.name()
                + ", portAllocator=" + portAllocator.name() + ", authTimeout=" + authTimeout
                + ", authFailureDelay=" + authFailureDelay + ", ticketTimeout=" + ticketTimeout
                + ", maxControlFrameSize=" + maxControlFrameSize + ", heartbeatTimeout=" + heartbeatTimeout
                + ", rejoinGrace=" + rejoinGrace + ", maxLinkRequestsPerNode=" + maxLinkRequestsPerNode
                + ", maxLinksPerNode=" + maxLinksPerNode + ", maxTasksPerNode=" + maxTasksPerNode
                + ", taskUpdateInterval=" + taskUpdateInterval + ", maxUnauthenticated=" + maxUnauthenticated
                + ", maxUnauthenticatedPerAddress=" + maxUnauthenticatedPerAddress + ", writeTimeout=" + writeTimeout
                + ", maxOutboxBytes=" + maxOutboxBytes + ", membershipInterval=" + membershipInterval + "]";
    }

    /** Builds a {@link MasterConfig}. Not thread-safe; {@link #build()} may be called more than once. */
    public static final class Builder {
        private InetSocketAddress address = new InetSocketAddress("127.0.0.1", DEFAULT_PORT);
        private String advertisedHost;
        private PortRange portRange = PortRange.DEFAULT;
        private Path joinFile;
        private String token;
        private Transport transport;
        private String transportName = "tcp";
        private Security security = Security.TLS;
        private KeyFiles keyFiles;
        private Path trustedCertificates;
        private TokenStore.Provider tokenStore;
        private String tokenStoreName;
        private PortAllocator.Provider portAllocator;
        private String portAllocatorName = "range";
        private Duration authTimeout = Duration.ofSeconds(5);
        private Duration authFailureDelay = Duration.ofMillis(100);
        private Duration ticketTimeout = Duration.ofSeconds(10);
        private int maxControlFrameSize = DEFAULT_MAX_CONTROL_FRAME_SIZE;
        private Duration heartbeatTimeout = Duration.ofSeconds(5);
        private Duration rejoinGrace = Duration.ofSeconds(5);
        private int maxLinkRequestsPerNode = 16;
        private int maxLinksPerNode = 256;
        private int maxTasksPerNode = 256;
        private Duration taskUpdateInterval = Duration.ofMillis(100);
        private int maxUnauthenticated = DEFAULT_MAX_UNAUTHENTICATED;
        private int maxUnauthenticatedPerAddress = DEFAULT_MAX_UNAUTHENTICATED_PER_ADDRESS;
        private Duration writeTimeout = Duration.ofSeconds(10);
        private int maxOutboxBytes = DEFAULT_MAX_OUTBOX_BYTES;
        private Duration membershipInterval = Duration.ofMillis(50);

        private Builder() {
        }

        /**
         * Sets where the master listens.
         *
         * @param address host and port; port 0 picks a free port
         * @return this builder
         */
        public Builder address(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Sets the host the master listens on, keeping the port.
         *
         * @param host a host name or address; {@code 0.0.0.0} listens on every interface
         * @return this builder
         */
        public Builder host(String host) {
            this.address = new InetSocketAddress(Objects.requireNonNull(host, "host"), address.getPort());
            return this;
        }

        /**
         * Sets the port the master listens on, keeping the host.
         *
         * @param port the port; 0 picks a free port
         * @return this builder
         */
        public Builder port(int port) {
            Settings.between(port, 0, 65535, "port");
            this.address = new InetSocketAddress(address.getHostString(), port);
            return this;
        }

        /**
         * Sets the address written into {@code join.json} for nodes to dial.
         *
         * @param host a host name or address
         * @return this builder
         */
        public Builder advertisedHost(String host) {
            this.advertisedHost = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Sets the ports the master assigns to direct links.
         *
         * @param range the range
         * @return this builder
         */
        public Builder portRange(PortRange range) {
            this.portRange = Objects.requireNonNull(range, "range");
            return this;
        }

        /**
         * Sets the ports the master assigns to direct links.
         *
         * @param first the lowest port
         * @param last the highest port
         * @return this builder
         */
        public Builder portRange(int first, int last) {
            return portRange(new PortRange(first, last));
        }

        /**
         * Makes the master write {@code join.json} here when it starts (owner-only permissions),
         * and reuse the token in it when it restarts. The master holds the file while it runs (a
         * lock on {@code <file>.lock} beside it): a second master on it fails to start. It reuses
         * a token only from a file of its own user's (or root's) that its group and other users
         * have no permission on, reached through no symbolic link of another user's, and only a
         * strong token ({@link TokenStore#requireStrong(String)}).
         *
         * @param file the file
         * @return this builder
         */
        public Builder joinFile(Path file) {
            this.joinFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Sets the token nodes must prove, instead of reusing or minting one.
         *
         * @param token the token; a strong one, as {@link TokenStore#requireStrong(String)} judges
         * @return this builder
         * @throws IllegalArgumentException if the token is not strong; the message never shows it
         */
        public Builder token(String token) {
            this.token = Settings.checkToken(Objects.requireNonNull(token, "token"));
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
         * Chooses how node connections and links are protected: {@link Security#TLS} by default;
         * {@link Security#PLAIN} only on a network nobody else can reach. Nodes must choose the same.
         *
         * @param security TLS or plain TCP
         * @return this builder
         */
        public Builder security(Security security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /**
         * Gives the master's TLS key pair, instead of the one it makes (and keeps beside the join file).
         *
         * @param files the PEM private key and certificate
         * @return this builder
         */
        public Builder keyFiles(KeyFiles files) {
            this.keyFiles = Objects.requireNonNull(files, "files");
            return this;
        }

        /**
         * Trusts a PKI's certificate authorities: every node's certificate must then chain to one
         * of them (and be valid now), so only nodes whose keys the CA issued get past TLS; the
         * token is still required. Give the master a key pair the CA issued too
         * ({@link #keyFiles}), naming the host nodes dial, for nodes that check it instead of a pin.
         *
         * @param pemFile a PEM file of one or more CA certificates
         * @return this builder
         */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = Objects.requireNonNull(pemFile, "pemFile");
            return this;
        }

        /**
         * Chooses the token store by name.
         *
         * @param name {@code file} or {@code memory}, or the name of another provider
         * @return this builder
         */
        public Builder tokenStore(String name) {
            this.tokenStoreName = Objects.requireNonNull(name, "name");
            this.tokenStore = null;
            return this;
        }

        /**
         * Sets the token store. The master uses this instance; it does not close it.
         *
         * @param store the store
         * @return this builder
         */
        public Builder tokenStore(TokenStore store) {
            Objects.requireNonNull(store, "store");
            this.tokenStore = new TokenStore.Provider() {
                @Override
                public String name() {
                    return "instance:" + store.getClass().getName();
                }

                @Override
                public TokenStore create(MasterConfig config) {
                    return store;
                }
            };
            return this;
        }

        /**
         * Chooses the port allocator by name.
         *
         * @param name for example {@code range}
         * @return this builder
         */
        public Builder portAllocator(String name) {
            this.portAllocatorName = Objects.requireNonNull(name, "name");
            this.portAllocator = null;
            return this;
        }

        /**
         * Sets the port allocator. The master uses this instance as it is, with whatever range it has.
         *
         * @param allocator the allocator
         * @return this builder
         */
        public Builder portAllocator(PortAllocator allocator) {
            Objects.requireNonNull(allocator, "allocator");
            this.portAllocator = new PortAllocator.Provider() {
                @Override
                public String name() {
                    return "instance:" + allocator.getClass().getName();
                }

                @Override
                public PortAllocator create(MasterConfig config) {
                    return allocator;
                }
            };
            return this;
        }

        /**
         * Sets how long a new connection may take to authenticate.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder authTimeout(Duration timeout) {
            this.authTimeout = Settings.positive(timeout, "authTimeout");
            return this;
        }

        /**
         * Sets how long, after a first wrong proof from an address, the master checks no other
         * proof from it (an {@code AUTH} meanwhile is refused at once, unchecked).
         *
         * @param delay zero or more (zero: no pause); it doubles with each further wrong proof,
         *        up to 5 s
         * @return this builder
         */
        public Builder authFailureDelay(Duration delay) {
            this.authFailureDelay = Settings.notNegative(delay, "authFailureDelay");
            return this;
        }

        /**
         * Sets how long an offered link waits for its initiator to connect.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder ticketTimeout(Duration timeout) {
            this.ticketTimeout = Settings.positive(timeout, "ticketTimeout");
            return this;
        }

        /**
         * Sets the largest control frame accepted.
         *
         * @param bytes between 1 KiB and 16 MiB
         * @return this builder
         */
        public Builder maxControlFrameSize(int bytes) {
            this.maxControlFrameSize = Settings.between(bytes, 1024, 16 * 1024 * 1024, "maxControlFrameSize");
            return this;
        }

        /**
         * Sets how long a node may go without a word before the master drops it.
         *
         * @param timeout a positive duration, longer than the nodes' heartbeat interval
         * @return this builder
         */
        public Builder heartbeatTimeout(Duration timeout) {
            this.heartbeatTimeout = Settings.positive(timeout, "heartbeatTimeout");
            return this;
        }

        /**
         * Sets how long a restarted master waits for nodes to rejoin before it brokers new links.
         *
         * @param grace zero or more
         * @return this builder
         */
        public Builder rejoinGrace(Duration grace) {
            this.rejoinGrace = Settings.notNegative(grace, "rejoinGrace");
            return this;
        }

        /**
         * Sets how many link requests one node may have that the master has not answered yet.
         *
         * @param requests 1 to 1,048,576
         * @return this builder
         */
        public Builder maxLinkRequestsPerNode(int requests) {
            this.maxLinkRequestsPerNode = Settings.between(requests, 1, MAX_QUOTA, "maxLinkRequestsPerNode");
            return this;
        }

        /**
         * Sets how many links one node may hold that it opened, open or being set up.
         *
         * @param links 1 to 1,048,576; below the size of the port range, so that no single node can
         *        take every port of a host
         * @return this builder
         */
        public Builder maxLinksPerNode(int links) {
            this.maxLinksPerNode = Settings.between(links, 1, MAX_QUOTA, "maxLinksPerNode");
            return this;
        }

        /**
         * Sets how many task names one node may serve.
         *
         * @param tasks 1 to 1,048,576 (a node's names also take at most 32 KiB as JSON)
         * @return this builder
         */
        public Builder maxTasksPerNode(int tasks) {
            this.maxTasksPerNode = Settings.between(tasks, 1, MAX_QUOTA, "maxTasksPerNode");
            return this;
        }

        /**
         * Sets how often at most the master applies and announces a node's new task list; updates
         * that come faster are coalesced, the latest one winning.
         *
         * @param interval zero (every update at once) or more
         * @return this builder
         */
        public Builder taskUpdateInterval(Duration interval) {
            this.taskUpdateInterval = Settings.notNegative(interval, "taskUpdateInterval");
            return this;
        }

        /**
         * Sets the most connections that may be authenticating at once, over all addresses.
         *
         * @param connections at least 1
         * @return this builder
         */
        public Builder maxUnauthenticated(int connections) {
            this.maxUnauthenticated = Settings.between(connections, 1, 1_000_000, "maxUnauthenticated");
            return this;
        }

        /**
         * Sets the most connections from one IP address that may be authenticating at once.
         *
         * @param connections at least 1, and at most {@code maxUnauthenticated} when built
         * @return this builder
         */
        public Builder maxUnauthenticatedPerAddress(int connections) {
            this.maxUnauthenticatedPerAddress = Settings.between(connections, 1, 1_000_000,
                    "maxUnauthenticatedPerAddress");
            return this;
        }

        /**
         * Sets how long a write to a node may go without progress before the master drops it.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = Settings.positive(timeout, "writeTimeout");
            return this;
        }

        /**
         * Sets the most bytes of messages that may wait to be written to one node.
         *
         * @param bytes at least 64 KiB
         * @return this builder
         */
        public Builder maxOutboxBytes(int bytes) {
            this.maxOutboxBytes = Settings.between(bytes, MIN_OUTBOX_BYTES, Integer.MAX_VALUE, "maxOutboxBytes");
            return this;
        }

        /**
         * Sets how long the master gathers membership changes before it tells the nodes: one
         * message per view and interval, rather than one per change and node.
         *
         * @param interval zero (each change at once) or more
         * @return this builder
         */
        public Builder membershipInterval(Duration interval) {
            this.membershipInterval = Settings.notNegative(interval, "membershipInterval");
            return this;
        }

        /**
         * Builds the configuration, finding the transport, token store and port allocator chosen
         * by name.
         *
         * @return the configuration
         * @throws ClusterException if a chosen implementation cannot be found
         */
        public MasterConfig build() {
            Transport chosenTransport = transport != null ? transport : Services.transport(transportName);
            TokenStore.Provider chosenStore = tokenStore != null ? tokenStore
                    : Services.tokenStore(tokenStoreName != null ? tokenStoreName : joinFile != null ? "file" : "memory");
            PortAllocator.Provider chosenAllocator = portAllocator != null ? portAllocator
                    : Services.portAllocator(portAllocatorName);
            return new MasterConfig(address, Optional.ofNullable(advertisedHost), portRange,
                    Optional.ofNullable(joinFile), Optional.ofNullable(token), chosenTransport, security,
                    Optional.ofNullable(keyFiles), Optional.ofNullable(trustedCertificates), chosenStore,
                    chosenAllocator, authTimeout, authFailureDelay, ticketTimeout, maxControlFrameSize, heartbeatTimeout,
                    rejoinGrace, maxLinkRequestsPerNode, maxLinksPerNode, maxTasksPerNode, taskUpdateInterval,
                    maxUnauthenticated, maxUnauthenticatedPerAddress, writeTimeout, maxOutboxBytes,
                    membershipInterval);
        }
    }
}
