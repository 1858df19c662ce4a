package org.edgesync.cloud.testing;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestPostgresTest {

    @Test
    void shouldHandOutAFreshDatabaseAndDropItOnClose() throws Exception {
        TestDatabase db = TestPostgres.newDatabase();
        String name = db.jdbcUrl().substring(db.jdbcUrl().lastIndexOf('/') + 1);
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE probe (id int)");
            try (ResultSet rs = s.executeQuery("SELECT current_database(), count(*) FROM probe")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo(name).startsWith("edgesync_it_");
                assertThat(rs.getInt(2)).isZero();
            }
        }

        db.close();

        assertThatThrownBy(() -> db.dataSource().getConnection().close())
                .hasMessageContaining(name);
    }

    @Test
    void shouldGiveEveryCallerItsOwnDatabase() {
        try (TestDatabase first = TestPostgres.newDatabase(); TestDatabase second = TestPostgres.newDatabase()) {
            assertThat(first.jdbcUrl()).isNotEqualTo(second.jdbcUrl());
        }
    }
}
