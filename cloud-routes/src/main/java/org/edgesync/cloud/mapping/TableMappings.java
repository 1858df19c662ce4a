package org.edgesync.cloud.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The operator's table mappings ({@code route-config/cloud/mappings.yaml}), validated when loaded so that a
 * bad file stops startup with one sentence instead of failing changes one by one at load time:
 * <pre>
 * tables:
 *   products:                       # source table on the device
 *     target: retail.product        # [schema.]table in PostgreSQL
 *     key: [sku]                    # source primary-key columns
 *     columns:                      # source column: target name (default: same) and conversion
 *       sku:         { type: text }
 *       price_cents: { target: price, type: cents }
 *     enrich:                       # target column: device.store_id
 *       store_id: device.store_id
 * </pre>
 */
public final class TableMappings {

    /** What every identifier (table, column, schema) in the file must look like. */
    public static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
    private static final int MAX_IDENTIFIER = 63;
    private static final Set<String> TABLE_FIELDS = Set.of("target", "key", "columns", "enrich");
    private static final Set<String> COLUMN_FIELDS = Set.of("target", "type");
    private static final Set<String> RESERVED = Set.of(TableMapping.DEVICE_ID, TableMapping.SOURCE_SEQ);

    private final Path file;
    private final Map<String, TableMapping> bySource;

    private TableMappings(Path file, Map<String, TableMapping> bySource) {
        this.file = file;
        this.bySource = bySource;
    }

