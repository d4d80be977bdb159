package coi.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A text table whose columns are as wide as their widest cell, header included (two spaces
 * apart, the last column unpadded): a long container name or image alias shifts no other column.
 * A null cell prints as "-".
 */
final class Table {
    private final List<String[]> rows = new ArrayList<>();

    /** A table with this header row. */
    Table(String... header) {
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) row[i] = cells[i] == null ? "-" : cells[i].toString();
        rows.add(row);
        return this;
    }

    void print(PrintWriter out) {
        int columns = rows.getFirst().length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns - 1 && i < row.length; i++) width[i] = Math.max(width[i], row[i].length());
        }
        StringBuilder line = new StringBuilder();
        for (String[] row : rows) {
            line.setLength(0);
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) line.append(" ".repeat(width[i] - row[i].length() + 2));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
