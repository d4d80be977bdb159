package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;

/** coi(1) is generated from the command tree: what is in the tree is in the page. */
class ManPageTest {
    private final CommandSpec root = CoiCommand.commandLine(new Context(Map.of()), "--help").getCommandSpec();
    private final String page = ManPage.render(root, "1.2.3", LocalDate.of(2026, 12, 4));

    @Test
    void everyVisibleCommandAndSubcommandHasASection() {
        CompletionCommand.visible(root).forEach((name, spec) -> {
            if (!spec.name().equals(name)) return;
            assertThat(page).contains(".SS \"coi " + ManPage.esc(name) + "\"\n");
            CompletionCommand.visible(spec).forEach((child, c) -> {
                if (c.name().equals(child)) assertThat(page).contains(".SS \"coi " + ManPage.esc(name) + " " + ManPage.esc(child) + "\"\n");
            });
        });
        assertThat(page).doesNotContain("__train").doesNotContain("__watch");
    }

    @Test
    void headerOptionsAndDefaultsAreFilledIn() {
        assertThat(page).startsWith(".TH COI 1 \"2026-12-04\" \"coi 1.2.3\" \"User Commands\"\n.SH NAME\ncoi \\- Run AI coding agents");
        assertThat(page).contains(".TP\n\\fB\\-\\-remote\\fR \\fINAME\\fR\n")
                .contains("Size of the pool's loop file (default: 40GiB).")
                .doesNotContain("${DEFAULT-VALUE}");
    }

    @Test
    void troffControlCharactersAreEscaped() {
        assertThat(ManPage.esc(".hidden")).isEqualTo("\\&.hidden");
        assertThat(ManPage.esc("a\\b-c")).isEqualTo("a\\eb\\-c");
    }
}
