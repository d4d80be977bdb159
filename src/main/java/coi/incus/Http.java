package coi.incus;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The HTTP/1.1 subset incusd speaks: requests with a fixed or chunked body, responses with
 * Content-Length, chunked or read-to-close bodies, and the websocket upgrade. Measured faster to
 * start than any client library (DESIGN.md), and it never does what incusd dislikes: half-closing
 * the socket, or connecting without sending.
 */
final class Http {
    private Http() {}

    /** Streams a request body; {@code length} is -1 for chunked transfer. */
    interface Body {
        long length();

        String contentType();

        void writeTo(OutputStream out) throws IOException;

        static Body bytes(byte[] data, String contentType) {
            return new Body() {
                public long length() { return data.length; }
                public String contentType() { return contentType; }
                public void writeTo(OutputStream out) throws IOException { out.write(data); }
            };
        }
    }

    record Response(int status, Map<String, String> headers, InputStream body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        byte[] readAll() throws IOException {
            try (InputStream in = body) {
                return in.readAllBytes();
            }
        }
    }

    static void writeRequest(OutputStream out, String method, String path, String host,
                             Map<String, String> headers, Body body) throws IOException {
        StringBuilder head = new StringBuilder(256)
                .append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("User-Agent: coi\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            head.append("Content-Type: ").append(body.contentType()).append("\r\n");
            if (body.length() >= 0) head.append("Content-Length: ").append(body.length()).append("\r\n");
            else head.append("Transfer-Encoding: chunked\r\n");
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            head.append("Content-Length: 0\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (body != null) {
            if (body.length() >= 0) {
                Exact exact = new Exact(out, body.length());
                body.writeTo(exact);
                exact.finish();
            } else {
                try (OutputStream chunked = new ChunkedOutputStream(out)) {
                    body.writeTo(chunked);
                }
            }
        }
        out.flush();
    }

    /**
     * A body that is not the length it announced: more bytes would reach the daemon as a request of
     * their own on the same connection (a file the agent grows, or a FIFO, while it is pushed), fewer
     * would leave it waiting. The connection is closed, never used again; the request is not retried.
     */
    static final class BodyLengthException extends IOException {
        BodyLengthException(String message) {
            super(message);
        }
    }

    /** Passes on exactly {@code length} bytes: one more fails the write before it is written. */
    private static final class Exact extends java.io.FilterOutputStream {
        private final long length;
        private long written;

        Exact(OutputStream out, long length) {
            super(out);
            this.length = length;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len > length - written) {
                throw new BodyLengthException("the request body grew past the " + length + " bytes announced while it was sent");
            }
            out.write(b, off, len);
            written += len;
        }

        @Override
        public void close() {
            // the connection's stream is not this body's to close
        }

        void finish() throws IOException {
            if (written != length) throw new BodyLengthException("the request body ended at " + written + " of the " + length + " bytes announced");
        }
    }

    static Response readResponse(InputStream in, boolean headRequest) throws IOException {
        String statusLine = readLine(in);
        if (statusLine == null) throw new EOFException("connection closed before a response");
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not an HTTP response: " + statusLine);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line; (line = readLine(in)) != null && !line.isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon > 0) headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        InputStream body;
        if (status == 101 || headRequest || status == 204 || status == 304) {
            body = status == 101 ? in : InputStream.nullInputStream();
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = new ChunkedInputStream(in);
        } else if (headers.containsKey("content-length")) {
            body = new BoundedInputStream(in, Long.parseLong(headers.get("content-length")));
        } else {
            body = in;
        }
        return new Response(status, headers, body);
    }

    /** Reads one CRLF-terminated line as ISO-8859-1; null at end of stream before any byte. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') break;
            line.write(b);
        }
        if (b == -1 && line.size() == 0) return null;
        byte[] bytes = line.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** A body delimited by Content-Length. Closing it drains the rest so the connection can be reused. */
    static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long remaining;

        BoundedInputStream(InputStream in, long length) {
            this.in = in;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) return -1;
            int b = in.read();
            if (b == -1) throw new EOFException("connection closed " + remaining + " bytes before the end of the body");
            remaining--;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (remaining <= 0) return -1;
            int n = in.read(buf, off, (int) Math.min(len, remaining));
            if (n == -1) throw new EOFException("connection closed " + remaining + " bytes before the end of the body");
            remaining -= n;
            return n;
        }

        @Override
        public void close() throws IOException {
            skipNBytes(remaining);
        }
    }

    /** Transfer-Encoding: chunked, as Go's net/http sends any body it did not size in advance. */
    static final class ChunkedInputStream extends InputStream {
        private final InputStream in;
        private long chunkLeft;
        private boolean done;

        ChunkedInputStream(InputStream in) {
            this.in = in;
        }

        private boolean nextChunk() throws IOException {
            if (done) return false;
            if (chunkLeft == 0) {
                String size = readLine(in);
                if (size == null) throw new EOFException("connection closed inside a chunked body");
                int semi = size.indexOf(';');
                chunkLeft = Long.parseLong((semi >= 0 ? size.substring(0, semi) : size).trim(), 16);
                if (chunkLeft == 0) {
                    // trailers, then the blank line that ends the body
                    for (String line; (line = readLine(in)) != null && !line.isEmpty(); ) { }
                    done = true;
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (!nextChunk()) return -1;
            int n = in.read(buf, off, (int) Math.min(len, chunkLeft));
            if (n == -1) throw new EOFException("connection closed inside a chunk");
            chunkLeft -= n;
            if (chunkLeft == 0) readLine(in);
            return n;
        }

        @Override
        public void close() throws IOException {
            byte[] sink = new byte[8192];
            while (read(sink, 0, sink.length) != -1) { }
        }
    }

    static final class ChunkedOutputStream extends OutputStream {
        private final OutputStream out;

        ChunkedOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            if (len == 0) return;
            out.write((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(buf, off, len);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }

        /** Ends the body; the underlying connection stays open. */
        @Override
        public void close() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }
}
