package org.edgesync.edge.observe;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.LongSupplier;

/**
 * Reads the change table's figures for the metrics, at most once per cache period however many gauges and scrapes
 * ask. Three primary-key lookups: rows leave only from the low end (DELETE seq &lt;= last) and seq has no gaps, so
 * max - min + 1 is the row count without scanning a large backlog (the poll route counts the same way). The read
 * runs in WAL mode, so it never waits for the shop or the poll route.
 *
 * <p>Deliberately not the poll route's own figure: that one stops changing exactly when the poll route stops
 * (SQLite errors, a full broker, a stopped route), which is when an operator needs the backlog most.
 */
public final class ChangeTableReader {

    static final String SQL = "SELECT"
            + " coalesce((SELECT max(seq) FROM _edgesync_changes) - (SELECT min(seq) FROM _edgesync_changes) + 1, 0),"
            + " (SELECT captured_at FROM _edgesync_changes ORDER BY seq LIMIT 1),"
            + " coalesce((SELECT seq FROM sqlite_sequence WHERE name = '_edgesync_changes'), 0)";

    private final DataSource dataSource;
    private final long cacheMs;
    private final LongSupplier clockMs;
    private ChangeTableStats last;
    private long readAtMs;
    private boolean read;

    public ChangeTableReader(DataSource dataSource, long cacheMs) {
        this(dataSource, cacheMs, System::currentTimeMillis);
    }

    ChangeTableReader(DataSource dataSource, long cacheMs, LongSupplier clockMs) {
        this.dataSource = dataSource;
        this.cacheMs = cacheMs;
        this.clockMs = clockMs;
    }

    /** The validated value of edgesync.metrics.cache.ms. */
    public static long cacheMs(String value) {
        try {
            long parsed = Long.parseLong(value == null ? "" : value.trim());
            if (parsed >= 0 && parsed <= 3_600_000) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("edgesync.metrics.cache.ms is \"" + value
                + "\", but must be a whole number of milliseconds from 0 to 3600000.");
    }

    /** @return the figures, at most {@code cacheMs} old; null when the table cannot be read (also cached) */
    public synchronized ChangeTableStats current() {
        long now = clockMs.getAsLong();
        if (!read || now - readAtMs >= cacheMs) {
            last = readNow();
            readAtMs = now;
            read = true;
        }
        return last;
    }

    private ChangeTableStats readNow() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SQL)) {
            rs.next();
            long backlog = rs.getLong(1);
            long oldest = rs.getLong(2);
            Long oldestCapturedAt = rs.wasNull() ? null : oldest;
            return new ChangeTableStats(backlog, oldestCapturedAt, rs.getLong(3));
        } catch (SQLException | RuntimeException e) {
            return null;
        }
    }
}
