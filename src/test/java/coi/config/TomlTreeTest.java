package coi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link TomlTree#simple} against tomlj, which it stands in for: every form it reads gives the tree tomlj's parse
 * gives (values, key order, positions of keys, values and array items), and every form it does not read is left
 * to tomlj (empty), never read otherwise.
 */
class TomlTreeTest {
    private static TomlTree.Table tomlj(String text) {
        org.tomlj.TomlParseResult parsed = org.tomlj.Toml.parse(text);
        assertThat(parsed.errors()).as("tomlj's errors for:\n" + text).isEmpty();
        return TomlTree.of(parsed);
    }

    private static void same(String text) {
        assertThat(TomlTree.simple(text)).as("read simply:\n" + text).isPresent();
        TomlTree.Table simple = TomlTree.simple(text).orElseThrow(), tomlj = tomlj(text);
        assertThat(simple).as("as tomlj reads:\n" + text).isEqualTo(tomlj);
        sameOrder(simple, tomlj, text);
    }

    /** Equal tables may still list their keys in another order (a map's equals ignores it): the order too, all the way down. */
    private static void sameOrder(Object simple, Object tomlj, String text) {
        if (simple instanceof TomlTree.Table a && tomlj instanceof TomlTree.Table b) {
            assertThat(List.copyOf(a.keySet())).as("key order in:\n" + text).isEqualTo(List.copyOf(b.keySet()));
            for (String key : a.keySet()) sameOrder(a.get(key), b.get(key), text);
        } else if (simple instanceof TomlTree.Array a && tomlj instanceof TomlTree.Array b) {
            for (int i = 0; i < a.size(); i++) sameOrder(a.get(i), b.get(i), text);
        }
    }

    private static final List<String> SIMPLE = List.of(
            "",
            "\n\n# only a comment\n",
            "top = \"v\"",
            "  top = \"v\"  # after\n[sec]\n  k1 =   [ \"a\",\n   \"b\" ]\nn = 42\n[sec.sub]\nb = true\n[[mounts]]\nhost = 'x'\n[[mounts]]\n  host = \"y\"\n",
            "[a]\r\nx = 1\r\ny = -2\r\nz = +3\r\nw = 1_000_000\r\n",
            "[profiles.rust]\nimage = \"coi-rust\"\n[profiles.rust.environment]\nCARGO = \"1\"\n[[profiles.rust.mounts]]\nhost = \"~/cache\"\ncontainer = \"/c\"\nreadonly = true\n",
            "[profiles.a.b.c]\nx = 0\n[profiles.d]\ny = false\n",
            "\"quoted key\" = \"v\"\n'literal key' = 'C:\\path\\x'\n\"k\\\"q\" = 1\n",
            "s = \"tab\\there \\\"q\\\" back\\\\slash \\u00e9 \\U0001F600 nl\\n cr\\r ff\\f bs\\b\"\n",
            "s = 'lit \\n stays'\n",
            "a = []\nb = [ ]\nc = [\n]\nd = [1, 2, 3,]\ne = [\n  # a comment\n  \"x\", # another\n  \"y\",\n]\n",
            "[network]\nmode = \"allowlist\"\nallowed_domains = [\"api.anthropic.com\", \"registry.npmjs.org\"]\nrefresh_interval_minutes = 30\n",
            "[monitoring]\nsuspicious_ports = [4444, 5555, 1337, 31337]\nfile_read_threshold_mb = 100       # comment\n",
            "[security]\nprotected_paths = []\n[pool]\nsize = 1\n",
            "x=1\ny=\"two\"#c\n[t]#c\nz=true\n",
            "\tx\t=\t1\t\n",
            "[ spaced . header ]\nk = 1\n[[ arr ]]\n[[ arr ]]\nk = 2\n",
            "[\"quoted header\".x]\nk = 'v'\n",
            "big = 9223372036854775807\nsmall = -9223372036854775808\nzero = 0\nnzero = -0\n",
            "k = \"ünïcödé ok\"\n",
            "[a.b]\nx = 1\n[a.c]\ny = 2\n",
            "[[m]]\n[[m]]\nk = 1\n[other]\n",
            "t = true\nf = false\n",
            "e = \"\"\nl = ''\n",
            "[profiles.rust]\nlimits = { cpu = \"4\", memory = \"16GiB\" }\nempty = {}\nnested = {a = {b = 1}, c = [1, 2]}\n",
            "mounts = [ { host = \"a\", container = \"/a\" }, {host='b', container='/b', readonly=true} ]\n",
            "[[profiles.rust.mounts]]\nhost = \"~/cache\"\n");

