package org.edgesync.edge.capture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.edgesync.edge.ShopDatabase;
import org.edgesync.edge.SqliteDataSources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CaptureInstallerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SHOP_TABLES = List.of("products", "sales", "sale_lines");

    @TempDir
    Path dir;
    private Path shop;
    private HikariDataSource dataSource;
    private CaptureInstaller installer;

    @BeforeEach
    void createShop() throws Exception {
        shop = ShopDatabase.create(dir.resolve("shop.db"));
        dataSource = SqliteDataSources.create(shop);
        installer = new CaptureInstaller(dataSource, shop.toString());
    }

    @AfterEach
    void close() {
        dataSource.close();
    }

    private List<Map<String, Object>> changes() throws Exception {
        return ShopDatabase.query(shop, "SELECT seq, table_name, op, pk, row, captured_at FROM _edgesync_changes ORDER BY seq");
    }

    private static JsonNode json(Object text) throws Exception {
        return text == null ? null : JSON.readTree((String) text);
    }

    @Test
    void shouldCaptureInsertUpdateAndDeleteWithOpKeyAndRow() throws Exception {
        installer.install(SHOP_TABLES);
        long before = System.currentTimeMillis();

        ShopDatabase.execute(shop,
                "INSERT INTO products VALUES ('A-1', 'Brot', 299, '2026-11-29')",
                "UPDATE products SET price_cents = 349 WHERE sku = 'A-1'",
                "DELETE FROM products WHERE sku = 'A-1'");

        List<Map<String, Object>> changes = changes();
        assertThat(changes).extracting(c -> c.get("op")).containsExactly("I", "U", "D");
        assertThat(changes).extracting(c -> c.get("table_name")).containsOnly("products");
        assertThat(json(changes.get(0).get("pk"))).isEqualTo(JSON.readTree("{\"sku\":\"A-1\"}"));
        assertThat(json(changes.get(0).get("row"))).isEqualTo(JSON.readTree(
                "{\"sku\":\"A-1\",\"name\":\"Brot\",\"price_cents\":299,\"updated_at\":\"2026-11-29\"}"));
        assertThat(json(changes.get(1).get("row")).get("price_cents").intValue()).isEqualTo(349);
        assertThat(changes.get(2).get("row")).isNull();
        assertThat(json(changes.get(2).get("pk"))).isEqualTo(JSON.readTree("{\"sku\":\"A-1\"}"));
        assertThat(((Number) changes.get(0).get("captured_at")).longValue()).isBetween(before - 1000, System.currentTimeMillis() + 1000);
    }

    @Test
    void shouldCaptureCompositeAndIntegerKeys() throws Exception {
        installer.install(SHOP_TABLES);

        ShopDatabase.execute(shop,
                "INSERT INTO sales VALUES (7, 'R-7', 598, 1700000000000, 'ana', NULL)",
                "INSERT INTO sale_lines VALUES (7, 1, 'A-1', 2, 299)");

        List<Map<String, Object>> changes = changes();
        assertThat(json(changes.get(0).get("pk"))).isEqualTo(JSON.readTree("{\"id\":7}"));
        assertThat(json(changes.get(1).get("pk"))).isEqualTo(JSON.readTree("{\"sale_id\":7,\"line_no\":1}"));
    }

    @Test
    void shouldKeepNullsUnicodeAndAOneMegabyteValue() throws Exception {
        installer.install(SHOP_TABLES);
        String big = "x".repeat(1024 * 1024);

        try (Connection c = ShopDatabase.open(shop);
             PreparedStatement insert = c.prepareStatement("INSERT INTO sales VALUES (1, 'R-ü🍞', 1, 2, NULL, ?)")) {
            insert.setString(1, big);
            insert.executeUpdate();
        }

        JsonNode row = json(changes().get(0).get("row"));
        assertThat(row.get("cashier").isNull()).isTrue();
        assertThat(row.get("receipt_no").textValue()).isEqualTo("R-ü🍞");
        assertThat(row.get("note").textValue()).isEqualTo(big);
    }

    @Test
    void shouldWriteABlobValueAsHexText() throws Exception {
        installer.install(SHOP_TABLES);

        ShopDatabase.execute(shop, "INSERT INTO sales VALUES (1, 'R-1', 1, 2, NULL, x'00FF10')");

        assertThat(json(changes().get(0).get("row")).get("note").textValue()).isEqualTo("00FF10");
    }

    @Test
    void shouldEmitDeleteOfTheOldKeyThenUpdateOfTheNewKeyWhenTheKeyChanges() throws Exception {
        ShopDatabase.execute(shop, "INSERT INTO sale_lines VALUES (7, 1, 'A-1', 2, 299)");
        installer.install(SHOP_TABLES);

        ShopDatabase.execute(shop, "UPDATE sale_lines SET line_no = 2 WHERE sale_id = 7 AND line_no = 1");

        List<Map<String, Object>> changes = changes();
        assertThat(changes).extracting(c -> c.get("op")).containsExactly("D", "U");
        assertThat(json(changes.get(0).get("pk"))).isEqualTo(JSON.readTree("{\"sale_id\":7,\"line_no\":1}"));
        assertThat(changes.get(0).get("row")).isNull();
        assertThat(json(changes.get(1).get("pk"))).isEqualTo(JSON.readTree("{\"sale_id\":7,\"line_no\":2}"));
        assertThat(((Number) changes.get(0).get("seq")).longValue()).isLessThan(((Number) changes.get(1).get("seq")).longValue());
    }

    @Test
    void shouldBeIdempotentAndPickUpANewColumnAtTheNextInstall() throws Exception {
        installer.install(SHOP_TABLES);
        installer.install(SHOP_TABLES);
        ShopDatabase.execute(shop, "ALTER TABLE products ADD COLUMN barcode TEXT");
        installer.install(SHOP_TABLES);

        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now', '4006381333931')");

        assertThat(changes()).hasSize(1);
        assertThat(json(changes().get(0).get("row")).get("barcode").textValue()).isEqualTo("4006381333931");
        assertThat(ShopDatabase.query(shop, "SELECT name FROM sqlite_master WHERE type = 'trigger'")).hasSize(9);
    }

    @Test
    void shouldDropTheTriggersOfATableNoLongerCaptured() throws Exception {
        installer.install(SHOP_TABLES);
        installer.install(List.of("sales"));

        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')");

        assertThat(changes()).isEmpty();
    }

    @Test
    void shouldNameKeyTableAndFileForAnUnknownTable() {
        assertThatThrownBy(() -> installer.install(List.of("products", "customers")))
                .isInstanceOf(CaptureConfigurationException.class)
                .hasMessage("edgesync.capture.tables names table \"customers\", which does not exist in SQLite file " + shop + ".");
    }

    @Test
    void shouldNameKeyTableAndFileForATableWithoutPrimaryKey() throws Exception {
        ShopDatabase.execute(shop, "CREATE TABLE audit_log (line TEXT)");

        assertThatThrownBy(() -> installer.install(List.of("audit_log")))
                .isInstanceOf(CaptureConfigurationException.class)
                .hasMessageStartingWith("edgesync.capture.tables names table \"audit_log\", which has no PRIMARY KEY in SQLite file " + shop);
    }

    @Test
    void shouldInstallNothingWhenOneTableIsInvalid() throws Exception {
        assertThatThrownBy(() -> installer.install(List.of("products", "customers")));

        assertThat(ShopDatabase.query(shop, "SELECT name FROM sqlite_master WHERE name LIKE '\\_edgesync%' ESCAPE '\\'")).isEmpty();
    }

    @Test
    void shouldLeaveTheShopSchemaOtherwiseUnchanged() throws Exception {
        String shopSchema = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE '\\_edgesync\\_%' ESCAPE '\\' AND name <> 'sqlite_sequence' ORDER BY name";
        List<Map<String, Object>> before = ShopDatabase.query(shop, shopSchema);

        installer.install(SHOP_TABLES);

        assertThat(ShopDatabase.query(shop, shopSchema)).isEqualTo(before);
        assertThat(ShopDatabase.query(shop, "SELECT name FROM sqlite_master WHERE name LIKE '\\_edgesync\\_%' ESCAPE '\\' ORDER BY name"))
                .extracting(r -> r.get("name")).hasSize(10).contains("_edgesync_changes", "_edgesync_sale_lines_update");
    }

    @Test
    void shouldNeverReuseASeqAfterTheChangesWereDeleted() throws Exception {
        installer.install(SHOP_TABLES);
        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('A-1', 'Brot', 299, 'now')", "DELETE FROM _edgesync_changes");

        ShopDatabase.execute(shop, "INSERT INTO products VALUES ('A-2', 'Milch', 99, 'now')");

        assertThat(((Number) changes().get(0).get("seq")).longValue()).isEqualTo(2);
        assertThat(ShopDatabase.highestSeq(shop)).isEqualTo(2);
    }
}
