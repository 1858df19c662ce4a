package org.edgesync.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.mapping.ChangeTransformer;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.mapping.TransformException;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares a device's SQLite tables with the cloud's target tables. Each device row is passed
 * through the same table mapping the cloud's loader uses, so the comparison is over the values the
 * cloud should hold; rows are compared as whole canonical tuples, which catches missing, stale,
 * extra and duplicated rows alike. Rows are also matched by key, so a stale version counts as different rather
 * than as one missing and one extra, and each side gets an order-independent checksum. The cloud's ledger of the
 * device's seqs tells whether every change the device numbered arrived.
 */
public final class Reconciler {

    private static final int EXAMPLES = 3;

    private final TableMappings mappings;

    public Reconciler(Path mappingsFile) {
        this.mappings = TableMappings.load(mappingsFile);
    }

    public Reconciliation reconcile(Path shopDb, PostgresTarget pg, String deviceId, String storeId) throws SQLException {
        List<Reconciliation.TableResult> results = new ArrayList<>();
        Reconciliation.Ledger ledger;
        try (Connection device = Demo.sqlite(shopDb); Connection cloud = pg.connect()) {
            for (TableMapping mapping : mappings.all()) {
                results.add(reconcileTable(mapping, device, cloud, deviceId, storeId));
            }
            ledger = ledger(device, cloud, deviceId);
        }
        return new Reconciliation(deviceId, results, ledger);
    }

