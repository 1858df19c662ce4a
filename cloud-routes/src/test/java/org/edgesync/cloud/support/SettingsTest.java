package org.edgesync.cloud.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    @Test
    void shouldNameKeyValueAndRangeForABadNumber() {
        assertThatThrownBy(() -> Settings.intBetween("edgesync.db.pool.max.size", "lots", 2, 1000))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("edgesync.db.pool.max.size is \"lots\" but must be a whole number from 2 to 1000.");
        assertThat(Settings.intBetween("edgesync.db.pool.max.size", " 12 ", 2, 1000)).isEqualTo(12);
    }

    @Test
    void shouldRefuseACronWithoutSecondsField() {
        assertThatThrownBy(() -> Settings.cron("edgesync.load.cron", "*/2 * * * *"))
                .hasMessage("edgesync.load.cron is \"*/2 * * * *\" but must be a Quartz cron expression with a seconds"
                        + " field, such as \"0/2 * * * * ?\".");
        assertThat(Settings.cron("edgesync.load.cron", "0/2 * * * * ?")).isEqualTo("0/2 * * * * ?");
    }

    @Test
    void shouldNotRepeatAPasswordFromTheUrl() {
        assertThatThrownBy(() -> Settings.postgresUrl("edgesync.db.url", "jdbc:mysql://db/x?user=a&password=secret"))
                .hasMessageNotContaining("secret")
                .hasMessageContaining("password=***");
    }

    @Test
    void shouldRefuseTheSamePortForBothServers() {
        assertThatThrownBy(() -> Settings.distinctPorts("camel.server.port", 8080, "camel.management.port", 8080))
                .hasMessage("camel.management.port is 8080 like camel.server.port but the management server needs its own port.");
    }

    @Test
    void shouldTellWhichEnvironmentVariableSetsAMissingKey() {
        assertThatThrownBy(() -> Settings.required("edgesync.db.user", " "))
                .hasMessage("edgesync.db.user is not set; set it in cloud.properties, as -Dedgesync.db.user or as"
                        + " environment variable EDGESYNC_DB_USER.");
    }
}
