package org.edgesync.cloud.auth;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Replay protection shared by every node: table edgesync.seen_request holds each accepted (device, nonce) until its
 * timestamp has left the window, so a request seen once can never be accepted again, whichever node it reaches.
 */
public class SeenRequests {

    private static final String REMEMBER = "INSERT INTO edgesync.seen_request (device_id, nonce, expires_at)"
            + " VALUES (?, ?, to_timestamp(?)) ON CONFLICT DO NOTHING";
    private static final String PURGE = "DELETE FROM edgesync.seen_request WHERE expires_at < now()";

    private final DataSource dataSource;
    private final long keepSeconds;

    /** @param maxSkewSeconds the timestamp window; rows are kept a minute longer than a request could be accepted */
    public SeenRequests(DataSource dataSource, long maxSkewSeconds) {
        this.dataSource = dataSource;
        this.keepSeconds = maxSkewSeconds + 60;
    }

    /**
     * Records the request in the caller's transaction.
     *
     * @return false when the same (device, nonce) was accepted before: a replay
     */
    public boolean remember(Connection connection, String deviceId, String nonce, long epochSeconds) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(REMEMBER)) {
            insert.setString(1, deviceId);
            insert.setString(2, nonce);
            insert.setLong(3, epochSeconds + keepSeconds);
            return insert.executeUpdate() == 1;
        }
    }

    /** Deletes the rows whose requests can no longer pass the timestamp check; returns how many. */
    public int purgeExpired() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement(PURGE)) {
            connection.setAutoCommit(true);
            return delete.executeUpdate();
        }
    }
}
