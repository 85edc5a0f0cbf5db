package io.cpcluster.core.wire;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A control message queued for one or many connections, encoded once, by the first writer
 * thread that sends it: the master queues its messages under its lock without encoding them
 * there, and a message to every node costs one encoding, not one per node.
 */
public final class EncodedOnce implements Outbox.Frame {
    private final Control message;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile byte[] encoded;

    public EncodedOnce(Control message) {
        this.message = message;
    }

    public Control message() {
        return message;
    }

    @Override
    public byte[] bytes() {
        byte[] bytes = encoded;
        if (bytes != null) {
            return bytes;
        }
        lock.lock();
        try {
            if (encoded == null) {
                encoded = ControlCodec.encode(message);
            }
            return encoded;
        } finally {
            lock.unlock();
        }
    }
}