    /**
     * Reads and validates a mappings file.
     *
     * @throws MappingException naming the file, the table or column and what is allowed
     */
    public static TableMappings load(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new MappingException("Mappings file " + file + " cannot be read as YAML: " + firstLine(e.getMessage()) + ".", e);
        }
        return parse(file, root);
    }

    static TableMappings parse(Path file, JsonNode root) {
        Parser p = new Parser(file);
        if (root == null || !root.isObject() || !root.path("tables").isObject() || root.path("tables").isEmpty()) {
            throw p.fail("must have a non-empty 'tables:' map of source table to mapping");
        }
        Map<String, TableMapping> tables = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = root.get("tables").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> entry = it.next();
            TableMapping mapping = p.table(entry.getKey(), entry.getValue());
            tables.put(mapping.sourceTable(), mapping);
        }
        return new TableMappings(file, tables);
    }

    /** The mapping of a source table, if the operator mapped it. */
    public Optional<TableMapping> mapping(String sourceTable) {
        return Optional.ofNullable(bySource.get(sourceTable));
    }

    /** All mappings, in file order. */
    public Collection<TableMapping> all() {
        return bySource.values();
    }

    public Path file() {
        return file;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    private record Parser(Path file) {

        MappingException fail(String what) {
            return new MappingException("Mappings file " + file + " " + what + ".");
        }

        TableMapping table(String source, JsonNode node) {
            String where = "table '" + source + "'";
            identifier(source, "has a source " + where + " whose name");
            if (node == null || !node.isObject()) {
                throw fail(where + " must be a map with target, key, columns and optionally enrich");
            }
            node.fieldNames().forEachRemaining(name -> {
                if (!TABLE_FIELDS.contains(name)) {
                    throw fail(where + " has unknown field '" + name + "'; allowed fields are target, key, columns, enrich");
                }
            });
            String target = text(node.get("target"));
            if (target == null) {
                throw fail(where + " needs 'target: [schema.]table'");
            }
            String[] parts = target.split("\\.", -1);
            if (parts.length > 2) {
                throw fail(where + " has target '" + target + "' but a target is table or schema.table");
            }
            for (String part : parts) {
                identifier(part, where + " has target '" + target + "' whose part '" + part + "'");
            }
            String schema = parts.length == 2 ? parts[0] : null;
            String table = parts[parts.length - 1];

            JsonNode columnsNode = node.get("columns");
            if (columnsNode == null || !columnsNode.isObject() || columnsNode.isEmpty()) {
                throw fail(where + " needs a non-empty 'columns:' map of source column to {target, type}");
            }
            List<ColumnMapping> columns = new ArrayList<>();
            Set<String> targets = new HashSet<>();
            Iterator<Map.Entry<String, JsonNode>> it = columnsNode.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> entry = it.next();
                ColumnMapping column = column(where, entry.getKey(), entry.getValue());
                targetName(where, "column '" + column.source() + "'", column.target(), targets);
                columns.add(column);
            }

            JsonNode keyNode = node.get("key");
            if (keyNode == null || !keyNode.isArray() || keyNode.isEmpty()) {
                throw fail(where + " needs 'key: [column, ...]' listing its primary-key columns");
            }
            List<ColumnMapping> keys = new ArrayList<>();
            for (JsonNode k : keyNode) {
                String keyColumn = text(k);
                ColumnMapping mapped = columns.stream().filter(c -> c.source().equals(keyColumn)).findFirst()
                        .orElseThrow(() -> fail(where + " has key column '" + k.asText()
                                + "' that is not mapped under columns; every key column must be mapped"));
                if (keys.contains(mapped)) {
                    throw fail(where + " lists key column '" + keyColumn + "' twice");
                }
                keys.add(mapped);
            }

            List<Enrichment> enrichments = new ArrayList<>();
            JsonNode enrichNode = node.get("enrich");
            if (enrichNode != null && !enrichNode.isNull()) {
                if (!enrichNode.isObject()) {
                    throw fail(where + " has 'enrich' that is not a map of target column to " + Enrichment.STORE_ID);
                }
                Iterator<Map.Entry<String, JsonNode>> en = enrichNode.fields();
                while (en.hasNext()) {
                    Map.Entry<String, JsonNode> entry = en.next();
                    targetName(where, "enrichment", entry.getKey(), targets);
                    String from = text(entry.getValue());
                    if (!Enrichment.STORE_ID.equals(from)) {
                        throw fail(where + " enriches column '" + entry.getKey() + "' from '" + entry.getValue().asText()
                                + "' but the only allowed source is " + Enrichment.STORE_ID);
                    }
                    enrichments.add(new Enrichment(entry.getKey(), from));
                }
            }
            return new TableMapping(source, schema, table, keys, columns, enrichments);
        }

        ColumnMapping column(String where, String source, JsonNode node) {
            String col = where + " column '" + source + "'";
            identifier(source, "has " + col + " whose name");
            if (node == null || !node.isObject()) {
                throw fail(col + " must be a map like { target: name, type: text }");
            }
            node.fieldNames().forEachRemaining(name -> {
                if (!COLUMN_FIELDS.contains(name)) {
                    throw fail(col + " has unknown field '" + name + "'; allowed fields are target, type");
                }
            });
            String type = text(node.get("type"));
            Conversion conversion = Conversion.byName(type == null ? "" : type).orElseThrow(() -> fail(col
                    + " has type '" + node.path("type").asText("") + "' but allowed types are " + Conversion.allowedNames()));
            String target = node.has("target") ? text(node.get("target")) : source;
            if (target == null) {
                throw fail(col + " has a target that is not a column name");
            }
            return new ColumnMapping(source, target, conversion);
        }

        void targetName(String where, String what, String target, Set<String> seen) {
            identifier(target, where + " " + what + " has target column '" + target + "' which");
            if (RESERVED.contains(target)) {
                throw fail(where + " " + what + " maps to '" + target + "' but device_id and source_seq are filled by EdgeSync");
            }
            if (!seen.add(target)) {
                throw fail(where + " maps two columns to target column '" + target + "'");
            }
        }

        void identifier(String name, String subject) {
            if (name == null || name.length() > MAX_IDENTIFIER || !IDENTIFIER.matcher(name).matches()) {
                throw fail(subject + " must match [a-z_][a-z0-9_]* and be at most " + MAX_IDENTIFIER + " characters");
            }
        }

        static String text(JsonNode node) {
            return node != null && node.isTextual() ? node.textValue() : null;
        }
    }
}
