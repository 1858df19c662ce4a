package org.edgesync.cloud.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.mapping.ChangeTransformer;
import org.edgesync.cloud.mapping.ColumnMapping;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.mapping.TransformException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Moves staged changes into the typed target tables. One run is one transaction: it takes the cluster-wide
 * load lock (a PostgreSQL advisory lock, so two loaders never apply the same change), takes per device the
 * contiguous run of seqs after {@code loaded_through_seq} (a gap, i.e. a batch not yet arrived, stops that device
 * there: order is by seq, never by clock), transforms each change through its {@link TableMapping}, keeps only
 * the latest change per target row, applies upserts and deletes in JDBC batches, quarantines what cannot be
 * applied with its reason, and advances {@code load_progress}.
 */
public class StagedChangeLoader {

    /** Advisory lock key that serialises loaders across all cloud nodes ("EdgeSync" in ASCII). */
    public static final long LOAD_LOCK_KEY = 0x4564676553796e63L;
    /** Bound on runs in one scheduler fire, so a huge backlog does not hold a scheduler thread for ever. */
    static final int MAX_RUNS_PER_FIRE = 20;

    private static final Logger LOG = LoggerFactory.getLogger(StagedChangeLoader.class);

    private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock(?)";
    // seq - row_number() is constant along a run of consecutive seqs; the run that continues the device's
    // progress is the one where it equals loaded_through_seq.
    private static final String SELECT_WORK = """
            SELECT device_id, seq, table_name, op, pk::text, "row"::text, store_id, rn
            FROM (SELECT s.device_id, s.seq, s.table_name, s.op, s.pk, s."row", d.store_id,
                         coalesce(p.loaded_through_seq, 0) AS loaded,
                         s.seq - row_number() OVER w AS run_base,
                         row_number() OVER w AS rn
                  FROM edgesync.staged_change s
                  JOIN edgesync.device d ON d.device_id = s.device_id
                  LEFT JOIN edgesync.load_progress p ON p.device_id = s.device_id
                  WHERE s.seq > coalesce(p.loaded_through_seq, 0)
                  WINDOW w AS (PARTITION BY s.device_id ORDER BY s.seq)) staged
            WHERE run_base = loaded AND rn <= ?
            ORDER BY device_id, seq""";
    private static final String QUARANTINE = """
            INSERT INTO edgesync.quarantine (device_id, seq, table_name, op, pk, "row", reason)
            VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)
            ON CONFLICT (device_id, seq) DO UPDATE SET reason = EXCLUDED.reason, quarantined_at = now()""";
    private static final String PROGRESS = """
            INSERT INTO edgesync.load_progress AS p (device_id, loaded_through_seq, updated_at) VALUES (?, ?, now())
            ON CONFLICT (device_id) DO UPDATE SET loaded_through_seq = EXCLUDED.loaded_through_seq, updated_at = now()
            WHERE p.loaded_through_seq < EXCLUDED.loaded_through_seq""";

    private final DataSource dataSource;
    private final TableMappings mappings;
    private final int maxChangesPerDevice;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<TableMapping, Statements> statements = new ConcurrentHashMap<>();

    /** @param maxChangesPerDevice how many changes of one device one run takes at most */
    public StagedChangeLoader(DataSource dataSource, TableMappings mappings, int maxChangesPerDevice) {
        this.dataSource = dataSource;
        this.mappings = mappings;
        this.maxChangesPerDevice = maxChangesPerDevice;
    }

    /** Runs until no contiguous work is left, another loader holds the lock, or {@value #MAX_RUNS_PER_FIRE} runs. */
    public LoadReport loadAvailable() throws SQLException {
        LoadReport total = loadOnce();
        for (int run = 1; run < MAX_RUNS_PER_FIRE && total.moreWork() && !total.skipped(); run++) {
            total = total.plus(loadOnce());
        }
        if (total.changes() > 0) {
            LOG.info("Loaded staged changes: {}", total);
        } else if (total.skipped()) {
            LOG.debug("Another loader holds the load lock; skipped this run");
        } else {
            LOG.debug("No staged changes to load");
        }
        return total;
    }

    /** One run, one transaction. */
    public LoadReport loadOnce() throws SQLException {
        long start = System.nanoTime();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                if (!tryLock(connection)) {
                    connection.rollback();
                    return LoadReport.skippedRun(millisSince(start));
                }
                List<Staged> work = selectWork(connection);
                if (work.isEmpty()) {
                    connection.commit();
                    return LoadReport.nothing(millisSince(start));
                }
                LoadReport report = apply(connection, work, start);
                connection.commit();
                return report;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
    }

