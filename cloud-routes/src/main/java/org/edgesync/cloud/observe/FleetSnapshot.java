package org.edgesync.cloud.observe;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The whole fleet as one query of {@code edgesync.device_metrics} saw it, with the cloud-wide totals. */
public record FleetSnapshot(Map<String, DeviceFigures> devices, long takenAtMs) {

    private static final String SELECT = "SELECT device_id, status, silent, last_seen_age_s, reported_backlog,"
            + " oldest_unsent_s, missing_count, dlq_depth, open_quarantine, staged_not_loaded, load_lag_s"
            + " FROM edgesync.device_metrics ORDER BY device_id";

    /** Reads every device in one statement; silence as {@code ops/status} judges it with the same setting. */
    public static FleetSnapshot read(DataSource dataSource, long silentAfterSeconds, long nowMs) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement set = c.prepareStatement("SELECT set_config('edgesync.fleet_silent_after_s', ?, true)")) {
                    set.setString(1, Long.toString(silentAfterSeconds));
                    set.execute();
                }
                Map<String, DeviceFigures> devices = new LinkedHashMap<>();
                try (PreparedStatement select = c.prepareStatement(SELECT); ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        devices.put(rs.getString(1), new DeviceFigures(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                                doubleOrNull(rs, 4), (Long) rs.getObject(5), doubleOrNull(rs, 6), rs.getLong(7),
                                (Integer) rs.getObject(8), rs.getLong(9), rs.getLong(10), doubleOrNull(rs, 11)));
                    }
                }
                c.commit();
                return new FleetSnapshot(Collections.unmodifiableMap(devices), nowMs);
            } finally {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        }
    }

    private static Double doubleOrNull(ResultSet rs, int column) throws SQLException {
        double value = rs.getDouble(column);
        return rs.wasNull() ? null : value;
    }

    public int deviceCount() {
        return devices.size();
    }

    public long silentDevices() {
        return devices.values().stream().filter(DeviceFigures::silent).count();
    }

    /** Changes staged and not yet loaded, all devices. */
    public long stagingBacklog() {
        return devices.values().stream().mapToLong(DeviceFigures::stagedNotLoaded).sum();
    }

    /** Seconds since the oldest change that waits to be loaded was received; 0 when none waits. */
    public double loadLagSeconds() {
        return devices.values().stream().map(DeviceFigures::loadLagSeconds).filter(v -> v != null)
                .mapToDouble(Double::doubleValue).max().orElse(0);
    }

    public long openQuarantine() {
        return devices.values().stream().mapToLong(DeviceFigures::openQuarantine).sum();
    }
}
