package org.edgesync.cloud.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.load.StagedChangeLoader;
import org.edgesync.cloud.load.TargetWriter;
import org.edgesync.cloud.load.TargetWriter.Change;
import org.edgesync.cloud.load.TargetWriter.Write;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.mapping.TransformException;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator does with {@code edgesync.quarantine}: list it, replay the open changes with the current
 * mappings, or discard a change as obsolete. Replay and discard take the loader's advisory lock, so they never
 * interleave with a load run on any node.
 */
public final class QuarantineBook {

    private static final String LOCK = "SELECT pg_advisory_xact_lock(?)";
    private static final String LIST = """
            SELECT device_id, seq, table_name, op, pk::text, status, held_behind_seq, reason
            FROM edgesync.quarantine WHERE (?::text IS NULL OR device_id = ?) ORDER BY device_id, seq""";
    private static final String OPEN_DEVICES = """
            SELECT DISTINCT device_id FROM edgesync.quarantine
            WHERE status = 'open' AND (?::text IS NULL OR device_id = ?) ORDER BY device_id""";
    private static final String OPEN_OF_DEVICE = """
            SELECT q.seq, q.table_name, q.op, q.pk::text, q."row"::text, d.store_id
            FROM edgesync.quarantine q JOIN edgesync.device d ON d.device_id = q.device_id
            WHERE q.device_id = ? AND q.status = 'open' ORDER BY q.seq FOR UPDATE OF q""";
    private static final String STILL_OPEN = """
            UPDATE edgesync.quarantine SET reason = ?, held_behind_seq = ? WHERE device_id = ? AND seq = ?""";
    private static final String RESOLVE = """
            UPDATE edgesync.quarantine SET status = ?, resolved_at = now(), resolution = ?
            WHERE device_id = ? AND seq = ? AND status = 'open'""";
    private static final String STATUS = "SELECT status FROM edgesync.quarantine WHERE device_id = ? AND seq = ?";
    private static final String DEVICE_EXISTS = "SELECT count(*) FROM edgesync.device WHERE device_id = ?";
    private static final String COUNT_OPEN = """
            SELECT count(*) FROM edgesync.quarantine WHERE status = 'open' AND (?::text IS NULL OR device_id = ?)""";

    private final DataSource dataSource;
    private final ObjectMapper json = new ObjectMapper();