    private LoadReport apply(Connection connection, List<Staged> work, long start) throws SQLException {
        List<Rejected> rejected = new ArrayList<>();
        // one entry per target row: a later change of the same row replaces the earlier one (work is in seq order)
        Map<RowKey, Pending> latest = new LinkedHashMap<>();
        Map<String, Long> progress = new LinkedHashMap<>();
        boolean moreWork = false;
        int superseded = 0;
        for (Staged change : work) {
            progress.put(change.deviceId, change.seq);
            moreWork |= change.rn >= maxChangesPerDevice;
            try {
                Pending pending = transform(change);
                Pending previous = latest.remove(pending.key);
                if (previous != null) {
                    superseded++;
                }
                latest.put(pending.key, pending);
            } catch (TransformException e) {
                rejected.add(new Rejected(change, e.getMessage()));
            }
        }

        Map<TableMapping, List<Pending>> byTable = latest.values().stream()
                .collect(Collectors.groupingBy(p -> p.mapping, LinkedHashMap::new, Collectors.toList()));
        int upserts = 0;
        int deletes = 0;
        for (Map.Entry<TableMapping, List<Pending>> table : byTable.entrySet()) {
            Statements sql = statements.computeIfAbsent(table.getKey(), Statements::new);
            List<Pending> toUpsert = table.getValue().stream().filter(p -> !p.delete).toList();
            List<Pending> toDelete = table.getValue().stream().filter(p -> p.delete).toList();
            upserts += applyBatch(connection, sql.upsert, toUpsert, sql::bindUpsert, rejected);
            deletes += applyBatch(connection, sql.delete, toDelete, sql::bindDelete, rejected);
        }

        writeQuarantine(connection, rejected);
        writeProgress(connection, progress);
        return new LoadReport(progress.size(), work.size(), upserts, deletes, superseded, rejected.size(), false,
                moreWork, millisSince(start));
    }

    private Pending transform(Staged change) {
        TableMapping mapping = mappings.mapping(change.table).orElseThrow(() -> new TransformException(
                "Source table '" + change.table + "' has no mapping in " + mappings.file().getFileName()));
        if ("delete".equals(change.op)) {
            Map<String, Object> key = ChangeTransformer.transformKey(mapping, change.pk, change.deviceId);
            return new Pending(mapping, change, new RowKey(mapping.targetName(), List.copyOf(key.values())), key, true);
        }
        if (change.row == null) {
            throw new TransformException("Change of table '" + change.table + "' is an " + change.op + " without a row image");
        }
        ObjectNode row = change.row.deepCopy();
        change.pk.fields().forEachRemaining(e -> {
            if (!row.has(e.getKey())) {
                row.set(e.getKey(), e.getValue());
            }
        });
        Map<String, Object> values = ChangeTransformer.transform(mapping, row, change.deviceId, change.storeId);
        List<Object> key = mapping.targetKeyColumns().stream().map(values::get).toList();
        return new Pending(mapping, change, new RowKey(mapping.targetName(), key), values, false);
    }

