package org.edgesync.edge.capture;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Installs EdgeSync's change capture in the shop's SQLite database: the change table and the
 * triggers of every captured table. It is idempotent and runs at every start: all
 * {@code _edgesync_*} triggers are dropped and recreated in one transaction, so a column added to a
 * shop table (or a table removed from the list) is picked up at the next start, and a crash half-way
 * leaves the old triggers in place. Nothing else of the shop's schema is touched.
 */
public final class CaptureInstaller {

    /** The configuration key naming the tables; quoted in error messages. */
    public static final String TABLES_KEY = "edgesync.capture.tables";

    /** Table names the wire contract accepts (see BatchCodec). */
    private static final Pattern WIRE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.:-]{0,127}");

    private final DataSource dataSource;
    private final String databaseFile;

    /** @param databaseFile the SQLite file, only used in error messages */
    public CaptureInstaller(DataSource dataSource, String databaseFile) {
        this.dataSource = dataSource;
        this.databaseFile = databaseFile;
    }

    /** Installs capture for the given tables and returns what was installed. */
    public List<CapturedTable> install(List<String> tables) throws SQLException {
        if (tables.isEmpty()) {
            throw new CaptureConfigurationException(TABLES_KEY + " is empty but must name at least one table of SQLite file " + databaseFile + ".");
        }
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                List<CapturedTable> captured = new ArrayList<>();
                for (String requested : tables) {
                    captured.add(describe(connection, requested));
                }
                statement.execute(TriggerSql.createChangeTable());
                for (String trigger : existingTriggers(connection)) {
                    statement.execute("DROP TRIGGER IF EXISTS " + TriggerSql.quoteIdentifier(trigger));
                }
                for (CapturedTable table : captured) {
                    for (String sql : TriggerSql.createTriggers(table.name(), table.columns(), table.keyColumns())) {
                        statement.execute(sql);
                    }
                }
                connection.commit();
                return captured;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
    }

    private CapturedTable describe(Connection connection, String requested) throws SQLException {
        String name = canonicalName(connection, requested);
        if (name == null) {
            throw new CaptureConfigurationException(TABLES_KEY + " names table \"" + requested
                    + "\", which does not exist in SQLite file " + databaseFile + ".");
        }
        if (name.toLowerCase().startsWith(TriggerSql.PREFIX) || name.toLowerCase().startsWith("sqlite_")) {
            throw new CaptureConfigurationException(TABLES_KEY + " names table \"" + requested
                    + "\", which belongs to EdgeSync or SQLite itself in SQLite file " + databaseFile + " and cannot be captured.");
        }
        if (!WIRE_NAME.matcher(name).matches()) {
            throw new CaptureConfigurationException(TABLES_KEY + " names table \"" + requested + "\" of SQLite file " + databaseFile
                    + ", whose name the cloud cannot accept (allowed: letters, digits, _ . : - starting with a letter or _, at most 128).");
        }
        List<String> columns = new ArrayList<>();
        Map<Integer, String> keys = new TreeMap<>();
        try (PreparedStatement info = connection.prepareStatement("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid")) {
            info.setString(1, name);
            try (ResultSet rs = info.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                    if (rs.getInt(2) > 0) {
                        keys.put(rs.getInt(2), rs.getString(1));
                    }
                }
            }
        }
        if (keys.isEmpty()) {
            throw new CaptureConfigurationException(TABLES_KEY + " names table \"" + requested
                    + "\", which has no PRIMARY KEY in SQLite file " + databaseFile + ", so its rows cannot be identified in the cloud.");
        }
        return new CapturedTable(name, List.copyOf(columns), List.copyOf(keys.values()));
    }

    private static String canonicalName(Connection connection, String requested) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")) {
            query.setString(1, requested);
            try (ResultSet rs = query.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static List<String> existingTriggers(Connection connection) throws SQLException {
        List<String> names = new ArrayList<>();
        try (Statement query = connection.createStatement();
             ResultSet rs = query.executeQuery(
                     "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '\\_edgesync\\_%' ESCAPE '\\'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }

    /** A captured table: its name as stored, all columns, and its key columns in key order. */
    public record CapturedTable(String name, List<String> columns, List<String> keyColumns) {
    }
}
