package org.edgesync.cloud.load;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.mapping.ChangeTransformer;
import org.edgesync.cloud.mapping.ColumnMapping;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.mapping.TransformException;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Turns a staged change into a write of its target table, and holds the SQL of each target table. Shared by the
 * loader and the quarantine replay, so a replayed change is written exactly as the loader would have written it:
 * an upsert or delete that only takes effect when the target row does not already reflect a newer change
 * ({@code source_seq}).
 */
public final class TargetWriter {

    private final TableMappings mappings;
    private final Map<TableMapping, Statements> statements = new ConcurrentHashMap<>();

    public TargetWriter(TableMappings mappings) {
        this.mappings = mappings;
    }

    /** One change as staged (or as quarantined): what the device sent, plus its store. */
    public record Change(String deviceId, long seq, String table, String op, ObjectNode pk, String pkText,
                         ObjectNode row, String storeId) {

        /** Identity of the source row: device, source table and primary key (jsonb text is canonical). */
        public String sourceKey() {
            return deviceId + '\u0000' + table + '\u0000' + pkText;
        }
    }

    /** A transformed change: the target row it writes, or deletes. */
    public record Write(TableMapping mapping, Change change, RowKey key, Map<String, Object> values, boolean delete) {
    }

    /** Identity of a target row. */
    public record RowKey(String target, List<Object> key) {
    }

    /** @throws TransformException when the change has no mapping or a value does not convert */
    public Write transform(Change change) {
        TableMapping mapping = mappings.mapping(change.table()).orElseThrow(() -> new TransformException(
                "Source table '" + change.table() + "' has no mapping in " + mappings.file().getFileName()));
        if ("delete".equals(change.op())) {
            Map<String, Object> key = ChangeTransformer.transformKey(mapping, change.pk(), change.deviceId());
            return new Write(mapping, change, new RowKey(mapping.targetName(), List.copyOf(key.values())), key, true);
        }
        if (change.row() == null) {
            throw new TransformException("Change of table '" + change.table() + "' is an " + change.op() + " without a row image");
        }
        ObjectNode row = change.row().deepCopy();
        change.pk().fields().forEachRemaining(e -> {
            if (!row.has(e.getKey())) {
                row.set(e.getKey(), e.getValue());
            }
        });
        Map<String, Object> values = ChangeTransformer.transform(mapping, row, change.deviceId(), change.storeId());
        List<Object> key = mapping.targetKeyColumns().stream().map(values::get).toList();
        return new Write(mapping, change, new RowKey(mapping.targetName(), key), values, false);
    }

    /** The upsert or delete statement of a write's table. */
    public String sql(Write write) {
        Statements sql = statements.computeIfAbsent(write.mapping(), Statements::new);
        return write.delete() ? sql.delete : sql.upsert;
    }

    public void bind(PreparedStatement statement, Write write) throws SQLException {
        Statements sql = statements.computeIfAbsent(write.mapping(), Statements::new);
        if (write.delete()) {
            sql.bindDelete(statement, write);
        } else {
            sql.bindUpsert(statement, write);
        }
    }

    /**
     * Writes many rows of one target table in one statement: the rows travel as one text array per column
     * (unnest), are cast to their conversion's type, and are merged with the same {@code source_seq} guard as
     * {@link #writeOne}. Every write must be of {@code mapping} and of the same kind (all upserts or all deletes).
     * Should two writes name the same target row after all (values equal to PostgreSQL but not to Java), the one
     * with the higher seq wins, as it would one row at a time.
     *
     * @return the rows the statement changed (less than {@code writes.size()} where the target already holds newer)
     */
    public int writeAll(Connection connection, TableMapping mapping, boolean delete, List<Write> writes) throws SQLException {
        Statements sql = statements.computeIfAbsent(mapping, Statements::new);
        List<String> columns = delete ? sql.keysAndSeq : sql.columns;
        try (PreparedStatement statement = connection.prepareStatement(delete ? sql.deleteAll : sql.upsertAll)) {
            for (int c = 0; c < columns.size(); c++) {
                String column = columns.get(c);
                String[] values = new String[writes.size()];
                for (int r = 0; r < values.length; r++) {
                    Write write = writes.get(r);
                    values[r] = TableMapping.SOURCE_SEQ.equals(column) ? Long.toString(write.change().seq())
                            : sqlText(write.values().get(column));
                }
                statement.setArray(c + 1, connection.createArrayOf("text", values));
            }
            return statement.executeUpdate();
        }
    }

