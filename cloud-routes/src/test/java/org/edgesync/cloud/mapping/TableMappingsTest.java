package org.edgesync.cloud.mapping;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableMappingsTest {

    @TempDir
    Path dir;

    @Test
    void shouldLoadTheDemoShopMappings() {
        TableMappings mappings = TableMappings.load(Path.of("../route-config/cloud/mappings.yaml"));

        assertThat(mappings.all()).extracting(TableMapping::sourceTable).containsExactly("products", "sales", "sale_lines");
        TableMapping sale = mappings.mapping("sales").orElseThrow();
        assertThat(sale.quotedTarget()).isEqualTo("\"retail\".\"sale\"");
        assertThat(sale.targetKeyColumns()).containsExactly("device_id", "sale_id");
        assertThat(sale.targetColumns()).containsExactly("device_id", "sale_id", "receipt_no", "total", "sold_at",
                "cashier", "note", "store_id", "source_seq");
        assertThat(mappings.mapping("customers")).isEmpty();
    }

    @Test
    void shouldNameFileTableColumnAndAllowedTypesForAnUnknownConversion() throws IOException {
        Path file = write("""
                tables:
                  products:
                    target: retail.product
                    key: [sku]
                    columns:
                      sku: { type: text }
                      price_cents: { target: price, type: money }
                """);

        assertThatThrownBy(() -> TableMappings.load(file))
                .isInstanceOf(MappingException.class)
                .hasMessage("Mappings file " + file + " table 'products' column 'price_cents' has type 'money' but allowed"
                        + " types are text, integer, numeric, boolean, cents, epoch-millis, epoch-seconds, iso-timestamp.");
    }

    @Test
    void shouldRefuseAKeyColumnThatIsNotMapped() throws IOException {
        Path file = write("""
                tables:
                  products:
                    target: retail.product
                    key: [id]
                    columns:
                      sku: { type: text }
                """);

        assertThatThrownBy(() -> TableMappings.load(file))
                .hasMessage("Mappings file " + file + " table 'products' has key column 'id' that is not mapped under"
                        + " columns; every key column must be mapped.");
    }

    @Test
    void shouldRefuseIdentifiersThatCouldInjectSql() throws IOException {
        Path file = write("""
                tables:
                  products:
                    target: "retail.product; DROP TABLE x"
                    key: [sku]
                    columns:
                      sku: { type: text }
                """);

        assertThatThrownBy(() -> TableMappings.load(file))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("table 'products' has target 'retail.product; DROP TABLE x' whose part 'product; DROP TABLE x'"
                        + " must match [a-z_][a-z0-9_]*");
    }

    @Test
    void shouldRefuseUpperCaseColumnNames() throws IOException {
        Path file = write("""
                tables:
                  products:
                    target: product
                    key: [sku]
                    columns:
                      sku: { type: text, target: Sku }
                """);

        assertThatThrownBy(() -> TableMappings.load(file))
                .hasMessageContaining("target column 'Sku' which must match [a-z_][a-z0-9_]*");
    }

    @Test
    void shouldRefuseMappingOntoTheColumnsEdgeSyncFills() throws IOException {
        Path file = write("""
                tables:
                  products:
                    target: product
                    key: [sku]
                    columns:
                      sku: { type: text }
                      seq: { type: integer, target: source_seq }
                """);

        assertThatThrownBy(() -> TableMappings.load(file))
                .hasMessageContaining("maps to 'source_seq' but device_id and source_seq are filled by EdgeSync");
    }

    @Test
    void shouldRefuseAnUnknownEnrichmentSourceAndUnknownFields() throws IOException {
        Path enrich = write("""
                tables:
                  products:
                    target: product
                    key: [sku]
                    columns:
                      sku: { type: text }
                    enrich:
                      region: device.region
                """);
        assertThatThrownBy(() -> TableMappings.load(enrich))
                .hasMessageContaining("enriches column 'region' from 'device.region' but the only allowed source is device.store_id");

        Path typo = write("""
                tables:
                  products:
                    target: product
                    key: [sku]
                    colums:
                      sku: { type: text }
                """);
        assertThatThrownBy(() -> TableMappings.load(typo))
                .hasMessageContaining("table 'products' has unknown field 'colums'; allowed fields are target, key, columns, enrich");
    }

    @Test
    void shouldRefuseAFileThatIsNotYaml() throws IOException {
        Path file = write("tables: [unclosed");

        assertThatThrownBy(() -> TableMappings.load(file))
                .isInstanceOf(MappingException.class)
                .hasMessageStartingWith("Mappings file " + file + " cannot be read as YAML");
    }

    private Path write(String yaml) throws IOException {
        Path file = Files.createTempFile(dir, "mappings", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
