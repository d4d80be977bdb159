package coi.incus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The first JSON value of UTF-8 bytes as a Jackson tree, the tree {@link JsonTree#parse} gave with
 * Jackson's streaming parser: objects in order (a repeated name keeps its first place and its last
 * value), an integer as an int, long or BigInteger node by its value, any other number as a double,
 * and Jackson's default limits (nesting depth 1000, numbers of 1000 characters, names of 50,000,
 * strings of 20,000,000). What comes after the first value is not read, except that a number at the
 * top must end at white space or at the end, and a literal must not run on into a name.
 *
 * <p>Why not Jackson's parser: its base class's static initialiser makes BigDecimals, and JDK 25's
 * BigDecimal computes 5^65536 when it is initialised: 22 ms of a fresh JVM with C1, 82 ms in the
 * interpreter, on the critical path of every coi command that reads an answer of Incus (`coi list`
 * waited for it). JsonReaderTest holds this reader to Jackson's on generated documents, valid and
 * broken. Only UTF-8 is read (Incus sends nothing else); a byte order mark is skipped.
 */
final class JsonReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final int MAX_DEPTH = 1000;
    static final int MAX_NUMBER = 1000;
    static final int MAX_NAME = 50_000;
    static final int MAX_STRING = 20_000_000;

    private final byte[] in;
    private int at;
    private int depth;
    private final StringBuilder text = new StringBuilder();

    private JsonReader(byte[] in) {
        this.in = in;
        if (in.length >= 3 && (in[0] & 0xff) == 0xEF && (in[1] & 0xff) == 0xBB && (in[2] & 0xff) == 0xBF) at = 3;
    }

    /** The first value of {@code bytes}; a missing node when there is none; UncheckedIOException when it is not JSON. */
    static JsonNode parse(byte[] bytes) {
        JsonReader r = new JsonReader(bytes);
        try {
            r.skipSpace();
            if (r.at >= r.in.length) return MissingNode.getInstance();
            int c = r.in[r.at] & 0xff;
            JsonNode value = r.value();
            if ((c == '-' || c >= '0' && c <= '9') && r.at < r.in.length && !space(r.in[r.at] & 0xff)) {
                throw r.error("expected space separating root-level values");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("invalid JSON from Incus: " + e.getMessage(), e);
        }
    }

    private static boolean space(int c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private void skipSpace() {
        while (at < in.length && space(in[at] & 0xff)) at++;
    }

    private IOException error(String what) {
        return new IOException(what + " at byte " + at);
    }

    /**
     * A value, its containers kept on a stack of this reader's own rather than the thread's: a document
     * nested a thousand deep must fail or be read, never overflow the supervisor's small stacks.
     */
    private JsonNode value() throws IOException {
        List<ContainerNode<?>> open = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (;;) {
            JsonNode v;
            int c = peek();
            if (c == '{' || c == '[') {
                if (++depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
                at++;
                skipSpace();
                boolean object = c == '{';
                if (at < in.length && in[at] == (object ? '}' : ']')) {
                    at++;
                    depth--;
                    v = object ? NODES.objectNode() : NODES.arrayNode();
                } else {
                    open.add(object ? NODES.objectNode() : NODES.arrayNode());
                    names.add(object ? name() : null);
                    skipSpace();
                    continue;
                }
            } else {
                v = scalar(c);
            }
            // v is whole: into its container, and the containers it ends, until one takes another value
            for (;;) {
                if (open.isEmpty()) return v;
                int top = open.size() - 1;
                ContainerNode<?> container = open.get(top);
                boolean object = container instanceof ObjectNode;
                if (object) ((ObjectNode) container).set(names.get(top), v);
                else ((ArrayNode) container).add(v);
                skipSpace();
                if (at >= in.length) throw error("unexpected end of input in an " + (object ? "object" : "array"));
                byte b = in[at++];
                if (b == ',') {
                    skipSpace();
                    if (object) names.set(top, name());
                    skipSpace();
                    break;
                }
                if (b != (object ? '}' : ']')) {
                    at--;
                    throw error(object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array");
                }
                open.remove(top);
                names.remove(top);
                depth--;
                v = container;
            }
        }
    }

    private int peek() throws IOException {
        if (at >= in.length) throw error("unexpected end of input");
        return in[at] & 0xff;
    }

    /** A field name and the colon after it. */
    private String name() throws IOException {
        if (at >= in.length || in[at] != '"') throw error("expected a double-quoted field name");
        at++;
        String name = string(MAX_NAME);
        for (int i = 0; i < name.length(); i++) {
            // as Jackson: a surrogate in a name must be half of a pair (in a value it need not)
            char c = name.charAt(i);
            if (Character.isLowSurrogate(c) || Character.isHighSurrogate(c) && (i + 1 == name.length() || !Character.isLowSurrogate(name.charAt(++i)))) {
                throw error("broken surrogate pair in a field name");
            }
        }
        skipSpace();
        if (at >= in.length || in[at] != ':') throw error("expected ':' after a field name");
        at++;
        return name;
    }

    private JsonNode scalar(int c) throws IOException {
        switch (c) {
            case '"':
                at++;
                return NODES.textNode(string(MAX_STRING));
            case 't':
                literal("true");
                return NODES.booleanNode(true);
            case 'f':
                literal("false");
                return NODES.booleanNode(false);
            case 'n':
                literal("null");
                return NODES.nullNode();
            default:
                if (c == '-' || c >= '0' && c <= '9') return number();
                throw error("unexpected character " + describe(c));
        }
    }

    private static String describe(int c) {
        return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("0x%02x", c);
    }

    private void literal(String word) throws IOException {
        for (int i = 0; i < word.length(); i++) {
            if (at + i >= in.length || in[at + i] != word.charAt(i)) throw error("unrecognized token, expected " + word);
        }
        at += word.length();
        if (at < in.length && nameChar()) throw error("unrecognized token, expected " + word);
    }

    /** Whether the byte or character at {@code at} is one Jackson takes to continue a token ("truex"; "true$" it takes as true). */
    private boolean nameChar() throws IOException {
        int c = in[at] & 0xff;
        if (c < '0' || c == ']' || c == '}') return false;
        if (c < 0x80) return Character.isJavaIdentifierPart(c);
        int end = at + 1;
        while (end < in.length && (in[end] & 0xc0) == 0x80 && end - at < 4) end++;
        String s = decode(at, end);
        return Character.isJavaIdentifierPart(s.codePointAt(0));
    }

    private JsonNode number() throws IOException {
        int start = at;
        boolean negative = in[at] == '-';
        if (negative) at++;
        int intStart = at;
        while (at < in.length && in[at] >= '0' && in[at] <= '9') at++;
        int intDigits = at - intStart;
        if (intDigits == 0) throw error("expected a digit after '-'");
        if (intDigits > 1 && in[intStart] == '0') throw error("leading zeroes not allowed");
        boolean fraction = false;
        if (at < in.length && in[at] == '.') {
            fraction = true;
            at++;
            int d = at;
            while (at < in.length && in[at] >= '0' && in[at] <= '9') at++;
            if (at == d) throw error("decimal point not followed by a digit");
        }
        if (at < in.length && (in[at] == 'e' || in[at] == 'E')) {
            fraction = true;
            at++;
            if (at < in.length && (in[at] == '+' || in[at] == '-')) at++;
            int d = at;
            while (at < in.length && in[at] >= '0' && in[at] <= '9') at++;
            if (at == d) throw error("exponent indicator not followed by a digit");
        }
        if (at - start > MAX_NUMBER) throw error("number longer than " + MAX_NUMBER + " characters");
        String token = new String(in, start, at - start, StandardCharsets.ISO_8859_1);
        if (fraction) return NODES.numberNode(Double.parseDouble(token));
        if (intDigits <= 18) {
            long v = Long.parseLong(token);
            return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
        }
        BigInteger big = new BigInteger(token);
        return big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
    }

    /** The string after its opening quote, to its closing one. */
    private String string(int max) throws IOException {
        text.setLength(0);
        int run = at;
        for (;;) {
            if (at >= in.length) throw error("unexpected end of input in a string");
            int c = in[at] & 0xff;
            if (c == '"') {
                flush(run, at);
                at++;
                break;
            }
            if (c == '\\') {
                flush(run, at);
                at++;
                escape();
                run = at;
            } else if (c < 0x20) {
                throw error("illegal unquoted character " + describe(c) + " in a string: it must be escaped");
            } else {
                at++;
            }
        }
        if (text.length() > max) throw error("string longer than " + max + " characters");
        return text.toString();
    }

    /** The bytes from..to (no quote or backslash among them) appended as text: ASCII as it is, the rest decoded strictly. */
    private void flush(int from, int to) throws IOException {
        int i = from;
        while (i < to && in[i] >= 0) i++;
        text.append(new String(in, from, i - from, StandardCharsets.ISO_8859_1));
        if (i < to) text.append(decode(i, to));
    }

    /** The strict decoder of this parse's non-ASCII strings, made at the first (Incus's answers are almost all ASCII). */
    private java.nio.charset.CharsetDecoder utf8;

    private String decode(int from, int to) throws IOException {
        if (utf8 == null) {
            utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        }
        try {
            // decode(ByteBuffer) resets the decoder first: a failure before leaves nothing behind
            return utf8.decode(ByteBuffer.wrap(in, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw error("invalid UTF-8");
        }
    }

    private void escape() throws IOException {
        if (at >= in.length) throw error("unexpected end of input in an escape");
        int c = in[at++] & 0xff;
        switch (c) {
            case '"', '\\', '/' -> text.append((char) c);
            case 'b' -> text.append('\b');
            case 'f' -> text.append('\f');
            case 'n' -> text.append('\n');
            case 'r' -> text.append('\r');
            case 't' -> text.append('\t');
            case 'u' -> {
                if (at + 4 > in.length) throw error("unexpected end of input in a \\u escape");
                int v = 0;
                for (int i = 0; i < 4; i++) {
                    int d = Character.digit(in[at + i] & 0xff, 16);
                    if (d < 0 || (in[at + i] & 0xff) > 0x7f) throw error("expected a hex digit in a \\u escape");
                    v = v << 4 | d;
                }
                at += 4;
                text.append((char) v);
            }
            default -> {
                at--;
                throw error("unrecognized escape " + describe(c));
            }
        }
    }
}
