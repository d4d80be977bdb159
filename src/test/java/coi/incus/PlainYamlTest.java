package coi.incus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The plain reader of the incus CLI's config.yml against snakeyaml's reading of the same text
 * ({@link IncusRemotes#libraryDocument}): what it answers must be exactly that, and it must answer
 * the files the CLI writes.
 */
class PlainYamlTest {
    private static final String CLI_WRITES = """
            default-remote: build
            remotes:
              build:
                addr: https://10.0.0.5:8443
                auth_type: tls
                project: ci
                protocol: incus
                public: false
              images:
                addr: https://images.linuxcontainers.org
                protocol: simplestreams
                public: true
              local:
                addr: unix://
                protocol: incus
                public: false
            aliases: {}
            """;

    @Test
    void readsWhatTheCliWritesAsTheLibraryDoes() {
        Optional<PlainYaml.Document> plain = PlainYaml.read(CLI_WRITES);

        assertThat(plain).isPresent();
        assertThat(plain.get().root()).isEqualTo(IncusRemotes.libraryDocument(CLI_WRITES));
        assertThat(List.copyOf(((Map<?, ?>) ((Map<?, ?>) plain.get().root()).get("remotes")).keySet())).isEqualTo(List.of("build", "images", "local"));
    }

    @Test
    void emptyValuesNullsQuotedEmptiesCommentsAndBlankLinesAsTheLibrary() {
        for (String text : List.of("", "\n\n", "# only a comment\n", "a:\n", "a: ~\nb: null\nc: NULL\nd: \"\"\ne: ''\nf: []\n",
                "# head\na:\n\n  # inside\n  b: c\n\n  d:\ne: f\n", "a:\n  b:\n    c: d\n  e: f\ng: h", "a: x\na:\n  b: c\n",
                "a: 1\nb: true\nc: 1.5\nd: 0x1f\n", "r:\n    deep: 1\n    deeper:\n        x: y\n")) {
            assertThat(PlainYaml.read(text)).as(text).isPresent();
            assertThat(PlainYaml.read(text).get().root()).as(text).isEqualTo(IncusRemotes.libraryDocument(text));
        }
    }

    @Test
    void leavesEverythingElseToTheLibrary() {
        for (String text : List.of("a: \"quoted\"\n", "a: 'x'\n", "a: b # comment\n", "a:\n- x\n", "a: [x]\n", "a: {b: c}\n",
                "a: b c\n", "a:  b\n", "a: b \n", "\ta: b\n", "a: b\r\n", "a: é\n", "---\na: b\n", "a: &x b\n", "a: *x\n", "a: !t b\n",
                "a: |\n  b\n", "a: >\n  b\n", "a:b\n", "a: b\n  c\n", "a: b\n  c: d\n", "r:\n    x: 1\n  y: 2\n", "  a: b\n",
                "null: x\n", "~: x\n", "? a\n: b\n", "a: b:\n", "a: -b\n", "\"a\": b\n", "a b: c\n")) {
            assertThat(PlainYaml.read(text)).as(text).isEmpty();
        }
    }

    /**
     * Generated texts of the plain form's pieces and of the pieces around it, mixed: whenever the
     * plain reader answers, the library reads the same document from the text (and does not fail).
     */
    @Test
    void neverAnswersOtherwiseThanTheLibraryOnGeneratedTexts() {
        // the plain form's pieces first (up to the count beside each), then what lies around it
        String[] keys = {"a", "b", "remotes", "default-remote", "x.y", "k_1", "8443", "-", "a b", "\"q\"", "null", "~"};
        String[] values = {"", " v", " unix://", " https://h:8443", " ~", " {}", " []", " \"\"", " ''", " x:y", " a b", " 'x'", " #c",
                " b # c", " a:", " -x", " [a]", "  v", " v "};
        String[] indents = {"", "", "  ", "    ", "      ", " ", "\t"};
        Random random = new Random(20261207);
        int answered = 0;
        for (int n = 0; n < 20_000; n++) {
            List<String> lines = new ArrayList<>();
            for (int l = random.nextInt(7); l >= 0; l--) {
                int kind = random.nextInt(20);
                if (kind == 0) lines.add("");
                else if (kind == 1) lines.add(pick(random, indents, 5) + "# note");
                else if (kind == 2 && random.nextInt(5) == 0) lines.add(pick(random, indents, 5) + "- item");
                else lines.add(pick(random, indents, 5) + pick(random, keys, 7) + ":" + pick(random, values, 10));
            }
            String text = String.join("\n", lines) + (random.nextBoolean() ? "\n" : "");
            Optional<PlainYaml.Document> plain = PlainYaml.read(text);
            if (plain.isEmpty()) continue;
            answered++;
            Object library;
            try {
                library = IncusRemotes.libraryDocument(text);
            } catch (YAMLException e) {
                throw new AssertionError("the plain reader answered a text the library refuses:\n" + text, e);
            }
            assertThat(plain.get().root()).as(text).isEqualTo(library);
        }
        // the generator must reach the plain form often enough for the comparison to mean something
        assertThat(answered).isGreaterThan(2_000);
    }

    /** One of {@code pieces}: nine times in ten one of its first {@code plain}, else any. */
    private static String pick(Random random, String[] pieces, int plain) {
        return pieces[random.nextInt(random.nextInt(10) == 0 ? pieces.length : plain)];
    }
}
