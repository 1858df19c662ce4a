package org.edgesync.ops;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.edgesync.cloud.mapping.ChangeTransformer;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.mapping.TableMappings;

import java.math.BigDecimal;
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
 * extra and duplicated rows alike.
 */
public final class Reconciler {

    private static final int EXAMPLES = 3;

    private final TableMappings mappings;

    public Reconciler(Path mappingsFile) {
        this.mappings = TableMappings.load(mappingsFile);
    }

    public Reconciliation reconcile(Path shopDb, PostgresTarget pg, String deviceId, String storeId) throws SQLException {
        List<Reconciliation.TableResult> results = new ArrayList<>();
        try (Connection device = Demo.sqlite(shopDb); Connection cloud = pg.connect()) {
            for (TableMapping mapping : mappings.all()) {
                results.add(reconcileTable(mapping, device, cloud, deviceId, storeId));
            }
        }
        return new Reconciliation(deviceId, results);
    }

    private Reconciliation.TableResult reconcileTable(TableMapping mapping, Connection device, Connection cloud,
                                                      String deviceId, String storeId) throws SQLException {
        Map<String, Integer> expected = new HashMap<>();
        List<String> columns = null;
        long deviceRows = 0;
        try (Statement s = device.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM \"" + mapping.sourceTable().replace("\"", "\"\"") + "\"")) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                ObjectNode row = JsonNodeFactory.instance.objectNode();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    put(row, meta.getColumnName(i), rs.getObject(i));
                }
                Map<String, Object> target = new TreeMap<>(ChangeTransformer.transform(mapping, row, deviceId, storeId));
                if (columns == null) {
                    columns = List.copyOf(target.keySet());
                }
                expected.merge(canonical(target), 1, Integer::sum);
                deviceRows++;
            }
        }
        long cloudRows = 0;
        List<String> examples = new ArrayList<>();
        long extra = 0;
        if (columns == null) {
            columns = List.of("device_id");
        }
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
                    String key = canonical(actual);
                    Integer left = expected.get(key);
                    if (left == null) {
                        extra++;
                        if (examples.size() < EXAMPLES) {
                            examples.add("only in cloud: " + key);
                        }
                    } else if (left == 1) {
                        expected.remove(key);
                    } else {
                        expected.put(key, left - 1);
                    }
                    cloudRows++;
                }
            }
        }
        long missing = expected.values().stream().mapToLong(Integer::longValue).sum();
        expected.keySet().stream().limit(Math.max(0, EXAMPLES - examples.size()))
                .forEach(key -> examples.add("only on device: " + key));
        return new Reconciliation.TableResult(mapping.sourceTable(), mapping.targetName(), deviceRows, cloudRows,
                missing, extra, examples);
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

    private static String canonicalValue(Object value) {
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
