package org.edgesync.edge;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The demo shop's SQLite schema and a plain sqlite-jdbc connection, as the shop application uses. */
public final class ShopDatabase {

    public static final List<String> SCHEMA = List.of(
            "CREATE TABLE products (sku TEXT PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER NOT NULL, updated_at TEXT NOT NULL)",
            "CREATE TABLE sales (id INTEGER PRIMARY KEY, receipt_no TEXT NOT NULL, total_cents INTEGER NOT NULL, sold_at INTEGER NOT NULL, cashier TEXT, note TEXT)",
            "CREATE TABLE sale_lines (sale_id INTEGER NOT NULL, line_no INTEGER NOT NULL, sku TEXT NOT NULL, qty INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL, PRIMARY KEY (sale_id, line_no))");

    private ShopDatabase() {
    }

    public static Path create(Path file) throws SQLException {
        try (Connection connection = open(file); Statement statement = connection.createStatement()) {
            for (String sql : SCHEMA) {
                statement.execute(sql);
            }
        }
        return file;
    }

    /** A connection with sqlite-jdbc defaults, like the shop's own. */
    public static Connection open(Path file) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    }

    /**
     * A shop connection in the middle of a write transaction ({@code sql} run, not committed): it holds SQLite's
     * write lock until it commits or closes.
     */
    public static Connection holdingWriteLock(Path file, String sql) throws SQLException {
        Connection connection = open(file);
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.executeUpdate(sql);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        return connection;
    }

    public static void execute(Path file, String... sql) throws SQLException {
        try (Connection connection = open(file); Statement statement = connection.createStatement()) {
            for (String s : sql) {
                statement.execute(s);
            }
        }
    }

    public static List<Map<String, Object>> query(Path file, String sql) throws SQLException {
        try (Connection connection = open(file); Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(sql)) {
            List<Map<String, Object>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /**
     * Installs the change capture as the edge does at its first start, so that a test can write
     * before a separately launched edge is up without those changes going uncaptured.
     */
    public static void installCapture(Path file) throws Exception {
        try (com.zaxxer.hikari.HikariDataSource pool = SqliteDataSources.create(file)) {
            new org.edgesync.edge.capture.CaptureInstaller(pool, file.toAbsolutePath().toString())
                    .install(List.of("products", "sales", "sale_lines"));
        }
    }

    public static long changeCount(Path file) throws SQLException {
        return ((Number) query(file, "SELECT count(*) AS n FROM _edgesync_changes").get(0).get("n")).longValue();
    }

    public static long highestSeq(Path file) throws SQLException {
        List<Map<String, Object>> rows = query(file, "SELECT seq FROM sqlite_sequence WHERE name = '_edgesync_changes'");
        return rows.isEmpty() ? 0 : ((Number) rows.get(0).get("seq")).longValue();
    }
}
