package org.edgesync.edge;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards the power-loss safety of EdgeSync's own SQLite connections: the DELETE of published rows
 * must be durable (WAL, synchronous FULL) before the next poll relies on it. Read back with PRAGMA
 * from real connections of the configured pool, so a changed setting fails here.
 */
class SqliteDataSourcesTest {

    @TempDir
    Path dir;

    @Test
    void shouldGiveEveryPooledConnectionWalAndSynchronousFull() throws Exception {
        Path file = ShopDatabase.create(dir.resolve("shop.db"));
        try (HikariDataSource pool = SqliteDataSources.create(file);
             Connection first = pool.getConnection();
             Connection second = pool.getConnection()) {
            for (Connection connection : new Connection[] {first, second}) {
                assertThat(pragma(connection, "journal_mode")).as("journal_mode").isEqualToIgnoringCase("wal");
                assertThat(pragma(connection, "synchronous")).as("synchronous (2 = FULL)").isEqualTo("2");
                assertThat(Long.parseLong(pragma(connection, "busy_timeout"))).as("busy_timeout ms")
                        .isEqualTo(SqliteDataSources.BUSY_TIMEOUT_MS);
            }
        }
    }

    private static String pragma(Connection connection, String name) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("PRAGMA " + name)) {
            assertThat(rs.next()).as("PRAGMA %s answers", name).isTrue();
            return rs.getString(1);
        }
    }
}