    /**
     * Applies a batch under a savepoint. If the target refuses a value (data or constraint error), the batch is
     * retried row by row and only the refused rows are quarantined; any other error fails the whole run, which
     * the next fire retries.
     */
    private int applyBatch(Connection connection, String sql, List<Pending> rows, Binder binder, List<Rejected> rejected)
            throws SQLException {
        if (rows.isEmpty()) {
            return 0;
        }
        Savepoint whole = connection.setSavepoint();
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (Pending row : rows) {
                binder.bind(statement, row);
                statement.addBatch();
            }
            statement.executeBatch();
            connection.releaseSavepoint(whole);
            return rows.size();
        } catch (SQLException e) {
            if (!isRefusedValue(e)) {
                throw e;
            }
            connection.rollback(whole);
        }
        int applied = 0;
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            for (Pending row : rows) {
                Savepoint one = connection.setSavepoint();
                try {
                    binder.bind(statement, row);
                    statement.executeUpdate();
                    connection.releaseSavepoint(one);
                    applied++;
                } catch (SQLException e) {
                    if (!isRefusedValue(e)) {
                        throw e;
                    }
                    connection.rollback(one);
                    rejected.add(new Rejected(row.change, "Target " + row.mapping.targetName() + " refused the row: "
                            + firstLine(e.getMessage())));
                }
            }
        }
        return applied;
    }

    /** SQLSTATE class 22 (data exception) or 23 (integrity constraint violation), anywhere in the chain. */
    private static boolean isRefusedValue(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            String state = x.getSQLState();
            if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    private boolean tryLock(Connection connection) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement(TRY_LOCK)) {
            lock.setLong(1, LOAD_LOCK_KEY);
            try (ResultSet rs = lock.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private List<Staged> selectWork(Connection connection) throws SQLException {
        List<Staged> work = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(SELECT_WORK)) {
            select.setInt(1, maxChangesPerDevice);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    work.add(new Staged(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            object(rs.getString(5)), object(rs.getString(6)), rs.getString(7), rs.getLong(8)));
                }
            }
        }
        return work;
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

    private void writeQuarantine(Connection connection, List<Rejected> rejected) throws SQLException {
        if (rejected.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(QUARANTINE)) {
            for (Rejected r : rejected) {
                insert.setString(1, r.change.deviceId);
                insert.setLong(2, r.change.seq);
                insert.setString(3, r.change.table);
                insert.setString(4, r.change.op);
                insert.setString(5, r.change.pk.toString());
                insert.setString(6, r.change.row == null ? null : r.change.row.toString());
                insert.setString(7, r.reason);
                insert.addBatch();
                LOG.warn("Quarantined change {}#{} of table '{}': {}", r.change.deviceId, r.change.seq, r.change.table, r.reason);
            }
            insert.executeBatch();
        }
    }

    private void writeProgress(Connection connection, Map<String, Long> progress) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement(PROGRESS)) {
            for (Map.Entry<String, Long> device : progress.entrySet()) {
                upsert.setString(1, device.getKey());
                upsert.setLong(2, device.getValue());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    private record Staged(String deviceId, long seq, String table, String op, ObjectNode pk, ObjectNode row,
                          String storeId, long rn) {
    }

    private record RowKey(String target, List<Object> key) {
    }

    private record Pending(TableMapping mapping, Staged change, RowKey key, Map<String, Object> values, boolean delete) {
    }

    private record Rejected(Staged change, String reason) {
    }

    @FunctionalInterface
    private interface Binder {
        void bind(PreparedStatement statement, Pending row) throws SQLException;
    }

    /** SQL of one target table, built only from validated, quoted identifiers. */
    private static final class Statements {
        final String upsert;
        final String delete;
        final List<String> columns;
        final List<String> keys;
        final Map<String, Integer> nullTypes = new HashMap<>();

        Statements(TableMapping mapping) {
            columns = mapping.targetColumns();
            keys = mapping.targetKeyColumns();
            for (ColumnMapping c : mapping.columns()) {
                nullTypes.put(c.target(), c.conversion().sqlType());
            }
            String target = mapping.quotedTarget();
            String sourceSeq = TableMapping.quote(TableMapping.SOURCE_SEQ);
            upsert = "INSERT INTO " + target + " AS t (" + join(columns, "", ", ") + ") VALUES ("
                    + columns.stream().map(c -> "?").collect(Collectors.joining(", ")) + ") ON CONFLICT ("
                    + join(keys, "", ", ") + ") DO UPDATE SET "
                    + columns.stream().filter(c -> !keys.contains(c))
                            .map(c -> TableMapping.quote(c) + " = EXCLUDED." + TableMapping.quote(c))
                            .collect(Collectors.joining(", "))
                    + " WHERE t." + sourceSeq + " <= EXCLUDED." + sourceSeq;
            delete = "DELETE FROM " + target + " WHERE "
                    + keys.stream().map(k -> TableMapping.quote(k) + " = ?").collect(Collectors.joining(" AND "))
                    + " AND " + sourceSeq + " <= ?";
        }

        void bindUpsert(PreparedStatement statement, Pending row) throws SQLException {
            int i = 1;
            for (String column : columns) {
                Object value = TableMapping.SOURCE_SEQ.equals(column) ? (Object) row.change.seq : row.values.get(column);
                bind(statement, i++, value, nullTypes.getOrDefault(column, Types.VARCHAR));
            }
        }

        void bindDelete(PreparedStatement statement, Pending row) throws SQLException {
            int i = 1;
            for (String key : keys) {
                bind(statement, i++, row.values.get(key), nullTypes.getOrDefault(key, Types.VARCHAR));
            }
            statement.setLong(i, row.change.seq);
        }

        private static void bind(PreparedStatement statement, int index, Object value, int nullType) throws SQLException {
            if (value == null) {
                statement.setNull(index, nullType);
            } else {
                statement.setObject(index, value);
            }
        }

        private static String join(List<String> names, String prefix, String separator) {
            return names.stream().map(n -> prefix + TableMapping.quote(n)).collect(Collectors.joining(separator));
        }
    }
}
