package org.edgesync.ops.bench;

import org.edgesync.ops.PostgresTarget;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;

/**
 * The physical reference: the captured changes of a SQLite file copied into PostgreSQL the fastest honest way
 * without broker or HTTP. One COPY into a table shaped like {@code edgesync.staged_change} (same columns, key and
 * checks), then one set-based upsert per typed target (same conversions as {@code mappings.yaml}: cents to
 * numeric, epoch millis and ISO text to timestamptz, last change per key wins, deletes applied), one transaction,
 * committed with PostgreSQL's default durability.
 */
final class RawBaseline {

    /** What one copy took. */
    record Result(long changes, double seconds, double copySeconds, double upsertSeconds) {
        double changesPerSecond() {
            return changes / seconds;
        }

        double copyRowsPerSecond() {
            return changes / copySeconds;
        }
    }

    private RawBaseline() {
    }

    /** Creates schema bench_raw with a staging table and targets shaped like edgesync.staged_change and retail.*. */
    static void prepare(PostgresTarget pg) throws SQLException {
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS bench_raw CASCADE");
            s.execute("CREATE SCHEMA bench_raw");
            s.execute("CREATE TABLE bench_raw.staged_change (LIKE edgesync.staged_change INCLUDING ALL)");
            s.execute("CREATE TABLE bench_raw.product (LIKE retail.product INCLUDING ALL)");
            s.execute("CREATE TABLE bench_raw.sale (LIKE retail.sale INCLUDING ALL)");
            s.execute("CREATE TABLE bench_raw.sale_line (LIKE retail.sale_line INCLUDING ALL)");
        }
    }

    /** Reads the change table of {@code sqlite} and copies it; the clock runs from the first read to the commit. */
    static Result run(Path sqlite, PostgresTarget pg, String deviceId, String storeId) throws SQLException {
        long start = System.nanoTime();
        long copied;
        long copyEnd;
        try (Connection source = DriverManager.getConnection("jdbc:sqlite:" + sqlite);
             Connection target = pg.connect()) {
            target.setAutoCommit(false);
            copied = copyChanges(source, target, "bench_raw.staged_change", deviceId);
            copyEnd = System.nanoTime();
            try (Statement s = target.createStatement()) {
                for (String sql : upserts(deviceId, storeId)) {
                    s.execute(sql);
                }
            }
            target.commit();
        }
        long end = System.nanoTime();
        return new Result(copied, (end - start) / 1e9, (copyEnd - start) / 1e9, (end - copyEnd) / 1e9);
    }

    /**
     * COPY of every row of {@code _edgesync_changes} (in seq order) into {@code table} for {@code deviceId};
     * the caller commits.
     */
    static long copyChanges(Connection sqlite, Connection pg, String table, String deviceId) throws SQLException {
        CopyIn copy = pg.unwrap(PGConnection.class).getCopyAPI().copyIn(
                "COPY " + table + " (device_id, seq, table_name, op, pk, \"row\", captured_at) FROM STDIN");
        long rows = 0;
        StringBuilder buffer = new StringBuilder(1 << 17);
        String device = escape(deviceId);
        try (Statement s = sqlite.createStatement();
             ResultSet rs = s.executeQuery("SELECT seq, table_name, op, pk, \"row\", captured_at FROM _edgesync_changes ORDER BY seq")) {
            while (rs.next()) {
                buffer.append(device).append('\t').append(rs.getLong(1)).append('\t').append(escape(rs.getString(2)))
                        .append('\t').append(operation(rs.getString(3))).append('\t').append(escape(rs.getString(4)))
                        .append('\t');
                String row = rs.getString(5);
                buffer.append(row == null ? "\\N" : escape(row)).append('\t')
                        .append(Instant.ofEpochMilli(rs.getLong(6))).append('\n');
                rows++;
                if (buffer.length() > (1 << 16)) {
                    flush(copy, buffer);
                }
            }
            flush(copy, buffer);
            copy.endCopy();
        } catch (SQLException | RuntimeException e) {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
            throw e;
        }
        return rows;
    }

    private static void flush(CopyIn copy, StringBuilder buffer) throws SQLException {
        byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
        copy.writeToCopy(bytes, 0, bytes.length);
        buffer.setLength(0);
    }

    static String operation(String code) {
        return switch (code) {
            case "I" -> "insert";
            case "U" -> "update";
            case "D" -> "delete";
            default -> throw new IllegalArgumentException("unknown op " + code);
        };
    }

    /** Text-format COPY escaping: backslash, tab, newline and carriage return. */
    static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            String replacement = switch (ch) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(ch);
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /** One statement per target: the last change of each key; deletes remove, the rest upsert by source_seq. */
    static java.util.List<String> upserts(String deviceId, String storeId) {
        String d = "'" + deviceId.replace("'", "''") + "'";
        String st = "'" + storeId.replace("'", "''") + "'";
        // Deletes run as their own statements before the inserts: as a data-modifying CTE of the same statement
        // the delete's join scanned the index entries of the rows being inserted (EXPLAIN: 4 s for 2,000 deletes).
        String lastDeletes = "SELECT DISTINCT ON (table_name, pk) table_name, op, pk FROM bench_raw.staged_change"
                + " WHERE device_id = " + d + " ORDER BY table_name, pk, seq DESC";
        return java.util.List.of(
                "CREATE TEMP TABLE last_change ON COMMIT DROP AS " + lastDeletes,
                "DELETE FROM bench_raw.product t USING last_change l WHERE l.table_name = 'products' AND l.op = 'delete'"
                        + " AND t.device_id = " + d + " AND t.sku = l.pk->>'sku'",
                "DELETE FROM bench_raw.sale t USING last_change l WHERE l.table_name = 'sales' AND l.op = 'delete'"
                        + " AND t.device_id = " + d + " AND t.sale_id = (l.pk->>'id')::bigint",
                "DELETE FROM bench_raw.sale_line t USING last_change l WHERE l.table_name = 'sale_lines' AND l.op = 'delete'"
                        + " AND t.device_id = " + d + " AND t.sale_id = (l.pk->>'sale_id')::bigint"
                        + " AND t.line_no = (l.pk->>'line_no')::bigint",
                "WITH last AS (SELECT DISTINCT ON (pk->>'sku') seq, op, pk, \"row\" FROM bench_raw.staged_change"
                        + " WHERE device_id = " + d + " AND table_name = 'products' ORDER BY pk->>'sku', seq DESC)"
                        + " INSERT INTO bench_raw.product (device_id, sku, store_id, name, price, updated_at, source_seq)"
                        + " SELECT " + d + ", \"row\"->>'sku', " + st + ", \"row\"->>'name',"
                        + " (\"row\"->>'price_cents')::numeric / 100, (\"row\"->>'updated_at')::timestamptz, seq"
                        + " FROM last WHERE op <> 'delete'"
                        + " ON CONFLICT (device_id, sku) DO UPDATE SET name = excluded.name, price = excluded.price,"
                        + " updated_at = excluded.updated_at, source_seq = excluded.source_seq"
                        + " WHERE bench_raw.product.source_seq < excluded.source_seq",
                "WITH last AS (SELECT DISTINCT ON ((pk->>'id')::bigint) seq, op, pk, \"row\" FROM bench_raw.staged_change"
                        + " WHERE device_id = " + d + " AND table_name = 'sales' ORDER BY (pk->>'id')::bigint, seq DESC)"
                        + " INSERT INTO bench_raw.sale (device_id, sale_id, store_id, receipt_no, total, sold_at, cashier, note, source_seq)"
                        + " SELECT " + d + ", (\"row\"->>'id')::bigint, " + st + ", \"row\"->>'receipt_no',"
                        + " (\"row\"->>'total_cents')::numeric / 100, to_timestamp((\"row\"->>'sold_at')::bigint / 1000.0),"
                        + " \"row\"->>'cashier', \"row\"->>'note', seq FROM last WHERE op <> 'delete'"
                        + " ON CONFLICT (device_id, sale_id) DO UPDATE SET receipt_no = excluded.receipt_no,"
                        + " total = excluded.total, sold_at = excluded.sold_at, cashier = excluded.cashier,"
                        + " note = excluded.note, source_seq = excluded.source_seq"
                        + " WHERE bench_raw.sale.source_seq < excluded.source_seq",
                "WITH last AS (SELECT DISTINCT ON ((pk->>'sale_id')::bigint, (pk->>'line_no')::bigint) seq, op, pk, \"row\""
                        + " FROM bench_raw.staged_change WHERE device_id = " + d + " AND table_name = 'sale_lines'"
                        + " ORDER BY (pk->>'sale_id')::bigint, (pk->>'line_no')::bigint, seq DESC)"
                        + " INSERT INTO bench_raw.sale_line (device_id, sale_id, line_no, store_id, sku, qty, unit_price, source_seq)"
                        + " SELECT " + d + ", (\"row\"->>'sale_id')::bigint, (\"row\"->>'line_no')::bigint, " + st + ","
                        + " \"row\"->>'sku', (\"row\"->>'qty')::bigint, (\"row\"->>'unit_price_cents')::numeric / 100, seq"
                        + " FROM last WHERE op <> 'delete'"
                        + " ON CONFLICT (device_id, sale_id, line_no) DO UPDATE SET sku = excluded.sku, qty = excluded.qty,"
                        + " unit_price = excluded.unit_price, source_seq = excluded.source_seq"
                        + " WHERE bench_raw.sale_line.source_seq < excluded.source_seq");
    }

    /** Rows in the three bench_raw targets (a sanity check that the upsert did its work). */
    static long targetRows(PostgresTarget pg) throws SQLException {
        try (Connection c = pg.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT (SELECT count(*) FROM bench_raw.product) + (SELECT count(*) FROM bench_raw.sale)"
                        + " + (SELECT count(*) FROM bench_raw.sale_line)");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
