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

    @Test
    void shouldOpenWhileTheShopWritesWithoutPause() throws Exception {
        // A shop that is busy when the edge (re)starts: the first connection switches the file to WAL, which needs
        // the lock between two of the shop's transactions. The edge must get it, not die with SQLITE_BUSY.
        Path file = ShopDatabase.create(dir.resolve("shop.db"));
        java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong shopWrites = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CompletableFuture<Void> shop = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try (Connection connection = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement write = connection.createStatement()) {
                write.execute("PRAGMA busy_timeout = 5000");
                while (writing.get()) {
                    // A sale: one transaction of several rows, which holds the write lock for a while.
                    write.execute("BEGIN IMMEDIATE");
                    for (int row = 0; row < 50; row++) {
                        write.execute("INSERT INTO products VALUES ('sku-" + shopWrites.incrementAndGet()
                                + "', 'Bread', 100, '2026-01-01')");
                    }
                    write.execute("COMMIT");
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            org.awaitility.Awaitility.await().until(() -> shopWrites.get() > 100);
            try (HikariDataSource pool = SqliteDataSources.create(file); Connection connection = pool.getConnection()) {
                assertThat(pragma(connection, "journal_mode")).isEqualToIgnoringCase("wal");
            }
        } finally {
            writing.set(false);
        }
        shop.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    private static String pragma(Connection connection, String name) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("PRAGMA " + name)) {
            assertThat(rs.next()).as("PRAGMA %s answers", name).isTrue();
            return rs.getString(1);
        }
    }
}
