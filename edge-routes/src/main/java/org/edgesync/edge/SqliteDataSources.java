package org.edgesync.edge;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import java.nio.file.Path;

/** EdgeSync's own connections to the shop's SQLite file. */
public final class SqliteDataSources {

    /** How long an EdgeSync statement waits for the shop's write lock before failing with SQLITE_BUSY. */
    public static final int BUSY_TIMEOUT_MS = 10_000;

    /** How long the edge's start keeps trying to open the shop's file while the shop writes. */
    static final long STARTUP_RETRY_MS = 60_000;
    /** One try of the switch to WAL waits this long for the shop's lock, then steps back for a new read. */
    private static final int WAL_SWITCH_BUSY_TIMEOUT_MS = 50;
    private static final long WAL_SWITCH_PAUSE_MS = 5;

    private SqliteDataSources() {
    }

    /**
     * A small pool over sqlite-jdbc. WAL lets the poll read while the shop writes (and is a property
     * of the file: once set, the shop's connections use it too); busy_timeout makes EdgeSync wait for
     * the shop's short write transactions instead of failing; synchronous FULL makes the delete of
     * published rows durable; IMMEDIATE transactions take the write lock up front, so a transaction
     * never fails half-way when upgrading from read to write.
     */
    public static HikariDataSource create(Path sqliteFile) {
        switchToWal(sqliteFile);
        SQLiteConfig sqlite = new SQLiteConfig();
        sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
        sqlite.setBusyTimeout(BUSY_TIMEOUT_MS);
        sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        SQLiteDataSource source = new SQLiteDataSource(sqlite);
        source.setUrl("jdbc:sqlite:" + sqliteFile.toAbsolutePath());

        HikariConfig pool = new HikariConfig();
        pool.setPoolName("edgesync-sqlite");
        pool.setDataSource(source);
        // One connection polls, one is spare for the capture installer and diagnostics; more would
        // only contend for SQLite's single write lock.
        pool.setMaximumPoolSize(2);
        pool.setMinimumIdle(1);
        // Should the shop hold its write lock through every try of switchToWal, keep trying here (once a second)
        // rather than fail the edge's start on a busy till.
        pool.setInitializationFailTimeout(STARTUP_RETRY_MS);
        return new HikariDataSource(pool);
    }

    /**
     * Switches the shop's file to WAL once, before the pool opens it. The switch needs an exclusive lock, and SQLite
     * answers SQLITE_BUSY at once, without waiting, when the shop takes its write lock while the switch holds a read
     * lock; so it is tried often and briefly, to land between two of the shop's transactions. A file already in WAL
     * mode returns at the first try.
     */
    static void switchToWal(Path sqliteFile) {
        SQLiteConfig plain = new SQLiteConfig();
        plain.setBusyTimeout(WAL_SWITCH_BUSY_TIMEOUT_MS);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(STARTUP_RETRY_MS);
        java.sql.SQLException last = null;
        while (System.nanoTime() < deadline) {
            try (java.sql.Connection connection = plain.createConnection("jdbc:sqlite:" + sqliteFile.toAbsolutePath());
                 java.sql.Statement statement = connection.createStatement();
                 java.sql.ResultSet mode = statement.executeQuery("PRAGMA journal_mode=WAL")) {
                if (mode.next() && "wal".equalsIgnoreCase(mode.getString(1))) {
                    return;
                }
            } catch (java.sql.SQLException e) {
                last = e;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(WAL_SWITCH_PAUSE_MS));
        }
        // the pool's own first connection tries once more and reports the failure
        if (last != null) {
            org.slf4j.LoggerFactory.getLogger(SqliteDataSources.class).warn(
                    "Could not switch {} to WAL while the shop writes: {}", sqliteFile, last.getMessage());
        }
    }
}
