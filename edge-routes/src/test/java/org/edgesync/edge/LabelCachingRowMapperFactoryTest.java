package org.edgesync.edge;

import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.RowMapper;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a real (in-memory) SQLite result set, as the poll route's StreamList query gives it. */
class LabelCachingRowMapperFactoryTest {

    private final LabelCachingRowMapperFactory factory = new LabelCachingRowMapperFactory();

    private static List<Map<String, Object>> rows(Connection c, String sql, RowMapper<?> mapper) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            for (int n = 0; rs.next(); n++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> row = (Map<String, Object>) mapper.mapRow(rs, n);
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void shouldMapEveryRowByTheColumnLabelsOfItsQueryWithSqlitesValues() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            List<Map<String, Object>> rows = rows(c,
                    "SELECT 1 AS seq, 'products' AS table_name, NULL AS row UNION ALL SELECT 2, 'sales', '{\"id\":1}'",
                    factory.newColumnRowMapper());

            assertThat(rows).hasSize(2);
            assertThat(rows.get(0)).containsOnlyKeys("seq", "table_name", "row").containsEntry("seq", 1)
                    .containsEntry("table_name", "products").containsEntry("row", null);
            assertThat(rows.get(1)).containsEntry("seq", 2).containsEntry("row", "{\"id\":1}");
        }
    }

    @Test
    void shouldReadTheLabelsOfEachQueryAfresh() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            rows(c, "SELECT 1 AS seq", factory.newColumnRowMapper());

            // every query gets its own mapper from the factory (camel-sql asks once per result set)
            assertThat(rows(c, "SELECT 'x' AS op, 7 AS captured_at", factory.newColumnRowMapper()).get(0))
                    .containsOnlyKeys("op", "captured_at");
        }
    }
}
