package org.edgesync.cloud.housekeeping;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deletes staged changes the loader is done with, once they are older than the retention: a row goes only when its
 * seq is at or below the device's {@code loaded_through_seq} (applied to the targets, or quarantined) and it was
 * received before now minus the retention. Rows of changes that are open in quarantine stay, so an operator still
 * finds them beside their neighbours. Until then staging is also the audit trail of what each device sent.
 * <p>
 * Each device is walked from its lowest seq in chunks, each chunk its own short transaction (a primary-key range
 * read, then a delete by key), so no lock is held for long and ingest and loading go on meanwhile. A device's walk
 * stops at the first row still inside the retention: seqs arrive roughly in order, so what follows it is younger.
 */
public class StagingRetention {

    /** Bound on chunks in one fire, so a first purge of a large history does not hold a scheduler thread for ever. */
    static final int MAX_CHUNKS_PER_RUN = 200;

    private static final Logger LOG = LoggerFactory.getLogger(StagingRetention.class);

    private static final String LOADED = """
            SELECT device_id, loaded_through_seq FROM edgesync.load_progress
            WHERE loaded_through_seq > 0 ORDER BY device_id""";
    private static final String HEAD = """
            SELECT s.seq, s.received_at < ? AS expired,
                   EXISTS (SELECT 1 FROM edgesync.quarantine q
                           WHERE q.device_id = s.device_id AND q.seq = s.seq AND q.status = 'open') AS open_quarantine
            FROM edgesync.staged_change s
            WHERE s.device_id = ? AND s.seq > ? AND s.seq <= ?
            ORDER BY s.seq LIMIT ?""";
    private static final String DELETE = "DELETE FROM edgesync.staged_change WHERE device_id = ? AND seq = ANY (?)";

    private final DataSource dataSource;
    private final Duration retention;
    private final int chunkRows;
    private final Clock clock;

    /**
     * @param retention how long a loaded change stays staged after it was received
     * @param chunkRows most rows one transaction deletes
     */
    public StagingRetention(DataSource dataSource, Duration retention, int chunkRows, Clock clock) {
        this.dataSource = dataSource;
        this.retention = retention;
        this.chunkRows = chunkRows;
        this.clock = clock;
    }

    /** What one run deleted, per device. */
    public record Purged(Map<String, Long> byDevice, boolean moreWork) {

        public long total() {
            return byDevice.values().stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public String toString() {
            return total() + " staged changes on " + byDevice.size() + " devices" + (moreWork ? ", more next run" : "");
        }
    }

    /** Deletes what is expired, at most {@value #MAX_CHUNKS_PER_RUN} chunks. */
    public Purged purgeExpired() throws SQLException {
        Timestamp cutoff = Timestamp.from(clock.instant().minus(retention));
        Map<String, Long> byDevice = new LinkedHashMap<>();
        int chunks = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            for (Map.Entry<String, Long> device : loadedDevices(c).entrySet()) {
                long after = 0;
                while (true) {
                    if (chunks++ >= MAX_CHUNKS_PER_RUN) {
                        return done(new Purged(byDevice, true));
                    }
                    Chunk chunk = head(c, device.getKey(), after, device.getValue(), cutoff);
                    if (!chunk.expired().isEmpty()) {
                        byDevice.merge(device.getKey(), (long) delete(c, device.getKey(), chunk.expired()), Long::sum);
                    }
                    if (chunk.reachedYoungRow() || chunk.lastSeq() == 0 || chunk.rows() < chunkRows) {
                        break;
                    }
                    after = chunk.lastSeq();
                }
            }
        }
        return done(new Purged(byDevice, false));
    }

    private static Purged done(Purged purged) {
        if (purged.total() > 0) {
            LOG.info("Staging retention deleted {}", purged);
        } else {
            LOG.debug("Staging retention found nothing to delete");
        }
        return purged;
    }

    private static Map<String, Long> loadedDevices(Connection c) throws SQLException {
        Map<String, Long> devices = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement(LOADED); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                devices.put(rs.getString(1), rs.getLong(2));
            }
        }
        return devices;
    }

    /** The next rows of the device above {@code after}: the expired ones before the first young row, minus held ones. */
    private record Chunk(List<Long> expired, int rows, long lastSeq, boolean reachedYoungRow) {
    }

    private Chunk head(Connection c, String deviceId, long after, long loadedThrough, Timestamp cutoff) throws SQLException {
        List<Long> expired = new ArrayList<>();
        int rows = 0;
        long last = 0;
        try (PreparedStatement s = c.prepareStatement(HEAD)) {
            s.setTimestamp(1, cutoff);
            s.setString(2, deviceId);
            s.setLong(3, after);
            s.setLong(4, loadedThrough);
            s.setInt(5, chunkRows);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    last = rs.getLong(1);
                    if (!rs.getBoolean(2)) {
                        return new Chunk(expired, rows, last, true);
                    }
                    if (!rs.getBoolean(3)) {
                        expired.add(last);
                    }
                }
            }
        }
        return new Chunk(expired, rows, last, false);
    }

    private static int delete(Connection c, String deviceId, List<Long> seqs) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(DELETE)) {
            Array array = c.createArrayOf("bigint", seqs.toArray());
            s.setString(1, deviceId);
            s.setArray(2, array);
            return s.executeUpdate();
        }
    }
}
