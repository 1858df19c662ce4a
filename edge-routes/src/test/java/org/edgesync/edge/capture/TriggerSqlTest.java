package org.edgesync.edge.capture;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TriggerSqlTest {

    @Test
    void shouldCreateOneInsertUpdateAndDeleteTriggerPerTable() {
        List<String> sql = TriggerSql.createTriggers("products", List.of("sku", "name"), List.of("sku"));

        assertThat(sql).hasSize(3);
        assertThat(sql.get(0)).startsWith("CREATE TRIGGER \"_edgesync_products_insert\" AFTER INSERT ON \"products\"");
        assertThat(sql.get(1)).startsWith("CREATE TRIGGER \"_edgesync_products_update\" AFTER UPDATE ON \"products\"");
        assertThat(sql.get(2)).startsWith("CREATE TRIGGER \"_edgesync_products_delete\" AFTER DELETE ON \"products\"");
    }

    @Test
    void shouldWriteTheOldKeyDeleteBeforeTheNewKeyUpdateInTheUpdateTrigger() {
        String update = TriggerSql.createTriggers("sale_lines", List.of("sale_id", "line_no", "qty"), List.of("sale_id", "line_no")).get(1);

        assertThat(update.indexOf("'D'")).isPositive().isLessThan(update.indexOf("'U'"));
        assertThat(update).contains("WHERE OLD.\"sale_id\" IS NOT NEW.\"sale_id\" OR OLD.\"line_no\" IS NOT NEW.\"line_no\"");
    }

    @Test
    void shouldWriteNoRowImageForADelete() {
        String delete = TriggerSql.createTriggers("products", List.of("sku", "name"), List.of("sku")).get(2);

        assertThat(delete).contains("'D', json_object('sku', CASE WHEN typeof(OLD.\"sku\") = 'blob'").contains(", NULL, ");
    }

    @Test
    void shouldQuoteIdentifiersAndLiteralsContainingQuotes() {
        String insert = TriggerSql.createTriggers("we\"ird 'table", List.of("co\"l", "it's"), List.of("co\"l")).get(0);

        assertThat(insert).contains("ON \"we\"\"ird 'table\"")
                .contains("VALUES ('we\"ird ''table', 'I'")
                .contains("'it''s', CASE WHEN typeof(NEW.\"it's\") = 'blob' THEN hex(NEW.\"it's\") ELSE NEW.\"it's\" END");
    }

    @Test
    void shouldWriteBlobsAsHexText() {
        assertThat(TriggerSql.jsonObject("NEW", List.of("img")))
                .isEqualTo("json_object('img', CASE WHEN typeof(NEW.\"img\") = 'blob' THEN hex(NEW.\"img\") ELSE NEW.\"img\" END)");
    }

    @Test
    void shouldKeepSeqAutoincrementSoItIsNeverReused() {
        assertThat(TriggerSql.createChangeTable()).contains("seq INTEGER PRIMARY KEY AUTOINCREMENT");
    }

    @Test
    void shouldRefuseATableWithoutKey() {
        assertThatThrownBy(() -> TriggerSql.createTriggers("log", List.of("line"), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
