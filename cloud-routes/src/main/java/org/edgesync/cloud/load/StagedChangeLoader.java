package org.edgesync.cloud.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.load.TargetWriter.Change;
import org.edgesync.cloud.load.TargetWriter.RowKey;
import org.edgesync.cloud.load.TargetWriter.Write;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.mapping.TransformException;
import org.edgesync.cloud.support.HaltPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Moves staged changes into the typed target tables. One run is one transaction: it takes the cluster-wide
 * load lock (a PostgreSQL advisory lock, so two loaders never apply the same change), takes per device the
 * contiguous run of seqs after {@code loaded_through_seq} (a gap, i.e. a batch not yet arrived, stops that device
 * there: order is by seq, never by clock), converts each change by its {@link TableMapping} (in SQL where
 * {@link SqlConversions} converts it exactly as the Java transform would, else in Java), keeps only the latest change
 * per target row, applies the deletes and upserts of each target table set-based (one statement each), quarantines
 * what cannot be applied with its reason, and advances {@code load_progress}.
 * <p>
 * A quarantined change is the poison of its source key (device, table, primary key): every later change of that
 * key, in this run or any later one, is quarantined as held behind it until an operator resolves it, so a key
 * never ends at a state the device did not have after the poison.
 */
public class StagedChangeLoader {

    /** Advisory lock key that serialises loaders (and quarantine replays) across all cloud nodes ("EdgeSync"). */
    public static final long LOAD_LOCK_KEY = 0x4564676553796e63L;
    /**
     * How long one scheduler fire keeps starting runs while they find work: long enough that a backlog drains
     * without waiting for the next fire between runs, short enough that a fire ends now and then.
     */
    static final long MAX_FIRE_MILLIS = 30_000;

    private static final Logger LOG = LoggerFactory.getLogger(StagedChangeLoader.class);

