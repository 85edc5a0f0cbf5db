package io.cpcluster.core;

import io.cpcluster.spi.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;

/** A node's authenticated connection to the master. Any thread may send; one thread reads. */
final class MasterConnection {
    final InetSocketAddress address;
    final Transport.Connection connection;
    final FrameInput input;
    private final FrameOutput output;
    Thread reader;
    /** When a frame last came from the master (System.nanoTime()). */
    volatile long lastHeard = System.nanoTime();

    MasterConnection(InetSocketAddress address, Transport.Connection connection, FrameInput input,
                     FrameOutput output) {
        this.address = address;
        this.connection = connection;
        this.input = input;
        this.output = output;
    }

    void send(Control message) throws IOException {
        output.write(ControlCodec.encode(message));
    }

    void close() {
        Node.closeQuietly(connection);
    }
}
