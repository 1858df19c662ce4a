package org.edgesync.cloud.support;

import org.edgesync.cloud.mapping.MappingException;
import org.edgesync.cloud.mapping.TableMappings;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Startup refuses mappings that the target tables cannot take, before any change is loaded. */
class TargetTablesIT {

    private TestDatabase db;
    private DataSource ds;
    private TableMappings mappings;

    @BeforeEach
    void migrate() {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Migrations.migrate(ds, CloudNode.CONFIG_DIR.resolve("cloud/sql"));
        mappings = TableMappings.load(CloudNode.CONFIG_DIR.resolve("cloud/mappings.yaml"));
    }

    @AfterEach
    void drop() {
        db.close();
    }

    @Test
    void shouldAcceptTheDemoShopTargets() {
        assertThatCode(() -> TargetTables.check(ds, mappings)).doesNotThrowAnyException();
    }

    @Test
    void shouldNameAMissingTargetColumn() throws Exception {
        execute("ALTER TABLE retail.product DROP COLUMN price");

        assertThatThrownBy(() -> TargetTables.check(ds, mappings))
                .isInstanceOf(MappingException.class)
                .hasMessageEndingWith("maps table 'products' to retail.product which has no column 'price'; add it in cloud/sql.");
    }

    @Test
    void shouldRefuseATargetWithoutAKeyToUpsertOn() throws Exception {
        execute("ALTER TABLE retail.sale DROP CONSTRAINT sale_pkey");

        assertThatThrownBy(() -> TargetTables.check(ds, mappings))
                .hasMessageEndingWith("maps table 'sales' to retail.sale which has no primary key or unique index on exactly"
                        + " (device_id, sale_id); the loader upserts on it, add it in cloud/sql.");
    }

    private void execute(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
