package org.edgesync.edge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * What poll-changes has journaled in this process, and the removal of those rows from the change table.
 * <p>
 * The poll reads the rows after {@link #after()}, not the table's lowest rows, so it never has to wait for the
 * shop's write lock before it reads and publishes the next batch: the DELETE of what was published is tried after
 * each batch with a short lock wait ({@link #deleteIfUnlocked()}) and, when that finds the shop writing, left for a
 * later try. A shop that writes flat out (a bulk import, end-of-day jobs) otherwise stalls publishing for seconds
 * per batch, since SQLite lets one writer in at a time. When the change table has nothing more to publish, the
 * poll deletes waiting as long as EdgeSync waits anywhere ({@link #delete()}).
 * <p>
 * The mark lives only in memory: after a restart it is 0, and the rows that were journaled but not yet deleted are
 * read and sent again, which the cloud takes as duplicates of (device, seq), the same as after a crash between a
 * send and its DELETE.
 */
public class PublishedChanges {

    /** How long a DELETE between two batches waits for the shop's write lock before it is left for later. */
    static final int SHORT_LOCK_WAIT_MS = 20;

    private static final Logger LOG = LoggerFactory.getLogger(PublishedChanges.class);
    private static final String DELETE = "DELETE FROM _edgesync_changes WHERE seq <= ?";

    private final DataSource dataSource;
    private volatile long publishedThrough;
    private volatile long deletedThrough;

    public PublishedChanges(DataSource dataSource) {
        this.dataSource = dataSource;
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
     * Deletes the published rows if the shop's write lock comes free within {@value #SHORT_LOCK_WAIT_MS} ms.
     *
     * @return the rows deleted; 0 also when the lock stayed taken (the rows wait for a later try)
     */
    public int deleteIfUnlocked() throws SQLException {
        return delete(SHORT_LOCK_WAIT_MS);
    }

    /** Deletes the published rows, waiting for the shop's write lock up to {@link SqliteDataSources#BUSY_TIMEOUT_MS}. */
    public int delete() throws SQLException {
        return delete(SqliteDataSources.BUSY_TIMEOUT_MS);
    }

    private int delete(int lockWaitMs) throws SQLException {
        long through = publishedThrough;
        if (through <= deletedThrough) {
            return 0;
        }
        try (Connection connection = dataSource.getConnection()) {
            SQLiteConnection sqlite = connection.unwrap(SQLiteConnection.class);
            sqlite.setBusyTimeout(lockWaitMs);
            try (PreparedStatement delete = connection.prepareStatement(DELETE)) {
                delete.setLong(1, through);
                int rows = delete.executeUpdate();
                deletedThrough = through;
                return rows;
            } catch (SQLiteException e) {
                if (lockWaitMs < SqliteDataSources.BUSY_TIMEOUT_MS && isBusy(e)) {
                    return 0;
                }
                throw e;
            } finally {
                sqlite.setBusyTimeout(SqliteDataSources.BUSY_TIMEOUT_MS);
            }
        }
    }

    private static boolean isBusy(SQLiteException e) {
        SQLiteErrorCode code = e.getResultCode();
        return code == SQLiteErrorCode.SQLITE_BUSY || code == SQLiteErrorCode.SQLITE_BUSY_SNAPSHOT
                || code == SQLiteErrorCode.SQLITE_BUSY_RECOVERY || code == SQLiteErrorCode.SQLITE_BUSY_TIMEOUT;
    }
}
