package coi.incus;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * A client websocket (RFC 6455) over a transport connection: the events stream and exec's
 * stdin/stdout/stderr/control channels. Pings are answered as they arrive (incusd drops a
 * listener that does not), fragmented messages are reassembled.
 */
final class WebSocket implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final int TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10, CONTINUATION = 0;

    /** A complete message; {@code text} tells a text frame from a binary one. */
    record Message(boolean text, byte[] data) {
        String asText() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    private final Transport.Conn conn;
    private final DataInputStream in;
    private final OutputStream out;
    private final Object writeLock = new Object();
    private volatile boolean closeSent;
    private volatile boolean closeReceived;

    private WebSocket(Transport.Conn conn) {
        this.conn = conn;
        this.in = new DataInputStream(conn.in());
        this.out = conn.out();
    }

    /** Upgrades a fresh connection; it is closed if the daemon refuses or answers wrongly. */
    static WebSocket connect(Transport.Conn conn, String host, String path) throws IOException {
        try {
            byte[] nonce = new byte[16];
            RANDOM.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            Http.writeRequest(conn.out(), "GET", path, host, Map.of(
                    "Connection", "Upgrade",
                    "Upgrade", "websocket",
                    "Sec-WebSocket-Version", "13",
                    "Sec-WebSocket-Key", key), null);
            Http.Response response = Http.readResponse(conn.in(), false);
            if (response.status() != 101) {
                throw DaemonConnection.errorFrom(response.status(), response.readAll());
            }
            if (!accept(key).equals(response.header("sec-websocket-accept"))) {
                throw new IOException("websocket handshake: wrong Sec-WebSocket-Accept");
            }
            return new WebSocket(conn);
        } catch (IOException | RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next data message, or null once the peer closed the stream. */
    Message receive() throws IOException {
        ByteArrayOutputStream fragments = null;
        boolean fragmentedText = false;
        while (true) {
            int b0, b1;
            try {
                b0 = in.readUnsignedByte();
            } catch (EOFException e) {
                return null;
            }
            b1 = in.readUnsignedByte();
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0f;
            long len = b1 & 0x7f;
            if (len == 126) len = in.readUnsignedShort();
            else if (len == 127) len = in.readLong();
            byte[] mask = null;
            if ((b1 & 0x80) != 0) {
                mask = new byte[4];
                in.readFully(mask);
            }
            if (len > Integer.MAX_VALUE - 16) throw new IOException("websocket frame too large: " + len);
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            if (mask != null) for (int i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];

            switch (opcode) {
                case PING -> {
                    try {
                        send(PONG, payload);
                    } catch (IOException peerGone) {
                        // Incus pings and may hang up before the answer arrives: what it sent before
                        // hanging up is still to be read, and the read side says whether the stream ended
                    }
                }
                case PONG -> { }
                case CLOSE -> {
                    closeReceived = true;
                    try {
                        if (!closeSent) send(CLOSE, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
                    } catch (IOException peerGone) {
                        // the stream is complete; a peer that hung up right after its close frame needs no answer
                    }
                    return null;
                }
                case TEXT, BINARY -> {
                    if (fin) return new Message(opcode == TEXT, payload);
                    fragments = new ByteArrayOutputStream();
                    fragmentedText = opcode == TEXT;
                    fragments.write(payload);
                }
                case CONTINUATION -> {
                    if (fragments == null) throw new IOException("websocket continuation frame without a start");
                    fragments.write(payload);
                    if (fin) return new Message(fragmentedText, fragments.toByteArray());
                }
                default -> throw new IOException("websocket: unknown opcode " + opcode);
            }
        }
    }

    /** Whether the peer ended the stream with a close frame (rather than the connection just ending). */
    boolean closeReceived() {
        return closeReceived;
    }

    void sendBinary(byte[] data, int off, int len) throws IOException {
        byte[] copy = new byte[len];
        System.arraycopy(data, off, copy, 0, len);
        send(BINARY, copy);
    }

    void sendText(String text) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a close frame (normal closure); the peer answers with its own and ends the stream. */
    void sendClose() throws IOException {
        if (!closeSent) send(CLOSE, new byte[] {0x03, (byte) 0xe8});
    }

    /** Client frames are always masked (RFC 6455 5.3). */
    private void send(int opcode, byte[] payload) throws IOException {
        synchronized (writeLock) {
            if (closeSent) return;
            if (opcode == CLOSE) closeSent = true;
            int n = payload.length;
            byte[] header;
            if (n < 126) header = new byte[] {(byte) (0x80 | opcode), (byte) (0x80 | n)};
            else if (n < 65536) header = new byte[] {(byte) (0x80 | opcode), (byte) (0x80 | 126), (byte) (n >> 8), (byte) n};
            else {
                header = new byte[10];
                header[0] = (byte) (0x80 | opcode);
                header[1] = (byte) (0x80 | 127);
                for (int i = 0; i < 8; i++) header[2 + i] = (byte) ((long) n >>> (56 - 8 * i));
            }
            byte[] mask = new byte[4];
            RANDOM.nextBytes(mask);
            byte[] frame = new byte[header.length + 4 + n];
            System.arraycopy(header, 0, frame, 0, header.length);
            System.arraycopy(mask, 0, frame, header.length, 4);
            for (int i = 0; i < n; i++) frame[header.length + 4 + i] = (byte) (payload[i] ^ mask[i & 3]);
            out.write(frame);
            out.flush();
        }
    }

    @Override
    public void close() {
        conn.close();
    }
}
