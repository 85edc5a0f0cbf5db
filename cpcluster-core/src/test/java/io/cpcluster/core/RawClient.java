package io.cpcluster.core;

import io.cpcluster.core.wire.Bytes;
import io.cpcluster.core.wire.Control;
import io.cpcluster.core.wire.ControlCodec;
import io.cpcluster.core.wire.FrameInput;
import io.cpcluster.core.wire.Secrets;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A hand-driven client that speaks the wire protocol byte by byte, to send the master (or a
 * link) what a real node never would.
 */
final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final FrameInput input;
    private final OutputStream output;

    RawClient(InetSocketAddress address) throws IOException {
        this(address, null);
    }

    /** Connects from a chosen local address (another loopback address, such as 127.0.0.2), or any when null. */
    RawClient(InetSocketAddress address, java.net.InetAddress from) throws IOException {
        socket = from == null ? new Socket(address.getAddress(), address.getPort())
                : new Socket(address.getAddress(), address.getPort(), from, 0);
        socket.setSoTimeout(15_000);
        input = new FrameInput(socket.getInputStream());
        output = socket.getOutputStream();
    }

    /** Reads one control frame, or null at the end of the stream. */
    Control read() throws IOException {
        return read(16 * 1024 * 1024);
    }

    /** Reads one control frame of at most {@code maxFrame} bytes (a longer one fails), or null at the end of the stream. */
    Control read(int maxFrame) throws IOException {
        byte[] frame = input.readFrame(maxFrame);
        return frame == null ? null : ControlCodec.decode(frame);
    }

    /** Reads the master's HELLO and answers with an AUTH that proves the token. */
    void authenticate(String token, String nodeId, List<String> tasks, String advertisedHost,
                      List<Control.LinkClaim> links) throws IOException {
        Control.Hello hello = read(Control.Hello.class);
        byte[] proof = Secrets.proof(token, Secrets.fromBase64(hello.nonce()));
        send(new Control.Auth(Control.VERSION, nodeId, nodeId, Secrets.base64(proof), tasks, advertisedHost, links));
    }

    /** Authenticates, then reads AUTH_OK and every page of the node list. */
    Control.AuthOk join(String token, String nodeId, List<String> tasks, String advertisedHost,
                        List<Control.LinkClaim> links) throws IOException {
        authenticate(token, nodeId, tasks, advertisedHost, links);
        Control.AuthOk ok = read(Control.AuthOk.class);
        while (read(Control.NodeList.class).more()) {
            // the next page
        }
        return ok;
    }

    <T extends Control> T read(Class<T> type) throws IOException {
        Control message = read();
        if (!type.isInstance(message)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + message);
        }
        return type.cast(message);
    }

    void send(Control message) throws IOException {
        sendFrame(ControlCodec.encode(message));
    }

    void sendJson(String json) throws IOException {
        sendFrame(json.getBytes(StandardCharsets.UTF_8));
    }

    void sendFrame(byte[] body) throws IOException {
        byte[] length = new byte[4];
        Bytes.putInt(length, 0, body.length);
        output.write(length);
        output.write(body);
        output.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        output.write(bytes);
        output.flush();
    }

    /**
     * Reads until the other side closes the connection (a read returns the end of the stream or
     * fails), skipping whatever frames come first; fails if it stays open for 15 s.
     *
     * @return the last control message seen before the end, or null
     */
    Control awaitClosed() throws IOException {
        Control last = null;
        try {
            while (true) {
                Control message = read();
                if (message == null) {
                    return last;
                }
                last = message;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection is still open after 15 s");
        } catch (IOException e) {
            // reset: the other side is gone
            return last;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