    public QuarantineBook(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** One quarantined change as listed. */
    public record Entry(String deviceId, long seq, String table, String op, String key, String status, Long heldBehindSeq,
                        String reason) {
    }

    /** Outcome of a replay of one device. */
    public record Replayed(String deviceId, int replayed, int poison, int held) {

        public int stillOpen() {
            return poison + held;
        }
    }

    /** @param deviceId null for every device */
    public List<Entry> list(String deviceId) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(LIST)) {
            s.setString(1, deviceId);
            s.setString(2, deviceId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long held = rs.getLong(7);
                    entries.add(new Entry(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.wasNull() ? null : held, rs.getString(8)));
                }
            }
        }
        return entries;
    }

    public boolean deviceExists(String deviceId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(DEVICE_EXISTS)) {
            s.setString(1, deviceId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    /** Open quarantined changes, of one device or (null) of all. */
    public long openCount(String deviceId) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(COUNT_OPEN)) {
            s.setString(1, deviceId);
            s.setString(2, deviceId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Re-applies the open changes of each device in seq order through the given (current) mappings, one transaction
     * per device under the load lock. A change that still fails becomes (or stays) the poison of its key and the
     * later changes of that key stay held behind it; every applied one is marked replayed. A write only takes effect
     * where the target row does not already reflect a newer change.
     *
     * @param deviceId null for every device
     */
    public List<Replayed> replay(String deviceId, TableMappings mappings) throws SQLException {
        TargetWriter writer = new TargetWriter(mappings);
        List<String> devices = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(OPEN_DEVICES)) {
            s.setString(1, deviceId);
            s.setString(2, deviceId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    devices.add(rs.getString(1));
                }
            }
        }
        List<Replayed> results = new ArrayList<>();
        for (String device : devices) {
            results.add(replayDevice(device, writer));
        }
        return results;
    }

    private Replayed replayDevice(String deviceId, TargetWriter writer) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c);
                List<Change> open = new ArrayList<>();
                try (PreparedStatement s = c.prepareStatement(OPEN_OF_DEVICE)) {
                    s.setString(1, deviceId);
                    try (ResultSet rs = s.executeQuery()) {
                        while (rs.next()) {
                            open.add(new Change(deviceId, rs.getLong(1), rs.getString(2), rs.getString(3),
                                    object(rs.getString(4)), rs.getString(4), object(rs.getString(5)), rs.getString(6)));
                        }
                    }
                }
                Map<String, Long> poisonOfKey = new HashMap<>();
                int replayed = 0;
                int poison = 0;
                int held = 0;
                for (Change change : open) {
                    Long blocking = poisonOfKey.get(change.sourceKey());
                    if (blocking != null) {
                        stillOpen(c, change, "held behind quarantined seq " + blocking, blocking);
                        held++;
                        continue;
                    }
                    String failure;
                    try {
                        failure = apply(c, writer, change);
                    } catch (TransformException e) {
                        failure = e.getMessage();
                    }
                    if (failure == null) {
                        replayed++;
                    } else {
                        stillOpen(c, change, failure, null);
                        poisonOfKey.put(change.sourceKey(), change.seq());
                        poison++;
                    }
                }
                c.commit();
                return new Replayed(deviceId, replayed, poison, held);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
    }

    /** @return null when applied (and marked replayed), else why the target refused it */
    private String apply(Connection c, TargetWriter writer, Change change) throws SQLException {
        Write write = writer.transform(change);
        Savepoint one = c.setSavepoint();
        int rows;
        try {
            rows = writer.writeOne(c, write);
            c.releaseSavepoint(one);
        } catch (SQLException e) {
            if (!TargetWriter.isRefusedValue(e)) {
                throw e;
            }
            c.rollback(one);
            return TargetWriter.refusedReason(write, e);
        }
        String note = rows > 0 ? "replayed with the current mappings"
                : write.delete() ? "replayed with the current mappings; the row was already gone"
                : "replayed with the current mappings; the target row already reflects a newer change";
        resolve(c, change.deviceId(), change.seq(), "replayed", note);
        return null;
    }

    /**
     * Marks one open change discarded: an operator declares it obsolete (e.g. the device repaired the row later).
     * The changes held behind it are released at the next replay.
     *
     * @return empty when discarded, else the change's status ("replayed", "discarded") or "missing"
     */
    public String discard(String deviceId, long seq, String note) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c);
                if (resolve(c, deviceId, seq, "discarded", note)) {
                    c.commit();
                    return "";
                }
                c.rollback();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            try (PreparedStatement s = c.prepareStatement(STATUS)) {
                s.setString(1, deviceId);
                s.setLong(2, seq);
                try (ResultSet rs = s.executeQuery()) {
                    return rs.next() ? rs.getString(1) : "missing";
                }
            }
        }
    }

    private static void lock(Connection c) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement(LOCK)) {
            lock.setLong(1, StagedChangeLoader.LOAD_LOCK_KEY);
            lock.execute();
        }
    }

    private static boolean resolve(Connection c, String deviceId, long seq, String status, String note) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(RESOLVE)) {
            s.setString(1, status);
            s.setString(2, note);
            s.setString(3, deviceId);
            s.setLong(4, seq);
            return s.executeUpdate() == 1;
        }
    }

    private static void stillOpen(Connection c, Change change, String reason, Long heldBehind) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(STILL_OPEN)) {
            s.setString(1, reason);
            s.setObject(2, heldBehind);
            s.setString(3, change.deviceId());
            s.setLong(4, change.seq());
            s.executeUpdate();
        }
    }

    private ObjectNode object(String text) {
        if (text == null) {
            return null;
        }
        try {
            JsonNode node = json.readTree(text);
            return node instanceof ObjectNode object ? object : null;
        } catch (IOException e) {
            throw new IllegalStateException("jsonb column returned invalid JSON", e);
        }
    }
}
