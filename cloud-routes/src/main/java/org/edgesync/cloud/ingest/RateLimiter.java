package org.edgesync.cloud.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Per-device token bucket kept in PostgreSQL (edgesync.rate_bucket), so every node of the cluster enforces the same
 * limit: one row per device, refilled at {@code ratePerSecond} up to {@code burst}, updated in one atomic statement.
 */
public class RateLimiter {

    /** Takes a token when one is there (refill computed from the elapsed time); returns nothing when empty. */
    private static final String TAKE = "INSERT INTO edgesync.rate_bucket AS b (device_id, tokens, refreshed_at)"
            + " VALUES (?, ? - 1, clock_timestamp())"
            + " ON CONFLICT (device_id) DO UPDATE SET"
            + "   tokens = least(?, b.tokens + extract(epoch FROM clock_timestamp() - b.refreshed_at) * ?) - 1,"
            + "   refreshed_at = clock_timestamp()"
            + " WHERE least(?, b.tokens + extract(epoch FROM clock_timestamp() - b.refreshed_at) * ?) >= 1"
            + " RETURNING tokens";
    private static final String WAIT = "SELECT greatest(1, ceil((1 - least(?, tokens + extract(epoch FROM"
            + " clock_timestamp() - refreshed_at) * ?)) / ?)) FROM edgesync.rate_bucket WHERE device_id = ?";

    private final double ratePerSecond;
    private final double burst;

    public RateLimiter(double ratePerSecond, int burst) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
    }

    /**
     * Takes one token in its own statement on the caller's connection (autocommit).
     *
     * @throws RateLimitedException when the device's bucket is empty, with the seconds until a token is back */
    public void acquire(Connection connection, String deviceId) throws SQLException {
        try (PreparedStatement take = connection.prepareStatement(TAKE)) {
            take.setString(1, deviceId);
            take.setDouble(2, burst);
            take.setDouble(3, burst);
            take.setDouble(4, ratePerSecond);
            take.setDouble(5, burst);
            take.setDouble(6, ratePerSecond);
            try (ResultSet rs = take.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
        }
        long waitSeconds = 1;
        try (PreparedStatement wait = connection.prepareStatement(WAIT)) {
            wait.setDouble(1, burst);
            wait.setDouble(2, ratePerSecond);
            wait.setDouble(3, ratePerSecond);
            wait.setString(4, deviceId);
            try (ResultSet rs = wait.executeQuery()) {
                if (rs.next()) {
                    waitSeconds = Math.max(1, rs.getLong(1));
                }
            }
        }
        throw new RateLimitedException(waitSeconds);
    }
}
