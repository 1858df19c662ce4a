package org.edgesync.cloud.mapping;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/** Against the real route-config/cloud/mappings.yaml of the demo shop. */
class ChangeTransformerTest {

    private static TableMappings mappings;

    @BeforeAll
    static void loadRealMappings() {
        mappings = TableMappings.load(Path.of("../route-config/cloud/mappings.yaml"));
    }

    private static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    @Test
    void shouldRenameConvertAndEnrichAProduct() {
        ObjectNode row = obj().put("sku", "A-1").put("name", "Bread").put("price_cents", 1299)
                .put("updated_at", "2024-03-01T10:15:30+01:00");

        Map<String, Object> values = ChangeTransformer.transform(mappings.mapping("products").orElseThrow(), row, "pos-1", "store-7");

        assertThat(values).containsExactly(
                entry("device_id", "pos-1"),
                entry("sku", "A-1"),
                entry("name", "Bread"),
                entry("price", new BigDecimal("12.99")),
                entry("updated_at", OffsetDateTime.of(2024, 3, 1, 9, 15, 30, 0, ZoneOffset.UTC)),
                entry("store_id", "store-7"));
    }

    @Test
    void shouldConvertASaleWithEpochMillisAndNulls() {
        ObjectNode row = obj().put("id", 12).put("receipt_no", "R-12").put("total_cents", 2500)
                .put("sold_at", 1_700_000_000_000L).putNull("cashier");

        Map<String, Object> values = ChangeTransformer.transform(mappings.mapping("sales").orElseThrow(), row, "pos-1", "store-7");

        assertThat(values).containsEntry("sale_id", 12L)
                .containsEntry("total", new BigDecimal("25.00"))
                .containsEntry("sold_at", OffsetDateTime.of(2023, 11, 14, 22, 13, 20, 0, ZoneOffset.UTC))
                .containsEntry("cashier", null)
                .containsEntry("note", null);
    }

    @Test
    void shouldIgnoreSourceColumnsThatAreNotMapped() {
        ObjectNode row = obj().put("sku", "A-1").put("name", "Bread").put("price_cents", 1)
                .put("updated_at", "2024-03-01T10:15:30Z").put("colour", "brown");

        assertThat(ChangeTransformer.transform(mappings.mapping("products").orElseThrow(), row, "d", "s"))
                .doesNotContainKey("colour");
    }

    @Test
    void shouldNameColumnValueAndConversionWhenAValueDoesNotConvert() {
        ObjectNode row = obj().put("id", 12).put("receipt_no", "R-12").put("total_cents", 2500).put("sold_at", "noon");

        assertThatThrownBy(() -> ChangeTransformer.transform(mappings.mapping("sales").orElseThrow(), row, "d", "s"))
                .isInstanceOf(TransformException.class)
                .hasMessage("Table 'sales' column 'sold_at' has value \"noon\" that conversion 'epoch-millis' cannot turn"
                        + " into a value for retail.sale.sold_at (expected a whole number of milliseconds since 1970-01-01T00:00Z)");
    }

    @Test
    void shouldRefuseARowWithoutItsKey() {
        ObjectNode row = obj().put("sale_id", 1).put("sku", "A-1");

        assertThatThrownBy(() -> ChangeTransformer.transform(mappings.mapping("sale_lines").orElseThrow(), row, "d", "s"))
                .isInstanceOf(TransformException.class)
                .hasMessage("Table 'sale_lines' key column 'line_no' is missing or null, but a key column needs a value");
    }

    @Test
    void shouldBuildTheTargetKeyOfADeleteFromThePrimaryKey() {
        Map<String, Object> key = ChangeTransformer.transformKey(mappings.mapping("sale_lines").orElseThrow(),
                obj().put("sale_id", 3).put("line_no", 2), "pos-1");

        assertThat(key).containsExactly(entry("device_id", "pos-1"), entry("sale_id", 3L), entry("line_no", 2L));
    }
}
