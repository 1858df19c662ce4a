package org.edgesync.cloud.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a source row image into typed target column values following a {@link TableMapping}. Shared by the
 * loader and by tools that compare a device with the cloud, so both see the same values. Source columns that
 * are not mapped are ignored (a new column on the device does not stop the load); mapped columns absent from
 * the row become null.
 */
public final class ChangeTransformer {

    private ChangeTransformer() {
    }

    /**
     * @return target column → value (String, Long, BigDecimal, OffsetDateTime, Boolean or null), starting with
     *         device_id and the key columns; source_seq is not included
     * @throws TransformException naming the column, the value and the conversion when a value does not convert,
     *                            or a key column is missing
     */
    public static Map<String, Object> transform(TableMapping mapping, ObjectNode sourceRow, String deviceId, String storeId) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(TableMapping.DEVICE_ID, deviceId);
        for (ColumnMapping key : mapping.keyColumns()) {
            values.put(key.target(), key(mapping, key, sourceRow));
        }
        for (ColumnMapping column : mapping.columns()) {
            if (!mapping.isKey(column)) {
                values.put(column.target(), convert(mapping, column, sourceRow.get(column.source())));
            }
        }
        for (Enrichment enrichment : mapping.enrichments()) {
            values.put(enrichment.target(), storeId);
        }
        return values;
    }

    /**
     * The target primary key of a row from its source key values (a delete carries only those).
     *
     * @return device_id and the key columns, in target key order
     */
    public static Map<String, Object> transformKey(TableMapping mapping, ObjectNode sourcePk, String deviceId) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put(TableMapping.DEVICE_ID, deviceId);
        for (ColumnMapping key : mapping.keyColumns()) {
            values.put(key.target(), key(mapping, key, sourcePk));
        }
        return values;
    }

    private static Object key(TableMapping mapping, ColumnMapping key, ObjectNode source) {
        Object value = convert(mapping, key, source == null ? null : source.get(key.source()));
        if (value == null) {
            throw new TransformException("Table '" + mapping.sourceTable() + "' key column '" + key.source()
                    + "' is missing or null, but a key column needs a value");
        }
        return value;
    }

    private static Object convert(TableMapping mapping, ColumnMapping column, JsonNode value) {
        try {
            return column.conversion().convert(value);
        } catch (IllegalArgumentException e) {
            throw new TransformException("Table '" + mapping.sourceTable() + "' column '" + column.source()
                    + "' has value " + shortText(value) + " that conversion '" + column.conversion().wireName()
                    + "' cannot turn into a value for " + mapping.targetName() + "." + column.target()
                    + " (expected " + column.conversion().expected() + ")", e);
        }
    }

    private static String shortText(JsonNode value) {
        String text = value.toString();
        return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }
}
