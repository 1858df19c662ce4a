package org.edgesync.cloud.admin;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code edgesync.fleet_status}, with the silence threshold of the cloud's configuration. */
final class FleetStatus {

    /** One device as the fleet view shows it; boxed numbers are null until the device reported them. */
    record Device(String deviceId, String storeId, String status, Timestamp lastSeenAt, long loadedThroughSeq,
                  long highestContiguousSeq, long maxSeqReceived, long missingCount, String gaps, Long reportedBacklog,
                  Long oldestUnsentMs, Integer dlqDepth, Timestamp reportedAt, long openQuarantine,
                  String softwareVersion, String configVersion, boolean silent) {

        boolean hasGaps() {
            return missingCount > 0;
        }

        /** Changes wait on the device, or were received but are not yet loaded. */
        boolean behind() {
            return (reportedBacklog != null && reportedBacklog > 0) || loadedThroughSeq < maxSeqReceived;
        }
    }

    private static final String SELECT = "SELECT device_id, store_id, status, last_seen_at, loaded_through_seq,"
            + " highest_contiguous_seq, max_seq_received, missing_count, gaps, reported_backlog, oldest_unsent_ms,"
            + " dlq_depth, reported_at, open_quarantine, software_version, config_version, silent"
            + " FROM edgesync.fleet_status";

    private final DataSource dataSource;
    private final long silentAfterSeconds;

    FleetStatus(DataSource dataSource, long silentAfterSeconds) {
        this.dataSource = dataSource;
        this.silentAfterSeconds = silentAfterSeconds;
    }

    List<Device> all() throws SQLException {
        return query(SELECT + " ORDER BY store_id, device_id", null);
    }

    /** @return the device, or null when it is not enrolled */
    Device one(String deviceId) throws SQLException {
        List<Device> found = query(SELECT + " WHERE device_id = ?", deviceId);
        return found.isEmpty() ? null : found.get(0);
    }

    private List<Device> query(String sql, String deviceId) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement set = c.prepareStatement("SELECT set_config('edgesync.fleet_silent_after_s', ?, true)")) {
                set.setString(1, Long.toString(silentAfterSeconds));
                set.execute();
            }
            List<Device> devices = new ArrayList<>();
            try (PreparedStatement select = c.prepareStatement(sql)) {
                if (deviceId != null) {
                    select.setString(1, deviceId);
                }
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        devices.add(new Device(rs.getString(1), rs.getString(2), rs.getString(3), rs.getTimestamp(4),
                                rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8), rs.getString(9),
                                (Long) rs.getObject(10), (Long) rs.getObject(11), (Integer) rs.getObject(12),
                                rs.getTimestamp(13), rs.getLong(14), rs.getString(15), rs.getString(16),
                                rs.getBoolean(17)));
                    }
                }
            }
            c.commit();
            return devices;
        }
    }
}