    private Reconciliation.TableResult reconcileTable(TableMapping mapping, Connection device, Connection cloud,
                                                      String deviceId, String storeId) throws SQLException {
        List<String> columns = mapping.targetColumns().stream().filter(c -> !TableMapping.SOURCE_SEQ.equals(c)).sorted().toList();
        List<String> keyColumns = mapping.targetKeyColumns();
        List<String> examples = new ArrayList<>();
        // key -> canonical tuple; a key is unique on both sides (primary keys), so a map is exact
        Map<String, String> expected = new HashMap<>();
        Checksum deviceSum = new Checksum();
        long deviceRows = 0;
        long untransformable = 0;
        try (Statement s = device.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM \"" + mapping.sourceTable().replace("\"", "\"\"") + "\"")) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                ObjectNode row = JsonNodeFactory.instance.objectNode();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    put(row, meta.getColumnName(i), rs.getObject(i));
                }
                deviceRows++;
                Map<String, Object> target;
                try {
                    target = new TreeMap<>(ChangeTransformer.transform(mapping, row, deviceId, storeId));
                } catch (TransformException e) {
                    untransformable++;
                    if (examples.size() < EXAMPLES) {
                        examples.add("device row the mapping refuses: " + row + " (" + e.getMessage() + ")");
                    }
                    continue;
                }
                String tuple = canonical(target);
                deviceSum.add(tuple);
                expected.put(key(target, keyColumns), tuple);
            }
        }
        long cloudRows = 0;
        long different = 0;
        long onlyInCloud = 0;
        Checksum cloudSum = new Checksum();
        String select = "SELECT " + String.join(", ", columns.stream().map(Reconciler::quote).toList())
                + " FROM " + mapping.quotedTarget() + " WHERE device_id = ?";
        try (PreparedStatement ps = cloud.prepareStatement(select)) {
            ps.setString(1, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> actual = new TreeMap<>();
                    for (int i = 0; i < columns.size(); i++) {
                        actual.put(columns.get(i), rs.getObject(i + 1));
                    }
                    cloudRows++;
                    String tuple = canonical(actual);
                    cloudSum.add(tuple);
                    String key = key(actual, keyColumns);
                    String want = expected.remove(key);
                    if (want == null) {
                        onlyInCloud++;
                        if (examples.size() < EXAMPLES) {
                            examples.add("only in cloud: " + tuple);
                        }
                    } else if (!want.equals(tuple)) {
                        different++;
                        if (examples.size() < EXAMPLES) {
                            examples.add("different: device " + want + " / cloud " + tuple);
                        }
                    }
                }
            }
        }
        long absent = expected.size();
        expected.values().stream().limit(Math.max(0, EXAMPLES - examples.size()))
                .forEach(tuple -> examples.add("only on device: " + tuple));
        return new Reconciliation.TableResult(mapping.sourceTable(), mapping.targetName(), deviceRows, cloudRows,
                absent, different, onlyInCloud, untransformable, deviceSum.hex(), cloudSum.hex(), examples);
    }

    /**
     * The cloud's record of which seqs of the device it staged. Read from the {@code edgesync.device_ledger} view
     * where the cloud has it, else computed the same way from {@code edgesync.staged_change}.
     */
    static Reconciliation.Ledger ledger(Connection device, Connection cloud, String deviceId) throws SQLException {
        long deviceMaxSeq;
        long backlog;
        try (Statement s = device.createStatement()) {
            deviceMaxSeq = longOf(s, "SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = '_edgesync_changes'");
            backlog = longOf(s, "SELECT count(*) FROM _edgesync_changes");
        }
        long highest;
        long maxReceived;
        long missing;
        String gaps;
        String source;
        if (exists(cloud, "edgesync.device_ledger")) {
            source = "edgesync.device_ledger";
            try (PreparedStatement ps = cloud.prepareStatement("SELECT highest_contiguous_seq, max_seq_received, "
                    + "missing_count, gaps::text FROM edgesync.device_ledger WHERE device_id = ?")) {
                ps.setString(1, deviceId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        highest = rs.getLong(1);
                        maxReceived = rs.getLong(2);
                        missing = rs.getLong(3);
                        gaps = rs.getString(4);
                    } else {
                        highest = 0;
                        maxReceived = 0;
                        missing = 0;
                        gaps = "";
                    }
                }
            }
        } else {
            source = "computed from edgesync.staged_change";
            List<String> ranges = new ArrayList<>();
            long count;
            try (PreparedStatement ps = cloud.prepareStatement(
                    "SELECT COALESCE(MAX(seq), 0), count(*) FROM edgesync.staged_change WHERE device_id = ?")) {
                ps.setString(1, deviceId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    maxReceived = rs.getLong(1);
                    count = rs.getLong(2);
                }
            }
            long firstGapStart = 0;
            try (PreparedStatement ps = cloud.prepareStatement("""
                    SELECT prev + 1, seq - 1 FROM (
                      SELECT seq, COALESCE(lag(seq) OVER (ORDER BY seq), 0) AS prev
                      FROM edgesync.staged_change WHERE device_id = ?) s
                    WHERE seq > prev + 1 ORDER BY seq""")) {
                ps.setString(1, deviceId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (firstGapStart == 0) {
                            firstGapStart = rs.getLong(1);
                        }
                        if (ranges.size() < 10) {
                            ranges.add(rs.getLong(1) == rs.getLong(2) ? String.valueOf(rs.getLong(1)) : rs.getLong(1) + "-" + rs.getLong(2));
                        }
                    }
                }
            }
            highest = firstGapStart == 0 ? maxReceived : firstGapStart - 1;
            missing = maxReceived - count;
            gaps = String.join(",", ranges);
        }
        long stagedDuplicates = longOf(cloud, "SELECT count(*) - count(DISTINCT seq) FROM edgesync.staged_change WHERE device_id = ?", deviceId);
        // open ones only: replayed and discarded changes stay in the table as the operator's record
        long quarantined = exists(cloud, "edgesync.quarantine")
                ? longOf(cloud, "SELECT count(*) FROM edgesync.quarantine WHERE device_id = ?"
                        + (hasColumn(cloud, "quarantine", "status") ? " AND status = 'open'" : ""), deviceId) : 0;
        return new Reconciliation.Ledger(deviceMaxSeq, backlog, highest, maxReceived, missing, gaps, stagedDuplicates,
                quarantined, source);
    }

    private static boolean exists(Connection c, String relation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, relation);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.columns "
                + "WHERE table_schema = 'edgesync' AND table_name = ? AND column_name = ?")) {
            ps.setString(1, table);
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static long longOf(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static long longOf(Connection c, String sql, String parameter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, parameter);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static String key(Map<String, Object> row, List<String> keyColumns) {
        StringBuilder key = new StringBuilder();
        for (String column : keyColumns) {
            key.append(canonicalValue(row.get(column))).append('\u0000');
        }
        return key.toString();
    }

    /**
     * An order-independent hash of a multiset of rows: the sum, modulo 2^64, of the first 8 bytes of each
     * canonical tuple's SHA-256. Sums (unlike XOR) do not cancel a row that appears twice.
     */
    static final class Checksum {
        private long sum;
        private long rows;

        void add(String canonicalTuple) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonicalTuple.getBytes(StandardCharsets.UTF_8));
                sum += ByteBuffer.wrap(digest, 0, 8).getLong();
                rows++;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        String hex() {
            return String.format("%016x", sum);
        }
    }

    private static void put(ObjectNode row, String column, Object value) {
        if (value == null) {
            row.putNull(column);
        } else if (value instanceof Integer || value instanceof Long) {
            row.put(column, ((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            row.put(column, ((Number) value).doubleValue());
        } else if (value instanceof byte[] bytes) {
            row.put(column, HexFormat.of().withUpperCase().formatHex(bytes));
        } else {
            row.put(column, value.toString());
        }
    }

    /** One stable text per row, so values read from PostgreSQL and values computed here compare equal. */
    static String canonical(Map<String, Object> row) {
        StringBuilder text = new StringBuilder("{");
        row.forEach((column, value) -> text.append(column).append('=').append(canonicalValue(value)).append(", "));
        if (text.length() > 1) {
            text.setLength(text.length() - 2);
        }
        return text.append('}').toString();
    }

    static String canonicalValue(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.signum() == 0 ? "0" : decimal.stripTrailingZeros().toPlainString();
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return String.valueOf(((Number) value).longValue());
        }
        if (value instanceof Double || value instanceof Float) {
            return canonicalValue(BigDecimal.valueOf(((Number) value).doubleValue()));
        }
        if (value instanceof OffsetDateTime time) {
            return time.toInstant().toString();
        }
        if (value instanceof java.sql.Timestamp time) {
            return time.toInstant().toString();
        }
        return "'" + value + "'";
    }

    private static String quote(String identifier) {
        return TableMapping.quote(identifier);
    }
}