    @Test
    void everySimpleFormReadsAsTomljReadsIt() {
        SIMPLE.forEach(TomlTreeTest::same);
    }

    /** Every TOML block of the README (the config reference), read both ways. */
    @Test
    void theReadmesConfigExamplesReadAsTomljReadsThem() throws Exception {
        Path readme = Path.of(System.getProperty("coi.home", "."), "README.md");
        Matcher blocks = Pattern.compile("```toml\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(readme, StandardCharsets.UTF_8));
        int n = 0;
        while (blocks.find()) {
            same(blocks.group(1));
            n++;
        }
        assertThat(n).as("TOML blocks in the README").isGreaterThanOrEqualTo(2);
    }

    private static final List<String> LEFT_TO_TOMLJ = List.of(
            "s = \"\"\"multi\nline\"\"\"\n",
            "s = '''multi\nline'''\n",
            "f = 1.5\n",
            "f = 1e5\n",
            "f = inf\n",
            "d = 1979-05-27\n",
            "d = 1979-05-27T07:32:00Z\n",
            "h = 0xff\n",
            "o = 0o17\n",
            "lead = 012\n",
            "dotted.key = 1\n",
            "dup = 1\ndup = 2\n",
            "[t]\n[t]\n",
            "[a.b]\n[a]\nx = 1\n",
            "[[m]]\n[m.sub]\n",
            "nested = [[1], [2]]\n",
            "mixed = [1, \"a\"]\n",
            "tooBig = 9223372036854775808\n",
            "bad = \"\\q\"\n",
            "bad = \"\\ud800\"\n",
            "broken = \n",
            "broken = \"unterminated\n",
            "[unterminated\n",
            "k = 1 trailing\n",
            "ctrl = \"a\u0001b\"\n",
            "lone = 1\rx = 2\n",
            "\"\" = 1\n",
            "e = \"😀\"\n",
            "x = 1__0\n",
            "x = 1_\n",
            "x = _1\n",
            "x = tru\n",
            "x = truex\n",
            "t = { a = 1, }\n",
            "t = { a = 1\n}\n",
            "t = { a.b = 1 }\n",
            "t = { a = 1, a = 2 }\n",
            // a header may not add to an inline table
            "a = {}\n[a.b]\n",
            "a = {}\n[[a.b]]\n",
            "[a]\nb = {}\n[a.b.c]\n",
            "a = {b = 1}\n[a.c]\nx = 1\n",
            // other scripts' digits are no hex digits
            "s = \"\\u\u0660\u0660\u0664\u0661\"\n",
            "s = \"\\u\uff10\uff10\uff14\uff21\"\n",
            "\"\\u\u0660\u0660\u0664\u0661\" = 1\n",
            "s = \"\\u+041\"\n");

    @Test
    void everyOtherFormIsLeftToTomlj() {
        for (String text : LEFT_TO_TOMLJ) assertThat(TomlTree.simple(text)).as("left to tomlj:\n" + text).isEmpty();
    }

    @Test
    void whatTomljReadsOfTheOthersIsTheSameTree() {
        String text = "t = { inline = 1 }\nf = 1.5\n[x]\ndotted.key = \"v\"\n";
        TomlTree.Table tree = TomlTree.parse(Path.of("/c.toml"), text, "");
        assertThat(tree).isEqualTo(tomlj(text));
        assertThat(tree.get("f")).isEqualTo(1.5);
        assertThatThrownBy(() -> TomlTree.parse(Path.of("/c.toml"), "dup = 1\ndup = 2\n", " (fix it)"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("/c.toml:2:1: invalid TOML: ").hasMessageEndingWith(" (fix it)");
    }

    /** A workspace's .coi.toml is the agent's to write: nesting deep enough to overflow a reader's stack is an error, not a crash. */
    @Test
    void deepNestingIsAnErrorNotACrash() {
        for (String text : List.of("x = " + "[".repeat(100_000) + "]".repeat(100_000) + "\n",
                "x = " + "{a=".repeat(100_000) + "1" + "}".repeat(100_000) + "\n")) {
            assertThat(TomlTree.simple(text)).isEmpty();
            assertThatThrownBy(() -> TomlTree.parse(Path.of("/w/.coi.toml"), text, "")).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("/w/.coi.toml:1:").hasMessageContaining("Nesting is too deep");
        }
        same("x = {a = {b = {c = {d = 1}}}}\n");
    }

    /** Many [[x]] headers (the agent may write thousands) are read whole (each once: 80,000 took 17.8 s when each looked at all before it). */
    @Test
    void manyArrayHeadersAreReadWhole() {
        TomlTree.Table many = TomlTree.simple("[[a]]\nk = 1\n".repeat(80_000)).orElseThrow();
        TomlTree.Array a = (TomlTree.Array) many.get("a");
        assertThat(a.size()).isEqualTo(80_000);
        assertThat(a.positionOf(79_999)).isEqualTo(new TomlTree.Position(159_999, 1));
        assertThat(((TomlTree.Table) a.get(79_999)).get("k")).isEqualTo(1L);
    }

    @Test
    void keyPathsAreNamedAsTomljNamesThem() {
        for (List<String> path : List.of(List.of("a"), List.of("profiles", "my-rust_1"), List.of("with space", "x"), List.of("q\"b\\s", "tab\t"),
                List.of("ünï"), List.of("ctl\u0001"), List.of("emoji 😀"))) {
            assertThat(TomlTree.joinKeyPath(path)).as(path.toString()).isEqualTo(org.tomlj.Toml.joinKeyPath(path));
        }
    }

    /** Documents made at random of the simple forms, with spacing, comments and line ends of every kind. */
    @Test
    void randomSimpleDocumentsReadAsTomljReadsThem() {
        Random random = new Random(20261207);
        for (int d = 0; d < 400; d++) same(document(random));
    }

    private static String document(Random r) {
        StringBuilder s = new StringBuilder();
        String nl = r.nextInt(4) == 0 ? "\r\n" : "\n";
        List<String> headers = new ArrayList<>();
        int tables = r.nextInt(5);
        keys(r, s, nl, "top");
        for (int t = 0; t < tables; t++) {
            if (r.nextInt(5) == 0) s.append(pad(r)).append("# section ").append(t).append(nl);
            boolean array = r.nextInt(4) == 0;
            String name = r.nextInt(3) == 0 ? "profiles.p" + t : (r.nextBoolean() ? "s" + t : "\"sec " + t + "\"");
            if (headers.contains(name) && !array) continue;
            headers.add(name);
            s.append(pad(r)).append(array ? "[[" : "[").append(r.nextBoolean() ? " " : "").append(name).append(r.nextBoolean() ? " " : "")
                    .append(array ? "]]" : "]").append(pad(r)).append(r.nextInt(3) == 0 ? "# h" : "").append(nl);
            keys(r, s, nl, "k" + t);
        }
        return s.toString();
    }

    private static void keys(Random r, StringBuilder s, String nl, String prefix) {
        int n = r.nextInt(5);
        for (int k = 0; k < n; k++) {
            if (r.nextInt(4) == 0) s.append(nl);
            String key = switch (r.nextInt(3)) {
                case 0 -> prefix + "_" + k;
                case 1 -> "\"" + prefix + " " + k + "\"";
                default -> "'" + prefix + "-" + k + "'";
            };
            s.append(pad(r)).append(key).append(pad(r)).append('=').append(pad(r)).append(value(r, nl, true)).append(pad(r));
            if (r.nextInt(3) == 0) s.append("# note ").append(k);
            s.append(nl);
        }
    }

    private static String value(Random r, String nl, boolean arrays) {
        return switch (r.nextInt(arrays ? 6 : 5)) {
            case 0 -> "\"" + List.of("plain", "with \\\"quotes\\\"", "tab\\t", "\\u00e9t\\u00e9", "a\\\\b", "").get(r.nextInt(6)) + "\"";
            case 1 -> "'" + List.of("lit", "C:\\dir", "with \"dq\"", "").get(r.nextInt(4)) + "'";
            case 2 -> List.of("0", "7", "-12", "+3", "1_000", "65535").get(r.nextInt(6));
            case 3 -> r.nextBoolean() ? "true" : "false";
            case 4 -> "\"" + r.nextInt(1000) + "\"";
            default -> {
                StringBuilder a = new StringBuilder("[");
                int items = r.nextInt(4);
                int kind = r.nextInt(3);
                for (int i = 0; i < items; i++) {
                    if (r.nextInt(3) == 0) a.append(nl).append(pad(r));
                    if (r.nextInt(5) == 0) a.append("# item").append(nl);
                    a.append(pad(r)).append(switch (kind) {
                        case 0 -> "\"v" + i + "\"";
                        case 1 -> Integer.toString(r.nextInt(70000));
                        default -> r.nextBoolean() ? "true" : "false";
                    }).append(pad(r));
                    if (i < items - 1 || r.nextBoolean()) a.append(',');
                }
                if (r.nextBoolean()) a.append(nl);
                yield a.append(pad(r)).append(']').toString();
            }
        };
    }

    private static String pad(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> " ";
            case 1 -> "\t";
            case 2 -> "  ";
            default -> "";
        };
    }
}
