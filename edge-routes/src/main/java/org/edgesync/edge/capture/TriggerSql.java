package org.edgesync.edge.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Generates the SQL of EdgeSync's change capture: the change table and, per captured table, the
 * AFTER INSERT/UPDATE/DELETE triggers that write one change row per row change.
 *
 * <p>Row images are built with {@code json_object}. JSON cannot hold a BLOB, so a BLOB value is
 * written as its upper-case hex text (SQLite {@code hex()}); every other value keeps its SQLite
 * type (INTEGER and REAL as JSON numbers, TEXT as a JSON string, NULL as null). The capture time is
 * computed with {@code julianday('now')} rather than {@code unixepoch('subsec')} because the shop's
 * own SQLite library, which runs the triggers, may be older than 3.42.
 */
public final class TriggerSql {

    /** The change table; AUTOINCREMENT so a seq is never reused, even after the rows are deleted. */
    public static final String CHANGE_TABLE = "_edgesync_changes";

    /** Prefix of every object EdgeSync creates in the shop's database. */
    public static final String PREFIX = "_edgesync_";

    private static final String CAPTURED_AT = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

    private TriggerSql() {
    }

    public static String createChangeTable() {
        return "CREATE TABLE IF NOT EXISTS " + CHANGE_TABLE + " ("
                + "seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                + "table_name TEXT NOT NULL, "
                + "op TEXT NOT NULL, "            // I, U or D
                + "pk TEXT NOT NULL, "            // JSON object of the key columns
                + "\"row\" TEXT, "                // JSON object of all columns, NULL for a delete
                + "captured_at INTEGER NOT NULL"  // epoch milliseconds, device clock
                + ")";
    }

    /** Names of the three triggers of a table, insert, update, delete. */
    public static List<String> triggerNames(String table) {
        return List.of(PREFIX + table + "_insert", PREFIX + table + "_update", PREFIX + table + "_delete");
    }

    /**
     * The CREATE TRIGGER statements for one table.
     *
     * @param table     the table name as stored in sqlite_master
     * @param columns   all columns in declaration order
     * @param keyColumns the primary-key columns in key order, at least one
     */
    public static List<String> createTriggers(String table, List<String> columns, List<String> keyColumns) {
        if (keyColumns.isEmpty()) {
            throw new IllegalArgumentException("table " + table + " has no primary key");
        }
        List<String> names = triggerNames(table);
        String target = quoteIdentifier(table);
        String insertInto = "INSERT INTO " + CHANGE_TABLE + " (table_name, op, pk, \"row\", captured_at) ";
        String tableLiteral = quoteLiteral(table);

        List<String> sql = new ArrayList<>(3);
        sql.add("CREATE TRIGGER " + quoteIdentifier(names.get(0)) + " AFTER INSERT ON " + target + " FOR EACH ROW BEGIN "
                + insertInto + "VALUES (" + tableLiteral + ", 'I', " + jsonObject("NEW", keyColumns) + ", "
                + jsonObject("NEW", columns) + ", " + CAPTURED_AT + "); END");

        // A key change is a delete of the old row followed by an update that creates the new one;
        // the two statements run in this order, so the D gets the lower seq.
        String keyChanged = keyColumns.stream()
                .map(c -> "OLD." + quoteIdentifier(c) + " IS NOT NEW." + quoteIdentifier(c))
                .collect(Collectors.joining(" OR "));
        sql.add("CREATE TRIGGER " + quoteIdentifier(names.get(1)) + " AFTER UPDATE ON " + target + " FOR EACH ROW BEGIN "
                + insertInto + "SELECT " + tableLiteral + ", 'D', " + jsonObject("OLD", keyColumns) + ", NULL, "
                + CAPTURED_AT + " WHERE " + keyChanged + "; "
                + insertInto + "VALUES (" + tableLiteral + ", 'U', " + jsonObject("NEW", keyColumns) + ", "
                + jsonObject("NEW", columns) + ", " + CAPTURED_AT + "); END");

        sql.add("CREATE TRIGGER " + quoteIdentifier(names.get(2)) + " AFTER DELETE ON " + target + " FOR EACH ROW BEGIN "
                + insertInto + "VALUES (" + tableLiteral + ", 'D', " + jsonObject("OLD", keyColumns) + ", NULL, "
                + CAPTURED_AT + "); END");
        return sql;
    }

    static String jsonObject(String rowAlias, List<String> columns) {
        return columns.stream()
                .map(c -> quoteLiteral(c) + ", " + value(rowAlias + "." + quoteIdentifier(c)))
                .collect(Collectors.joining(", ", "json_object(", ")"));
    }

    private static String value(String ref) {
        return "CASE WHEN typeof(" + ref + ") = 'blob' THEN hex(" + ref + ") ELSE " + ref + " END";
    }

    /** A SQLite identifier in double quotes, embedded double quotes doubled. */
    public static String quoteIdentifier(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A SQL string literal, embedded single quotes doubled. */
    public static String quoteLiteral(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