    private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock(?)";
    // Per device one range scan of staged_change's primary key above its progress, at most ? seqs: the cost follows
    // the backlog, not the table's history. The contiguous run that continues the progress is the prefix where
    // seq = loaded_through_seq + rank; the first gap (a batch not yet arrived) ends it.
    private static final String SELECT_RANGES = """
            SELECT d.device_id, coalesce(p.loaded_through_seq, 0), max(s.seq)
            FROM edgesync.device d
            LEFT JOIN edgesync.load_progress p ON p.device_id = d.device_id
            CROSS JOIN LATERAL (
                SELECT c.seq, row_number() OVER (ORDER BY c.seq) AS rn
                FROM edgesync.staged_change c
                WHERE c.device_id = d.device_id AND c.seq > coalesce(p.loaded_through_seq, 0)
                ORDER BY c.seq
                LIMIT ?) s
            WHERE s.seq = coalesce(p.loaded_through_seq, 0) + s.rn
            GROUP BY d.device_id, p.loaded_through_seq
            ORDER BY d.device_id""";
    // The run's changes, once, in a temporary table (no WAL) that every statement of the run reads. "java" marks
    // the changes that go through the Java conversion: here those SQL would not convert the same way (%s is the
    // plain test of each mapped table), below every other change of their keys and of held keys.
    // Each device's range is its own index range scan (OFFSET 0 keeps the seq bounds in the index condition).
    private static final String CREATE_RUN = """
            CREATE TEMPORARY TABLE edgesync_run ON COMMIT DROP AS
            SELECT x.device_id, x.seq, x.table_name, x.op, x.pk, x."row", x.store_id, NOT coalesce(%s, false) AS java
            FROM (SELECT s.device_id, s.seq, s.table_name, s.op, s.pk, s."row", d.store_id
                  FROM unnest(?::text[], ?::bigint[], ?::bigint[]) AS g(device_id, after_seq, through_seq)
                  JOIN edgesync.device d ON d.device_id = g.device_id
                  CROSS JOIN LATERAL (
                      SELECT c.device_id, c.seq, c.table_name, c.op, c.pk, c."row" FROM edgesync.staged_change c
                      WHERE c.device_id = g.device_id AND c.seq > g.after_seq AND c.seq <= g.through_seq
                      OFFSET 0) s) x""";
    private static final String HELD_KEYS = """
            SELECT device_id, table_name, pk FROM edgesync.quarantine
            WHERE status = 'open' AND device_id IN (SELECT DISTINCT device_id FROM edgesync_run)""";
    private static final String ANY_JAVA_PATH = "SELECT EXISTS (SELECT 1 FROM edgesync_run WHERE java) OR EXISTS ("
            + HELD_KEYS + ")";
    // A key goes one way as a whole: all its changes of the run, or none, take the Java path.
    private static final String MARK_JAVA = """
            UPDATE edgesync_run SET java = true
            WHERE NOT java AND (device_id, table_name, pk) IN (
                SELECT device_id, table_name, pk FROM edgesync_run WHERE java
                UNION
            """ + HELD_KEYS + ")";
    private static final String SQL_PATH_COUNTS =
            "SELECT table_name, count(*) FROM edgesync_run WHERE NOT java GROUP BY table_name";
    private static final String SELECT_JAVA_PATH = """
            SELECT device_id, seq, table_name, op, pk::text, "row"::text, store_id
            FROM edgesync_run WHERE java ORDER BY device_id, seq""";
    // per held key the poison it waits behind: the open poison, or (poison discarded, replay not yet run) the
    // poison its held changes name
    private static final String SELECT_HELD = """
            SELECT device_id, table_name, pk::text,
                   coalesce(min(seq) FILTER (WHERE held_behind_seq IS NULL), min(held_behind_seq))
            FROM edgesync.quarantine
            WHERE status = 'open' AND device_id = ANY (?)
            GROUP BY device_id, table_name, pk""";
    private static final String QUARANTINE = """
            INSERT INTO edgesync.quarantine (device_id, seq, table_name, op, pk, "row", reason, held_behind_seq)
            VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)
            ON CONFLICT (device_id, seq) DO UPDATE SET reason = EXCLUDED.reason, held_behind_seq = EXCLUDED.held_behind_seq,
                status = 'open', resolved_at = NULL, resolution = NULL, quarantined_at = now()""";
    private static final String PROGRESS = """
            INSERT INTO edgesync.load_progress AS p (device_id, loaded_through_seq, updated_at) VALUES (?, ?, now())
            ON CONFLICT (device_id) DO UPDATE SET loaded_through_seq = EXCLUDED.loaded_through_seq, updated_at = now()
            WHERE p.loaded_through_seq < EXCLUDED.loaded_through_seq""";

    private final DataSource dataSource;
    private final TableMappings mappings;
    private final TargetWriter writer;
    private final String createRun;
    private final Map<TableMapping, SqlStatements> sqlStatements = new ConcurrentHashMap<>();
    private final AtomicInteger lastTableNumbers = new AtomicInteger();
    private final int maxChangesPerDevice;
    /** null unless the fault-scenario suite armed it: then one null check per run. */
    private final HaltPoint midUpsert;
    private final ObjectMapper json = new ObjectMapper();
    private volatile boolean stopping;

    /** @param maxChangesPerDevice how many changes of one device one run takes at most */
    public StagedChangeLoader(DataSource dataSource, TableMappings mappings, int maxChangesPerDevice) {
        this(dataSource, mappings, maxChangesPerDevice, null);
    }

    /** @param haltPoint armed halt point of the fault-scenario suite, or null (always in production) */
    public StagedChangeLoader(DataSource dataSource, TableMappings mappings, int maxChangesPerDevice, HaltPoint haltPoint) {
        this.dataSource = dataSource;
        this.mappings = mappings;
        this.writer = new TargetWriter(mappings);
        this.createRun = CREATE_RUN.formatted(mappings.all().isEmpty() ? "false" : mappings.all().stream()
                .map(m -> "WHEN '" + m.sourceTable() + "' THEN " + SqlConversions.plain(m))
                .collect(Collectors.joining(" ", "CASE x.table_name ", " ELSE false END")));
        this.maxChangesPerDevice = maxChangesPerDevice;
        this.midUpsert = haltPoint != null && HaltPoint.MID_UPSERT.equals(haltPoint.point()) ? haltPoint : null;
    }

