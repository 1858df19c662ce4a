package org.edgesync.edge.housekeeping;

import com.zaxxer.hikari.HikariDataSource;
import org.edgesync.edge.SqliteDataSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Free-space housekeeping on real SQLite files through the edge's own pool (WAL, busy timeout): pages freed by
 * deleted changes go back to the file system in bounded steps when the file is in incremental auto-vacuum mode, and
 * are only reported otherwise.
 */
class SqliteSpaceTest {

    @TempDir
    Path dir;

    /** A shop file with a change table that held a backlog of 20,000 changes, all published and deleted. */
    private HikariDataSource fileAfterBacklog(String autoVacuum) throws SQLException {
        Path file = dir.resolve("shop-" + autoVacuum + ".db");
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA auto_vacuum=" + autoVacuum);
            s.execute("CREATE TABLE _edgesync_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, row TEXT NOT NULL)");
        }
        HikariDataSource pool = SqliteDataSources.create(file);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO _edgesync_changes (row) VALUES (?)")) {
                for (int i = 0; i < 20_000; i++) {
                    insert.setString(1, "{\"sku\":\"p-" + i + "\",\"name\":\"Product " + i + "\",\"price_cents\":" + i + "}");
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            c.commit();
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM _edgesync_changes");
            }
            c.commit();
        }
        return pool;
    }

    private static long pragma(HikariDataSource pool, String name) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void shouldGiveFreePagesBackInBoundedStepsWhenTheFileIsIncremental() throws Exception {
        try (HikariDataSource pool = fileAfterBacklog("INCREMENTAL")) {
            long free = pragma(pool, "freelist_count");
            long pages = pragma(pool, "page_count");
            assertThat(free).as("pages left free by the deleted backlog").isGreaterThan(200);

            SqliteSpace.Reclaimed first = new SqliteSpace(pool, dir, 100).reclaim();

            assertThat(first.freedPages()).isEqualTo(100);
            assertThat(first.freePagesLeft()).isEqualTo(free - 100);
            assertThat(pragma(pool, "page_count")).isEqualTo(pages - 100);

            SqliteSpace.Reclaimed rest = new SqliteSpace(pool, dir, 1_000_000).reclaim();

            assertThat(rest.freedPages()).isEqualTo(free - 100);
            assertThat(rest.freePagesLeft()).isZero();
            assertThat(pragma(pool, "page_count")).isEqualTo(pages - free);
        }
    }

    @Test
    void shouldOnlyReportFreePagesWhenTheFileIsNotIncremental() throws Exception {
        try (HikariDataSource pool = fileAfterBacklog("NONE")) {
            long free = pragma(pool, "freelist_count");
            long pages = pragma(pool, "page_count");

            SqliteSpace.Reclaimed reclaimed = new SqliteSpace(pool, dir, 1_000_000).reclaim();

            assertThat(reclaimed.autoVacuum()).isZero();
            assertThat(reclaimed.freedPages()).isZero();
            assertThat(reclaimed.freePagesLeft()).isEqualTo(free).isPositive();
            assertThat(reclaimed.freeBytesLeft()).isEqualTo(free * pragma(pool, "page_size"));
            assertThat(pragma(pool, "page_count")).isEqualTo(pages);
        }
    }

    @Test
    void shouldRefuseBadSettingsWithOneSentence() {
        assertThatThrownBy(() -> SqliteSpace.maxPages("0")).hasMessage(
                "edgesync.housekeeping.vacuum.max.pages is \"0\", but must be a whole number from 1 to 1000000.");
        assertThatThrownBy(() -> SqliteSpace.interval("5s")).hasMessage(
                "edgesync.housekeeping.interval.ms is \"5s\", but must be a whole number from 60000 to 86400000.");
        assertThat(SqliteSpace.maxPages(" 2048 ")).isEqualTo(2048);
    }
}
