package coi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {
    private static String print(Table table) {
        StringWriter out = new StringWriter();
        table.print(new PrintWriter(out, true));
        return out.toString();
    }

    @Test
    void aLongCellWidensItsColumnAndShiftsNoOther() {
        String text = print(new Table("NAME", "STATE", "IMAGE")
                .row("coi-pool-4bdb9079", "ready", "coitest-coi-07be194e5b09-20261206-095149")
                .row("a", null, "b"));
        assertThat(text).isEqualTo("""
                NAME               STATE  IMAGE
                coi-pool-4bdb9079  ready  coitest-coi-07be194e5b09-20261206-095149
                a                  -      b
                """);
    }

    @Test
    void theLastColumnIsNotPaddedAndNoLineEndsInSpaces() {
        String text = print(new Table("A", "WORKSPACE").row("x", "").row("longer", "/home/u/p"));
        assertThat(text.lines()).containsExactly("A       WORKSPACE", "x", "longer  /home/u/p");
    }
}