    /**
     * Runs again and again while the last run found work (staged changes keep arriving while the previous run
     * commits), until a run finds none, another loader holds the lock, {@value #MAX_FIRE_MILLIS} ms have passed,
     * or the node stops.
     */
    public LoadReport loadAvailable() throws SQLException {
        long start = System.nanoTime();
        LoadReport total = loadOnce();
        LoadReport last = total;
        while (last.changes() > 0 && !stopping && millisSince(start) < MAX_FIRE_MILLIS) {
            last = loadOnce();
            total = total.plus(last);
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

    /** Makes a running {@link #loadAvailable()} return after its current run, so the node can stop promptly. */
    public void stop() {
        stopping = true;
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
                List<Range> ranges = selectRanges(connection);
                if (ranges.isEmpty()) {
                    connection.commit();
                    return LoadReport.nothing(millisSince(start));
                }
                LoadReport report = new Run(connection).apply(ranges, start);
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

    /** The state of one run. */
    private final class Run {
        final Connection connection;
        final List<Rejected> rejected = new ArrayList<>();
        // every write of the run by target row, in seq order: the last one is applied, the others are superseded
        // unless the target refuses a later one
        final Map<RowKey, List<Write>> versions = new LinkedHashMap<>();
        boolean setWritten;
        int superseded;

        Run(Connection connection) {
            this.connection = connection;
        }

        LoadReport apply(List<Range> ranges, long start) throws SQLException {
            int changes = createRunTable(ranges);
            markJavaPath();
            long prepared = System.nanoTime();
            int[] applied = new int[2];
            Map<String, Integer> sqlPath = sqlPathCounts();
            for (TableMapping mapping : mappings.all()) {
                Integer count = sqlPath.get(mapping.sourceTable());
                if (count != null) {
                    applySqlPath(mapping, count, applied);
                }
            }
            long sqlDone = System.nanoTime();
            List<Change> work = selectJavaPath();
            Map<String, Long> heldBehind = work.isEmpty() ? Map.of() : selectHeld(connection, work);
            for (Change change : work) {
                Long poison = heldBehind.get(change.sourceKey());
                if (poison != null) {
                    rejected.add(new Rejected(change, "held behind quarantined seq " + poison, poison));
                    continue;
                }
                try {
                    Write write = writer.transform(change);
                    List<Write> rowVersions = versions.computeIfAbsent(write.key(), k -> new ArrayList<>());
                    if (!rowVersions.isEmpty()) {
                        superseded++;
                    }
                    rowVersions.add(write);
                } catch (TransformException e) {
                    rejected.add(new Rejected(change, e.getMessage(), null));
                    heldBehind.put(change.sourceKey(), change.seq());
                }
            }

            Map<TableMapping, List<Write>> byTable = versions.values().stream().map(v -> v.get(v.size() - 1))
                    .collect(Collectors.groupingBy(Write::mapping, LinkedHashMap::new, Collectors.toList()));
            for (List<Write> table : byTable.values()) {
                applySet(table.stream().filter(w -> !w.delete()).toList(), false, applied);
                applySet(table.stream().filter(Write::delete).toList(), true, applied);
            }

            writeQuarantine(rejected);
            writeProgress(ranges);
            LOG.debug("Run of {} changes: prepare {} ms, SQL path {} ms, Java path {} changes {} ms", changes,
                    (prepared - start) / 1_000_000, (sqlDone - prepared) / 1_000_000, work.size(), millisSince(sqlDone));
            boolean moreWork = ranges.stream().anyMatch(r -> r.through() - r.after() >= maxChangesPerDevice);
            return new LoadReport(ranges.size(), changes, applied[0], applied[1], superseded, rejected.size(),
                    false, moreWork, millisSince(start));
        }

        private int createRunTable(List<Range> ranges) throws SQLException {
            try (PreparedStatement create = connection.prepareStatement(createRun)) {
                create.setArray(1, connection.createArrayOf("text", ranges.stream().map(Range::deviceId).toArray()));
                create.setArray(2, connection.createArrayOf("bigint", ranges.stream().map(Range::after).toArray()));
                create.setArray(3, connection.createArrayOf("bigint", ranges.stream().map(Range::through).toArray()));
                return create.executeUpdate();
            }
        }

        private void markJavaPath() throws SQLException {
            try (Statement mark = connection.createStatement(); ResultSet any = mark.executeQuery(ANY_JAVA_PATH)) {
                any.next();
                if (any.getBoolean(1)) {
                    mark.executeUpdate(MARK_JAVA);
                }
            }
        }

        private Map<String, Integer> sqlPathCounts() throws SQLException {
            Map<String, Integer> counts = new HashMap<>();
            try (Statement select = connection.createStatement(); ResultSet rs = select.executeQuery(SQL_PATH_COUNTS)) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getInt(2));
                }
            }
            return counts;
        }

        /**
         * The changes of one source table that SQL converts: the last per target row into a temporary table, then
         * one DELETE and one INSERT ... ON CONFLICT DO UPDATE of the target, both only where the target row does not
         * already reflect a newer change. If the target refuses a value, the table's changes of this run go the
         * Java way instead, which finds the poison row and loads the rest.
         */
        private void applySqlPath(TableMapping mapping, int changes, int[] applied) throws SQLException {
            SqlStatements sql = sqlStatements.computeIfAbsent(mapping,
                    m -> new SqlStatements(m, lastTableNumbers.incrementAndGet()));
            Savepoint before = connection.setSavepoint();
            try (PreparedStatement last = connection.prepareStatement(sql.createLast);
                 Statement statement = connection.createStatement()) {
                last.setString(1, mapping.sourceTable());
                last.executeUpdate();
                int rows;
                int deletes;
                try (ResultSet rs = statement.executeQuery(sql.count)) {
                    rs.next();
                    rows = rs.getInt(1);
                    deletes = rs.getInt(2);
                }
                if (deletes > 0) {
                    statement.executeUpdate(sql.delete);
                }
                if (rows > deletes) {
                    statement.executeUpdate(sql.upsert);
                }
                firstSetWritten();
                connection.releaseSavepoint(before);
                applied[0] += rows - deletes;
                applied[1] += deletes;
                superseded += changes - rows;
            } catch (SQLException e) {
                if (!TargetWriter.isRefusedValue(e)) {
                    throw e;
                }
                connection.rollback(before);
                LOG.debug("Target {} refused a value of the set; its changes of this run go the Java way: {}",
                        mapping.targetName(), TargetWriter.firstLine(e.getMessage()));
                try (PreparedStatement mark = connection.prepareStatement(
                        "UPDATE edgesync_run SET java = true WHERE table_name = ?")) {
                    mark.setString(1, mapping.sourceTable());
                    mark.executeUpdate();
                }
            }
        }

        private List<Change> selectJavaPath() throws SQLException {
            List<Change> work = new ArrayList<>();
            try (Statement select = connection.createStatement(); ResultSet rs = select.executeQuery(SELECT_JAVA_PATH)) {
                while (rs.next()) {
                    String pkText = rs.getString(5);
                    work.add(new Change(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            object(pkText), pkText, object(rs.getString(6)), rs.getString(7)));
                }
            }
            return work;
        }

        /**
         * Applies the rows (all of one table, all upserts or all deletes) in one set-based statement under a
         * savepoint. If the target refuses a value (data or constraint error), the set is halved and each half
         * tried again, down to single rows: a refused row is quarantined and its previous version in this run, if
         * any, applied instead; a few poison rows cost a few statements each, not one statement per row. Any other
         * error fails the whole run, which the next fire retries.
         */
        private void applySet(List<Write> rows, boolean delete, int[] applied) throws SQLException {
            if (rows.isEmpty()) {
                return;
            }
            Savepoint whole = connection.setSavepoint();
            try {
                writer.writeAll(connection, rows.get(0).mapping(), delete, rows);
                connection.releaseSavepoint(whole);
                count(rows, applied);
                firstSetWritten();
                return;
            } catch (SQLException e) {
                if (!TargetWriter.isRefusedValue(e)) {
                    throw e;
                }
                connection.rollback(whole);
            }
            if (rows.size() == 1) {
                applyNewestAccepted(versions.get(rows.get(0).key()), applied);
                return;
            }
            int half = rows.size() / 2;
            applySet(rows.subList(0, half), delete, applied);
            applySet(rows.subList(half, rows.size()), delete, applied);
        }

        /**
         * Tries the row's versions from the newest down until the target accepts one. The oldest refused version
         * is the key's poison; the newer refused ones are held behind it.
         */
        private void applyNewestAccepted(List<Write> rowVersions, int[] applied) throws SQLException {
            List<Write> refused = new ArrayList<>();
            Map<Write, String> reasons = new IdentityHashMap<>();
            int accepted = -1;
            for (int v = rowVersions.size() - 1; v >= 0 && accepted < 0; v--) {
                Write row = rowVersions.get(v);
                Savepoint one = connection.setSavepoint();
                try {
                    writer.writeOne(connection, row);
                    connection.releaseSavepoint(one);
                    count(List.of(row), applied);
                    accepted = v;
                } catch (SQLException e) {
                    if (!TargetWriter.isRefusedValue(e)) {
                        throw e;
                    }
                    connection.rollback(one);
                    refused.add(row);
                    reasons.put(row, TargetWriter.refusedReason(row, e));
                }
            }
            // before: all but the newest version counted as superseded; now only those older than the accepted one
            superseded += Math.max(accepted, 0) - (rowVersions.size() - 1);
            if (refused.isEmpty()) {
                return;
            }
            Write poison = refused.get(refused.size() - 1);
            rejected.add(new Rejected(poison.change(), reasons.get(poison), null));
            for (Write held : refused.subList(0, refused.size() - 1)) {
                rejected.add(new Rejected(held.change(), "held behind quarantined seq " + poison.change().seq(),
                        poison.change().seq()));
            }
        }

        private void count(List<Write> rows, int[] applied) {
            for (Write row : rows) {
                applied[row.delete() ? 1 : 0]++;
            }
        }

        private void firstSetWritten() {
            if (!setWritten) {
                setWritten = true;
                if (midUpsert != null) {
                    midUpsert.reached();
                }
            }
        }

        private void writeQuarantine(List<Rejected> rejected) throws SQLException {
            if (rejected.isEmpty()) {
                return;
            }
            try (PreparedStatement insert = connection.prepareStatement(QUARANTINE)) {
                for (Rejected r : rejected) {
                    insert.setString(1, r.change.deviceId());
                    insert.setLong(2, r.change.seq());
                    insert.setString(3, r.change.table());
                    insert.setString(4, r.change.op());
                    insert.setString(5, r.change.pkText());
                    insert.setString(6, r.change.row() == null ? null : r.change.row().toString());
                    insert.setString(7, r.reason);
                    insert.setObject(8, r.heldBehind);
                    insert.addBatch();
                    if (r.heldBehind == null) {
                        LOG.warn("Quarantined change {}#{} of table '{}': {}", r.change.deviceId(), r.change.seq(),
                                r.change.table(), r.reason);
                    } else {
                        LOG.info("Quarantined change {}#{} of table '{}': {}", r.change.deviceId(), r.change.seq(),
                                r.change.table(), r.reason);
                    }
                }
                insert.executeBatch();
            }
        }

        private void writeProgress(List<Range> ranges) throws SQLException {
            try (PreparedStatement upsert = connection.prepareStatement(PROGRESS)) {
                for (Range range : ranges) {
                    upsert.setString(1, range.deviceId());
                    upsert.setLong(2, range.through());
                    upsert.addBatch();
                }
                upsert.executeBatch();
            }
        }
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

    /** One device's part of a run: the seqs after {@code after} up to {@code through}, all staged. */
    private record Range(String deviceId, long after, long through) {
    }

    private List<Range> selectRanges(Connection connection) throws SQLException {
        List<Range> ranges = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(SELECT_RANGES)) {
            select.setInt(1, maxChangesPerDevice);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    ranges.add(new Range(rs.getString(1), rs.getLong(2), rs.getLong(3)));
                }
            }
        }
        return ranges;
    }

    private static Map<String, Long> selectHeld(Connection connection, List<Change> work) throws SQLException {
        Map<String, Long> held = new HashMap<>();
        try (PreparedStatement select = connection.prepareStatement(SELECT_HELD)) {
            Array devices = connection.createArrayOf("text", work.stream().map(Change::deviceId).distinct().toArray());
            select.setArray(1, devices);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    Change key = new Change(rs.getString(1), 0, rs.getString(2), null, null, rs.getString(3), null, null);
                    held.put(key.sourceKey(), rs.getLong(4));
                }
            }
        }
        return held;
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

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * The set-based SQL of one mapping: the last change per target row of the run into a temporary table, then the
     * delete and the upsert of the target from it. Built only from validated, quoted identifiers.
     */
    private static final class SqlStatements {
        final String createLast;
        final String delete;
        final String upsert;
        final String count;

        /** @param number distinct per mapping: names the temporary table (a source table's name may be too long) */
        SqlStatements(TableMapping mapping, int number) {
            String last = "edgesync_last_" + number;
            List<String> keys = mapping.targetKeyColumns();
            List<String> columns = mapping.targetColumns();
            String sourceSeq = TableMapping.quote(TableMapping.SOURCE_SEQ);
            createLast = "CREATE TEMPORARY TABLE " + last + " ON COMMIT DROP AS SELECT DISTINCT ON (" + join(keys)
                    + ") r.op AS edgesync_op, " + SqlConversions.selectTargetColumns(mapping)
                    + " FROM edgesync_run r WHERE r.table_name = ? AND NOT r.java ORDER BY " + join(keys) + ", "
                    + sourceSeq + " DESC";
            delete = "DELETE FROM " + mapping.quotedTarget() + " AS t USING " + last + " AS l WHERE l.edgesync_op = 'delete' AND "
                    + keys.stream().map(k -> "t." + TableMapping.quote(k) + " = l." + TableMapping.quote(k))
                            .collect(Collectors.joining(" AND "))
                    + " AND t." + sourceSeq + " <= l." + sourceSeq;
            upsert = "INSERT INTO " + mapping.quotedTarget() + " AS t (" + join(columns) + ") SELECT " + join(columns)
                    + " FROM " + last + " WHERE edgesync_op <> 'delete' ON CONFLICT (" + join(keys) + ") DO UPDATE SET "
                    + columns.stream().filter(c -> !keys.contains(c))
                            .map(c -> TableMapping.quote(c) + " = EXCLUDED." + TableMapping.quote(c))
                            .collect(Collectors.joining(", "))
                    + " WHERE t." + sourceSeq + " <= EXCLUDED." + sourceSeq;
            count = "SELECT count(*), count(*) FILTER (WHERE edgesync_op = 'delete') FROM " + last;
        }

        private static String join(List<String> names) {
            return names.stream().map(TableMapping::quote).collect(Collectors.joining(", "));
        }
    }

    private record Rejected(Change change, String reason, Long heldBehind) {
    }
}
