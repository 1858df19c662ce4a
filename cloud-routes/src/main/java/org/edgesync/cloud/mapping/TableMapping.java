package org.edgesync.cloud.mapping;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How the changes of one source table land in one target table. Every target table also has
 * {@value #DEVICE_ID} (first part of its primary key, since two devices can use the same local ids) and
 * {@value #SOURCE_SEQ} (the seq of the change that wrote the row). All names were validated against
 * {@code [a-z_][a-z0-9_]*} when the mappings were loaded, so they are safe to quote into SQL.
 *
 * @param sourceTable  table name on the device
 * @param targetSchema schema of the target table, or null for the search path
 * @param targetTable  target table name
 * @param keyColumns   the source table's primary-key columns, mapped
 * @param columns      every mapped column, key columns included, in file order
 * @param enrichments  columns filled from the device record
 */
public record TableMapping(String sourceTable, String targetSchema, String targetTable,
                           List<ColumnMapping> keyColumns, List<ColumnMapping> columns, List<Enrichment> enrichments) {

    public static final String DEVICE_ID = "device_id";
    public static final String SOURCE_SEQ = "source_seq";

    public TableMapping {
        keyColumns = List.copyOf(keyColumns);
        columns = List.copyOf(columns);
        enrichments = List.copyOf(enrichments);
    }

    /** The target as written in mappings.yaml, e.g. {@code retail.product}. */
    public String targetName() {
        return targetSchema == null ? targetTable : targetSchema + "." + targetTable;
    }

    /** The target quoted for SQL, e.g. {@code "retail"."product"}. */
    public String quotedTarget() {
        return targetSchema == null ? quote(targetTable) : quote(targetSchema) + "." + quote(targetTable);
    }

    /** Target primary-key columns: device_id, then the mapped key columns. */
    public List<String> targetKeyColumns() {
        List<String> names = new ArrayList<>();
        names.add(DEVICE_ID);
        keyColumns.forEach(c -> names.add(c.target()));
        return names;
    }

    /** Every target column an upsert writes: device_id, mapped columns, enrichments, source_seq. */
    public List<String> targetColumns() {
        List<String> names = new ArrayList<>();
        names.add(DEVICE_ID);
        columns.forEach(c -> names.add(c.target()));
        enrichments.forEach(e -> names.add(e.target()));
        names.add(SOURCE_SEQ);
        return names;
    }

    public Optional<ColumnMapping> column(String sourceColumn) {
        return columns.stream().filter(c -> c.source().equals(sourceColumn)).findFirst();
    }

    public boolean isKey(ColumnMapping column) {
        return keyColumns.contains(column);
    }

    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
