package org.edgesync.cloud.support;

import org.edgesync.cloud.mapping.MappingException;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.mapping.TableMappings;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Checks at startup that every mapped target table exists with every column the loader writes, so a mismatch
 * between mappings.yaml and the target SQL stops startup instead of failing every load.
 */
public final class TargetTables {

    private static final String COLUMNS = """
            SELECT a.attname FROM pg_attribute a
            WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped""";
    // unique indexes of the table, each as the set of its column names (ON CONFLICT needs one on exactly the key)
    private static final String UNIQUE_KEYS = """
            SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = to_regclass(?) AND i.indisunique AND i.indpred IS NULL
            GROUP BY i.indexrelid""";

    private TargetTables() {
    }

    private static boolean hasUniqueKey(Connection connection, TableMapping mapping) throws SQLException {
        Set<String> key = new HashSet<>(mapping.targetKeyColumns());
        try (PreparedStatement unique = connection.prepareStatement(UNIQUE_KEYS)) {
            unique.setString(1, mapping.quotedTarget());
            try (ResultSet rs = unique.executeQuery()) {
                while (rs.next()) {
                    if (key.equals(new HashSet<>(Arrays.asList((String[]) rs.getArray(1).getArray())))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    public static void check(DataSource dataSource, TableMappings mappings) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement columns = connection.prepareStatement(COLUMNS)) {
            for (TableMapping mapping : mappings.all()) {
                columns.setString(1, mapping.quotedTarget());
                Set<String> present = new HashSet<>();
                try (ResultSet rs = columns.executeQuery()) {
                    while (rs.next()) {
                        present.add(rs.getString(1));
                    }
                }
                if (present.isEmpty()) {
                    throw new MappingException("Mappings file " + mappings.file() + " maps table '" + mapping.sourceTable()
                            + "' to " + mapping.targetName() + " but that table does not exist; create it in cloud/sql.");
                }
                for (String column : mapping.targetColumns()) {
                    if (!present.contains(column)) {
                        throw new MappingException("Mappings file " + mappings.file() + " maps table '" + mapping.sourceTable()
                                + "' to " + mapping.targetName() + " which has no column '" + column + "'; add it in cloud/sql.");
                    }
                }
                if (!hasUniqueKey(connection, mapping)) {
                    throw new MappingException("Mappings file " + mappings.file() + " maps table '" + mapping.sourceTable()
                            + "' to " + mapping.targetName() + " which has no primary key or unique index on exactly ("
                            + String.join(", ", mapping.targetKeyColumns()) + "); the loader upserts on it, add it in cloud/sql.");
                }
            }
        }
    }
}
