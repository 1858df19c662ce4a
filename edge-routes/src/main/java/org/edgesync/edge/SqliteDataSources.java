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
        // The first connection switches the file to WAL, which needs the lock between two of the shop's
        // transactions; SQLite answers SQLITE_BUSY at once (no busy wait) when the shop holds the write lock then.
        // Retry for a minute (Hikari tries once a second) rather than fail the edge's start on a busy till.
        pool.setInitializationFailTimeout(STARTUP_RETRY_MS);
        return new HikariDataSource(pool);
    }
}
