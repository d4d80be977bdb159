package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonReader} against Jackson's streaming parser, which JsonTree used before (its code is
 * kept here as the reference): on every input, both fail, or both give the same tree (node classes
 * included: an IntNode is not a LongNode).
 */
class JsonReaderTest {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** JsonTree.parse as it was: Jackson's streaming parser into nodes. */
    static JsonNode jackson(byte[] bytes) {
        try (JsonParser parser = FACTORY.createParser(bytes)) {
            JsonToken first = parser.nextToken();
            return first == null ? MissingNode.getInstance() : value(parser, first);
        } catch (IOException e) {
            throw new UncheckedIOException("invalid JSON: " + e.getMessage(), e);
        }
    }

    private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    object.set(name, value(parser, parser.nextToken()));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken t; (t = parser.nextToken()) != JsonToken.END_ARRAY; ) array.add(value(parser, t));
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IOException("unexpected " + token);
        };
    }

    /** Both fail, or both read {@code text} to equal trees of the same node classes. */
    private static void same(byte[] input) {
        String shown = new String(input, StandardCharsets.UTF_8);
        JsonNode expected;
        try {
            expected = jackson(input);
        } catch (RuntimeException jacksonFailed) {
            JsonNode read;
            try {
                read = JsonReader.parse(input);
            } catch (UncheckedIOException refused) {
                assertThat(refused).hasMessageStartingWith("invalid JSON from Incus: ");
                return;
            }
            throw new AssertionError("Jackson refuses " + shown + " (" + jacksonFailed.getMessage() + "), this reader reads " + read);
        }
        JsonNode actual;
        try {
            actual = JsonReader.parse(input);
        } catch (UncheckedIOException e) {
            throw new AssertionError("Jackson reads " + shown + " as " + expected + ", this reader fails: " + e.getMessage(), e);
        }
        assertThat(actual).as(shown).isEqualTo(expected);
        assertThat(describe(actual)).as(shown).isEqualTo(describe(expected));
    }

    private static void same(String text) {
        same(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The tree with each node's class: equals alone lets an IntNode equal nothing else, but says so only for numbers. */
    private static String describe(JsonNode n) {
        StringBuilder b = new StringBuilder(n.getClass().getSimpleName()).append('(');
        if (n.isObject()) n.properties().forEach(e -> b.append(e.getKey()).append('=').append(describe(e.getValue())).append(','));
        else if (n.isArray()) n.forEach(v -> b.append(describe(v)).append(','));
        else b.append(n.asText());
        return b.append(')').toString();
    }

    @Test
    void readsWhatIncusSendsAsJacksonDid() {
        same("""
                {"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"",
                 "metadata":[{"name":"coi-0a1b-1","status":"Running","ephemeral":false,"pid":4242,"created_at":"2026-12-04T10:39:24.1Z",
                 "config":{"user.coi.workspace":"/w/ä \\"q\\" \\u00e9\\ud83d\\ude00","limits.memory":"2GiB"},"devices":{},
                 "state":{"network":{"eth0":{"counters":{"bytes_received":9223372036854775807,"x":-2147483648,"y":2147483648,
                 "big":123456789012345678901234567890,"f":1.5e-3,"g":-0.0,"h":1E+2}}}},"n":null,"t":true}]}
                """);
    }

    @Test
    void edgesOfTheGrammarAsJackson() {
        for (String text : List.of("", " ", "\n\t\r ", "{}", "[]", "0", "-0", "1 x", "1x", "1,", "1.", ".5", "-", "01", "-01", "1e", "1e+",
                "1.5.3", "[1.5.3]", "[01]", "[1a]", "[1,]", "[,1]", "{\"a\":1,}", "{a:1}", "{'a':1}", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
                "true", "truex", "true x", "true$", "[true]", "[truex]", "[true1]", "nul", "nulll", "[null,false]", "\"a\" x", "\"a\"x",
                "\"\\q\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\uD800\"", "\"a\tb\"", "\"a\\tb\"", "\"\\/\\b\\f\\n\\r\"", "\"unterminated",
                "{\"a\":1}{", "{\"a\":1,\"a\":2,\"b\":3}", "[1] ]", "\uFEFF{\"bom\":1}", "NaN", "Infinity", "-Infinity", "+1",
                "[1e400]", "[-1e-400]", "[9223372036854775808]", "[-9223372036854775809]", "[-9223372036854775808]", "#", "/* c */ 1",
                "{\"\":\"\"}", "[\"é\", \"日本\", \"😀\"]", "truë", "[trueé]")) {
            same(text);
        }
    }

    @Test
    void limitsAsJacksons() {
        same("[".repeat(1000) + "]".repeat(1000));
        same("[".repeat(1001) + "]".repeat(1001));
        same("{\"a\":".repeat(999) + "1" + "}".repeat(999));
        same("{\"a\":".repeat(1001) + "1" + "}".repeat(1001));
        same("[" + "9".repeat(900) + "]");
        same("[" + "9".repeat(1100) + "]");
        same("{\"" + "n".repeat(40_000) + "\":1}");
        same("{\"" + "n".repeat(60_000) + "\":1}");
        same("[\"" + "s".repeat(100_000) + "\"]");
    }

    @Test
    void invalidUtf8IsRefusedInsideAString() {
        for (byte[] bad : List.of(new byte[] {'"', (byte) 0xC3, '"'}, new byte[] {'"', (byte) 0xFF, '"'}, new byte[] {'"', (byte) 0xE2, (byte) 0x82, '"'},
                new byte[] {'[', (byte) 0xC3, (byte) 0xA9, ']'})) {
            same(bad);
        }
    }

    /**
     * Generated documents, then the same with one byte changed, dropped or repeated (mostly broken,
     * sometimes still valid): Jackson and this reader agree on every one.
     */
    @Test
    void agreesWithJacksonOnGeneratedDocumentsAndTheirMutations() {
        Random random = new Random(20261207);
        String alphabet = " \t\n{}[]:,\"\\/-+.0123456789eEtrufalsnbx\u00e9\u65e5";
        for (int n = 0; n < 5_000; n++) {
            String doc = document(random, 0);
            same(doc);
            for (int m = 0; m < 4; m++) {
                StringBuilder b = new StringBuilder(doc);
                int at = random.nextInt(b.length() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    case 1 -> { if (at < b.length()) b.deleteCharAt(at); }
                    default -> { if (at < b.length()) b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length()))); }
                }
                same(b.toString());
            }
        }
    }

    private static String document(Random random, int depth) {
        int kind = random.nextInt(depth > 4 ? 5 : 8);
        return switch (kind) {
            case 0 -> string(random);
            case 1 -> number(random);
            case 2 -> List.of("true", "false", "null").get(random.nextInt(3));
            case 3 -> space(random) + string(random) + space(random);
            case 4 -> number(random);
            case 5, 6 -> {
                StringBuilder b = new StringBuilder("{");
                for (int i = random.nextInt(4); i > 0; i--) {
                    b.append(space(random)).append(string(random)).append(space(random)).append(':').append(document(random, depth + 1));
                    if (i > 1) b.append(',');
                }
                yield b.append(space(random)).append('}').toString();
            }
            default -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = random.nextInt(4); i > 0; i--) {
                    b.append(space(random)).append(document(random, depth + 1)).append(space(random));
                    if (i > 1) b.append(',');
                }
                yield b.append(']').toString();
            }
        };
    }

    private static String space(Random random) {
        return List.of("", "", " ", "\n", "\t ", "\r\n").get(random.nextInt(6));
    }

    private static String string(Random random) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = random.nextInt(6); i > 0; i--) {
            b.append(List.of("a", "Z", " ", "é", "日", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\u00e9", "\\uD83D\\uDE00", "\\ud800", "\\udc00", "-", "1")
                    .get(random.nextInt(17)));
        }
        return b.append('"').toString();
    }

    private static String number(Random random) {
        String sign = random.nextInt(3) == 0 ? "-" : "";
        String digits = switch (random.nextInt(5)) {
            case 0 -> "0";
            case 1 -> Integer.toString(random.nextInt(1000));
            case 2 -> Long.toString(random.nextLong() & Long.MAX_VALUE);
            case 3 -> Long.toString(random.nextLong() & Long.MAX_VALUE) + Long.toString(random.nextLong() & Long.MAX_VALUE);
            default -> Integer.toString(Integer.MAX_VALUE + random.nextInt(3) - 1);
        };
        String fraction = random.nextInt(3) == 0 ? "." + random.nextInt(100) : "";
        String exponent = random.nextInt(4) == 0 ? List.of("e", "E", "e+", "e-").get(random.nextInt(4)) + random.nextInt(400) : "";
        return sign + digits + fraction + exponent;
    }
}
