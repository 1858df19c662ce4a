package org.edgesync.edge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What poll-changes has journaled in this process, and the removal of those rows from the change table.
 * <p>
 * The poll reads the rows after {@link #after()}, not the table's lowest rows, so it never has to wait for the
 * shop's write lock before it reads and publishes the next batch: after each batch the DELETE of what was published
 * is tried only if the lock is free at that moment ({@link #deleteIfUnlocked()}), else left for later. A shop that
 * writes flat out (a bulk import, end-of-day jobs) otherwise stalls publishing for seconds per batch: SQLite lets one
 * writer in at a time, and its busy handler polls the lock with growing sleeps, so a waiting DELETE rarely lands in
 * the short gaps between the shop's transactions. When the poll's loop ends, it deletes the rest while the lock is
 * free ({@link #delete()}), and waits for the lock only when a backlog of published rows has piled up.
 * <p>
 * The mark lives only in memory: after a restart it is 0, and the rows that were journaled but not yet deleted are
 * read and sent again, which the cloud takes as duplicates of (device, seq), the same as after a crash between a
 * send and its DELETE.
 */
public class PublishedChanges {

    private static final Logger LOG = LoggerFactory.getLogger(PublishedChanges.class);
    private static final String DELETE = "DELETE FROM _edgesync_changes WHERE seq <= ?";
    private static final String LOWEST = "SELECT min(seq) FROM _edgesync_changes";
    /** Chunks of published rows beyond which {@link #delete()} waits for the shop's lock for one chunk. */
    static final int WAIT_AFTER_CHUNKS = 100;

    private final DataSource dataSource;
    private final int chunkRows;
    private volatile long publishedThrough;
    private volatile long deletedThrough;

    /** @param chunkRows the most rows one DELETE removes (the poll's batch size: a lock held as long as before) */
    public PublishedChanges(DataSource dataSource, int chunkRows) {
        this.dataSource = dataSource;
        this.chunkRows = chunkRows;
    }

    /** The highest seq journaled by this process (0 before the first): the poll reads the rows after it. */
    public long after() {
        return publishedThrough;
    }

    /**
     * The mark, checked against the change table's highest seq: when that is below the mark, the table's seq
     * restarted behind EdgeSync's back (a table rebuilt by hand), and the poll reads from the lowest row again
     * instead of skipping the new rows.
     *
     * @param highestSeq the table's highest seq now, or null when it is empty
     */
    public long after(Long highestSeq) {
        long mark = publishedThrough;
        if (highestSeq != null && highestSeq < mark) {
            LOG.warn("The change table's highest seq {} is below the {} already published: its seq restarted, so it is"
                    + " read from its lowest row again", highestSeq, mark);
            publishedThrough = 0;
            deletedThrough = 0;
            return 0;
        }
        return mark;
    }

    /** Called by the poll once the broker has the batch up to {@code lastSeq} on disk. */
    public void published(long lastSeq) {
        publishedThrough = lastSeq;
    }

    /**
     * Deletes published rows, at most one chunk, if the shop's write lock is free right now.
     *
     * @return the rows deleted; 0 also when the lock was taken (the rows wait for a later try)
     */
    public int deleteIfUnlocked() throws SQLException {
        return delete(false);
    }

    /**
     * Deletes the published rows, one chunk per transaction, while the shop's write lock is free at once; a busy lock
     * leaves the rest for the next poll. Only when more than {@value #WAIT_AFTER_CHUNKS} chunks of published rows are
     * waiting does it wait for the lock (up to {@link SqliteDataSources#BUSY_TIMEOUT_MS}) for one chunk, and then
     * stops: a shop that never pauses still loses a chunk per poll, and one that does loses them all at its next pause.
     * When the poll waited for the lock chunk by chunk, a shop writing flat out held publishing for 4 s at the end of
     * the benchmark's bulk load (250,000 published rows) and itself waited, in its busy handler, for every chunk after
     * the first.
     *
     * @return the rows deleted
     */
    public int delete() throws SQLException {
        return delete(true);
    }

    private int delete(boolean untilDone) throws SQLException {
        if (publishedThrough <= deletedThrough) {
            return 0;
        }
        int deleted = 0;
        try (Connection connection = dataSource.getConnection()) {
            SQLiteConnection sqlite = connection.unwrap(SQLiteConnection.class);
            try (PreparedStatement lowest = connection.prepareStatement(LOWEST);
                 PreparedStatement delete = connection.prepareStatement(DELETE)) {
                do {
                    long through = publishedThrough;
                    Long low = lowest(lowest);
                    if (low == null || low > through) {
                        deletedThrough = through;
                        break;
                    }
                    long upTo = Math.min(through, low + chunkRows - 1);
                    delete.setLong(1, upTo);
                    // only the DELETE tries the lock without waiting; the read of the lowest row never needs it (WAL)
                    sqlite.setBusyTimeout(0);
                    try {
                        deleted += delete.executeUpdate();
                    } catch (SQLiteException e) {
                        if (!isBusy(e)) {
                            throw e;
                        }
                        if (!untilDone || through - low < (long) WAIT_AFTER_CHUNKS * chunkRows) {
                            break;
                        }
                        sqlite.setBusyTimeout(SqliteDataSources.BUSY_TIMEOUT_MS);
                        deleted += delete.executeUpdate();
                        deletedThrough = upTo;
                        // the shop is writing and now waits in its busy handler: leave it the lock
                        break;
                    } finally {
                        sqlite.setBusyTimeout(SqliteDataSources.BUSY_TIMEOUT_MS);
                    }
                    deletedThrough = upTo;
                } while (untilDone && deletedThrough < publishedThrough);
            } finally {
                sqlite.setBusyTimeout(SqliteDataSources.BUSY_TIMEOUT_MS);
            }
        }
        return deleted;
    }

    private static Long lowest(PreparedStatement lowest) throws SQLException {
        try (ResultSet rs = lowest.executeQuery()) {
            long low = rs.next() ? rs.getLong(1) : 0;
            return rs.wasNull() ? null : low;
        }
    }

    private static boolean isBusy(SQLiteException e) {
        SQLiteErrorCode code = e.getResultCode();
        return code == SQLiteErrorCode.SQLITE_BUSY || code == SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT
                || code == SQLiteErrorCode.SQLITE_BUSY_RECOVERY || code == SQLiteErrorCode.SQLITE_BUSY_TIMEOUT;
    }
}
