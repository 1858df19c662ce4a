package org.edgesync.cloud.admin;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The device rows behind {@code ops/devices}: which devices may send, under which key version. No secrets here. */
final class DeviceRegistry {

    record Device(String deviceId, String storeId, String status, int keyVersion, String enrolledAt, String lastSeenAt) {
    }

    private final DataSource dataSource;

    DeviceRegistry(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Enrols a new device at key version 1, or re-enrols a revoked one at its next key version.
     *
     * @return the key version now current, or -1 when the device is enrolled and active already
     */
    int enrol(String deviceId, String storeId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement upsert = c.prepareStatement(
                     "INSERT INTO edgesync.device AS d (device_id, store_id, key_version, status) VALUES (?, ?, 1, 'active')"
                     + " ON CONFLICT (device_id) DO UPDATE SET store_id = excluded.store_id,"
                     + " key_version = d.key_version + 1, status = 'active', revoked_at = NULL, enrolled_at = now()"
                     + " WHERE d.status <> 'active' RETURNING key_version")) {
            upsert.setString(1, deviceId);
            upsert.setString(2, storeId);
            try (ResultSet rs = upsert.executeQuery()) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    /** @return true when revoked now, false when it was revoked already; null when unknown */
    Boolean revoke(String deviceId) throws SQLException {
        Device before = find(deviceId);
        if (before == null) {
            return null;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE edgesync.device SET status = 'revoked',"
                     + " revoked_at = coalesce(revoked_at, now()) WHERE device_id = ?")) {
            update.setString(1, deviceId);
            update.executeUpdate();
        }
        return !"revoked".equals(before.status());
    }

    /** @return the new key version; -1 when the device is unknown, -2 when it is not active */
    int rotate(String deviceId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE edgesync.device SET key_version = key_version + 1"
                     + " WHERE device_id = ? AND status = 'active' RETURNING key_version")) {
            update.setString(1, deviceId);
            try (ResultSet rs = update.executeQuery()) {
                if (rs.next()) {
                    return rs.getInt(1);
                }
            }
        }
        return find(deviceId) == null ? -1 : -2;
    }

    Device find(String deviceId) throws SQLException {
        for (Device d : list()) {
            if (d.deviceId().equals(deviceId)) {
                return d;
            }
        }
        return null;
    }

    List<Device> list() throws SQLException {
        List<Device> devices = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT device_id, store_id, status, key_version,"
                     + " to_char(enrolled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                     + " coalesce(to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-')"
                     + " FROM edgesync.device ORDER BY device_id");
             ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                devices.add(new Device(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getString(5) == null ? "-" : rs.getString(5), rs.getString(6)));
            }
        }
        return devices;
    }
}
