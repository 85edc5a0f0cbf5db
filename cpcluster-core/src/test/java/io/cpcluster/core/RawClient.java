package io.cpcluster.core;

import io.cpcluster.core.tls.Keys;
import io.cpcluster.core.tls.Tls;
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
import javax.net.ssl.SSLSocket;

/**
 * A hand-driven client that speaks the wire protocol byte by byte, to send the master (or a
 * link) what a real node never would. It speaks TLS as a node does: to a master, once it reads a
 * HELLO that says {@code tls} (with the key raw clients share, or its own: {@link #withKeys}); to a
 * link port, from the start when made by {@link #link} with keys. {@link #proof} makes the token
 * proof for the connection it is on.
 */
final class RawClient implements AutoCloseable {
    /** The key most raw clients prove: one per JVM, since making a key and a TLS context per client is slow. */
    private static final Tls SHARED = new Tls(Keys.generate("raw client"));
    private final Socket plain;
    private final Tls tls;
    private FrameInput input;
    private OutputStream output;
    /** The key the other side proved, once TLS is up. */
    private String peerKey;

    RawClient(InetSocketAddress address) throws IOException {
        this(address, null);
    }

    /** Connects from a chosen local address (another loopback address, such as 127.0.0.2), or any when null. */
    RawClient(InetSocketAddress address, java.net.InetAddress from) throws IOException {
        this(address, from, SHARED);
    }

    private RawClient(InetSocketAddress address, java.net.InetAddress from, Tls tls) throws IOException {
        this.tls = tls;
        plain = from == null ? new Socket(address.getAddress(), address.getPort())
                : new Socket(address.getAddress(), address.getPort(), from, 0);
        plain.setSoTimeout(15_000);
        input = new FrameInput(plain.getInputStream());
        output = plain.getOutputStream();
    }

    /**
     * Connects to a link port: with TLS at once, proving {@code keys}, or in plain TCP when
     * {@code keys} is null.
     */
    static RawClient link(InetSocketAddress address, Keys.Pair keys) throws IOException {
        RawClient client = new RawClient(address, null, keys != null ? new Tls(keys) : SHARED);
        if (keys != null) {
            client.secure();
        }
        return client;
    }

    /** Connects to a master, proving {@code keys} (rather than the key raw clients share) once TLS is up. */
    static RawClient withKeys(InetSocketAddress address, Keys.Pair keys) throws IOException {
        return new RawClient(address, null, new Tls(keys));
    }

    /** The key pair this client proves over TLS. */
    Keys.Pair keys() {
        return tls.keys();
    }

    /** Layers TLS over the connection, as a node does after the master's HELLO. */
    void secure() throws IOException {
        SSLSocket secured = (SSLSocket) tls.socketFactory().createSocket(plain,
                plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        secured.startHandshake();
        peerKey = Tls.peerFingerprint(secured.getSession());
        input = new FrameInput(secured.getInputStream());
        output = secured.getOutputStream();
    }

    /** The token proof for a HELLO's nonce on this connection (bound to both keys over TLS). */
    String proof(String token, Control.Hello hello) {
        return Secrets.base64(Secrets.proof(token, Secrets.bound(Secrets.fromBase64(hello.nonce()), peerKey,
                peerKey == null ? null : tls.fingerprint())));
    }

    /** Reads one control frame, or null at the end of the stream. */
    Control read() throws IOException {
        return read(16 * 1024 * 1024);
    }

    /** Reads one control frame of at most {@code maxFrame} bytes (a longer one fails), or null at the end of the stream. */
    Control read(int maxFrame) throws IOException {
        byte[] frame = input.readFrame(maxFrame);
        Control message = frame == null ? null : ControlCodec.decode(frame);
        if (message instanceof Control.Hello hello && hello.security().equals(Control.TLS) && peerKey == null) {
            secure();
        }
        return message;
    }

    /** Reads the master's HELLO and answers with an AUTH that proves the token. */
    void authenticate(String token, String nodeId, List<String> tasks, String advertisedHost,
                      List<Control.LinkClaim> links) throws IOException {
        Control.Hello hello = read(Control.Hello.class);
        send(new Control.Auth(Control.VERSION, nodeId, nodeId, proof(token, hello), tasks, advertisedHost, links));
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
        } catch (IOException | io.cpcluster.ProtocolException e) {
            // reset, or a TLS alert that is no frame: the other side is gone
            return last;
        }
    }

    @Override
    public void close() throws IOException {
        plain.close();
    }
}