    /** A converted value as PostgreSQL's text input of its type reads it back unchanged. */
    static String sqlText(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof OffsetDateTime time) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(time);
        }
        return value.toString();
    }

    /** Writes one change on its own; returns the rows affected (0 when the target already holds a newer change). */
    public int writeOne(Connection connection, Write write) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql(write))) {
            bind(statement, write);
            return statement.executeUpdate();
        }
    }

    /** SQLSTATE class 22 (data exception) or 23 (integrity constraint violation), anywhere in the chain. */
    public static boolean isRefusedValue(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            String state = x.getSQLState();
            if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    /** The reason recorded when the target refuses a row. */
    public static String refusedReason(Write write, SQLException e) {
        return "Target " + write.mapping().targetName() + " refused the row: " + firstLine(e.getMessage());
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    /** SQL of one target table, built only from validated, quoted identifiers. */
    private static final class Statements {
        final String upsert;
        final String delete;
        final List<String> columns;
        final List<String> keys;
        final Map<String, Integer> nullTypes = new HashMap<>();
        final List<String> keysAndSeq;
        final String upsertAll;
        final String deleteAll;

        Statements(TableMapping mapping) {
            columns = mapping.targetColumns();
            keys = mapping.targetKeyColumns();
            for (ColumnMapping c : mapping.columns()) {
                nullTypes.put(c.target(), c.conversion().sqlType());
            }
            String target = mapping.quotedTarget();
            String sourceSeq = TableMapping.quote(TableMapping.SOURCE_SEQ);
            upsert = "INSERT INTO " + target + " AS t (" + join(columns) + ") VALUES ("
                    + columns.stream().map(c -> "?").collect(Collectors.joining(", ")) + ") ON CONFLICT ("
                    + join(keys) + ") DO UPDATE SET "
                    + columns.stream().filter(c -> !keys.contains(c))
                            .map(c -> TableMapping.quote(c) + " = EXCLUDED." + TableMapping.quote(c))
                            .collect(Collectors.joining(", "))
                    + " WHERE t." + sourceSeq + " <= EXCLUDED." + sourceSeq;
            delete = "DELETE FROM " + target + " WHERE "
                    + keys.stream().map(k -> TableMapping.quote(k) + " = ?").collect(Collectors.joining(" AND "))
                    + " AND " + sourceSeq + " <= ?";

            keysAndSeq = new ArrayList<>(keys);
            keysAndSeq.add(TableMapping.SOURCE_SEQ);
            String updates = columns.stream().filter(c -> !keys.contains(c))
                    .map(c -> TableMapping.quote(c) + " = EXCLUDED." + TableMapping.quote(c))
                    .collect(Collectors.joining(", "));
            // DISTINCT ON keeps one row per key: ON CONFLICT may not touch a row twice in one statement
            upsertAll = "INSERT INTO " + target + " AS t (" + join(columns) + ") SELECT DISTINCT ON (" + join(keys)
                    + ") " + join(columns) + " FROM " + typedRows(columns) + " ORDER BY " + join(keys) + ", "
                    + sourceSeq + " DESC ON CONFLICT (" + join(keys) + ") DO UPDATE SET " + updates
                    + " WHERE t." + sourceSeq + " <= EXCLUDED." + sourceSeq;
            deleteAll = "DELETE FROM " + target + " AS t USING " + typedRows(keysAndSeq) + " WHERE "
                    + keys.stream().map(k -> "t." + TableMapping.quote(k) + " = d." + TableMapping.quote(k))
                            .collect(Collectors.joining(" AND "))
                    + " AND t." + sourceSeq + " <= d." + sourceSeq;
        }

        /** {@code (SELECT u.c::type AS c, ... FROM unnest(?::text[], ...) AS u(c, ...)) d}: one text array per column. */
        private String typedRows(List<String> names) {
            return "(SELECT " + names.stream().map(c -> "u." + TableMapping.quote(c) + "::" + sqlTypeName(c)
                            + " AS " + TableMapping.quote(c)).collect(Collectors.joining(", "))
                    + " FROM unnest(" + names.stream().map(c -> "?::text[]").collect(Collectors.joining(", "))
                    + ") AS u(" + join(names) + ")) d";
        }

        /**
         * The type a one-row write binds the column as, so the target converts the value the same way (assignment
         * cast) whether it arrives alone or in a set.
         */
        private String sqlTypeName(String column) {
            if (TableMapping.SOURCE_SEQ.equals(column)) {
                return "bigint";
            }
            return switch (nullTypes.getOrDefault(column, Types.VARCHAR)) {
                case Types.BIGINT -> "bigint";
                case Types.NUMERIC -> "numeric";
                case Types.BOOLEAN -> "boolean";
                case Types.TIMESTAMP_WITH_TIMEZONE -> "timestamptz";
                default -> "text";
            };
        }

        void bindUpsert(PreparedStatement statement, Write row) throws SQLException {
            int i = 1;
            for (String column : columns) {
                Object value = TableMapping.SOURCE_SEQ.equals(column) ? (Object) row.change().seq() : row.values().get(column);
                bind(statement, i++, value, nullTypes.getOrDefault(column, Types.VARCHAR));
            }
        }

        void bindDelete(PreparedStatement statement, Write row) throws SQLException {
            int i = 1;
            for (String key : keys) {
                bind(statement, i++, row.values().get(key), nullTypes.getOrDefault(key, Types.VARCHAR));
            }
            statement.setLong(i, row.change().seq());
        }

        private static void bind(PreparedStatement statement, int index, Object value, int nullType) throws SQLException {
            if (value == null) {
                statement.setNull(index, nullType);
            } else {
                statement.setObject(index, value);
            }
        }

        private static String join(List<String> names) {
            return names.stream().map(TableMapping::quote).collect(Collectors.joining(", "));
        }
    }
}
