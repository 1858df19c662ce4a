package org.edgesync.edge.housekeeping;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Gives the disk space of published changes back to the device. The edge deletes every change from
 * {@code _edgesync_changes} once the broker has journaled it, but SQLite keeps the freed pages inside the shop's
 * file: they are reused for new rows, so the file does not grow without bound, yet it stays as large as the largest
 * backlog it ever held (a day without network on a busy till: hundreds of MB on an SD card). Only a database in
 * {@code auto_vacuum=INCREMENTAL} mode can hand free pages back without rewriting the whole file, with
 * {@code PRAGMA incremental_vacuum(N)}: a short write transaction of at most N pages, so the shop waits at most a few
 * milliseconds for it. EdgeSync does not switch the mode itself: that needs a full {@code VACUUM}, which rewrites the
 * shop's database under an exclusive lock; the operator does it once while the shop is closed, and this job says so.
 * In {@code FULL} mode SQLite truncates at every commit and there is nothing to do.
 */
public class SqliteSpace {

    public static final String MAX_PAGES_KEY = "edgesync.housekeeping.vacuum.max.pages";

    private static final Logger LOG = LoggerFactory.getLogger(SqliteSpace.class);
    private static final int AUTO_VACUUM_FULL = 1;
    private static final int AUTO_VACUUM_INCREMENTAL = 2;

    private final DataSource dataSource;
    private final Path file;
    private final long maxPagesPerRun;

    public SqliteSpace(DataSource dataSource, Path file, long maxPagesPerRun) {
        this.dataSource = dataSource;
        this.file = file;
        this.maxPagesPerRun = maxPagesPerRun;
    }

    /** Checks {@value #MAX_PAGES_KEY}: a bad value stops startup with one sentence. */
    public static long maxPages(String value) {
        try {
            long pages = Long.parseLong(value == null ? "" : value.trim());
            if (pages >= 1 && pages <= 1_000_000) {
                return pages;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(MAX_PAGES_KEY + " is \"" + value + "\", but must be a whole number from 1 to"
                + " 1000000.");
    }

    /** Checks edgesync.housekeeping.interval.ms, which the route's scheduler reads. */
    public static long interval(String value) {
        try {
            long ms = Long.parseLong(value == null ? "" : value.trim());
            if (ms >= 60_000 && ms <= 86_400_000) {
                return ms;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("edgesync.housekeeping.interval.ms is \"" + value + "\", but must be a whole"
                + " number from 60000 to 86400000.");
    }

    /**
     * What one run found and did.
     *
     * @param autoVacuum   0 none, 1 full, 2 incremental
     * @param freedPages   pages returned to the file system
     * @param freePagesLeft free pages still inside the file
     */
    public record Reclaimed(int autoVacuum, long pageSize, long freedPages, long freePagesLeft) {

        public long freeBytesLeft() {
            return freePagesLeft * pageSize;
        }
    }

    /** Returns up to the configured number of free pages to the file system when the file allows it. */
    public Reclaimed reclaim() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            int mode = (int) pragma(s, "auto_vacuum");
            long pageSize = pragma(s, "page_size");
            long free = pragma(s, "freelist_count");
            if (mode == AUTO_VACUUM_INCREMENTAL && free > 0) {
                // executeUpdate steps the pragma to its end; execute() would free a single page
                s.executeUpdate("PRAGMA incremental_vacuum(" + Math.min(free, maxPagesPerRun) + ")");
                long left = pragma(s, "freelist_count");
                LOG.info("Returned {} free pages ({}) of {} to the file system; {} free pages left", free - left,
                        mib((free - left) * pageSize), file, left);
                return new Reclaimed(mode, pageSize, free - left, left);
            }
            if (mode != AUTO_VACUUM_FULL && free > 0) {
                LOG.info("{} holds {} free pages ({}) left by deleted rows such as published changes. SQLite reuses"
                        + " them for new rows but gives them back to the file system only in auto_vacuum=INCREMENTAL"
                        + " mode; to switch, run once while the shop is closed: PRAGMA auto_vacuum=INCREMENTAL; VACUUM;",
                        file, free, mib(free * pageSize));
            }
            return new Reclaimed(mode, pageSize, 0, free);
        }
    }

    private static long pragma(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
