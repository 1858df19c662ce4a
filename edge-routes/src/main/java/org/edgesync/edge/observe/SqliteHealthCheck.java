package org.edgesync.edge.observe;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * Readiness of the shop's SQLite database: the file must still be where the shop writes it, and the change table
 * must be readable. The file check matters because open connections keep working on a file that was deleted,
 * moved or unmounted (an SD card pulled), while the shop's new changes go elsewhere.
 */
public final class SqliteHealthCheck extends AbstractHealthCheck {

    private final Path file;
    private final DataSource dataSource;

    public SqliteHealthCheck(Path file, DataSource dataSource) {
        super("edgesync", "edgesync-sqlite");
        this.file = file.toAbsolutePath();
        this.dataSource = dataSource;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            builder.message("The SQLite database " + file + " is missing or not readable (edgesync.sqlite.path)").down();
            return;
        }
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM (SELECT 1 FROM _edgesync_changes LIMIT 1)")) {
            rs.next();
            builder.up();
        } catch (SQLException | RuntimeException e) {
            builder.message("The change table in " + file + " cannot be read: " + e.getMessage()).error(e).down();
        }
    }
}
