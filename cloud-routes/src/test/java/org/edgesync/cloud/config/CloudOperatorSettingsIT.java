package org.edgesync.cloud.config;

import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.main.Main;
import org.edgesync.cloud.CloudMain;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quartz.CronTrigger;
import org.quartz.Scheduler;
import org.quartz.TriggerKey;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Changing a schedule needs no rebuild: the same jar, started on a route-config whose cloud.properties an operator
 * edited, or with a -D override, and restarted, schedules the Quartz triggers of the routes with the new cron expressions.
 */
class CloudOperatorSettingsIT {

    @TempDir
    Path dir;

    @Test
    void shouldRescheduleTheLoadOfTheEditedFileAndThePurgeOfTheSystemPropertyOnRestart() throws Exception {
        Path config = ConfigCopy.of(dir.resolve("route-config"));
        try (TestDatabase db = TestPostgres.newDatabase()) {
            // the clustered job store keeps the triggers in PostgreSQL: a restart must replace them, not keep the old ones
            Main first = start(config, db);
            assertThat(cron(first, "load-staged-changes")).isEqualTo("0/2 * * * * ?");
            first.stop();

            ConfigCopy.edit(config, "cloud/cloud.properties", "edgesync.load.cron = 0/2 * * * * ?", "edgesync.load.cron = 0/7 * * * * ?");
            System.setProperty("edgesync.auth.purge.cron", "30 0/5 * * * ?");
            Main second = start(config, db);
            try {
                assertThat(cron(second, "load-staged-changes")).isEqualTo("0/7 * * * * ?");
                assertThat(cron(second, "purge-seen-requests")).isEqualTo("30 0/5 * * * ?");
            } finally {
                second.stop();
            }
        } finally {
            System.clearProperty("edgesync.auth.purge.cron");
        }
    }

    /** A node on the configuration; only the database, ports and secrets come from outside. */
    private static Main start(Path config, TestDatabase db) {
        Main main = CloudMain.create(config);
        Map.of("edgesync.db.url", db.jdbcUrl(), "edgesync.db.user", db.user(), "edgesync.db.password", db.password(),
                "edgesync.db.pool.max.size", "3", "camel.server.port", String.valueOf(FreePorts.next()),
                "camel.management.port", String.valueOf(FreePorts.next()), "camel.main.jmxEnabled", "false",
                "edgesync.auth.master.key", Fixtures.MASTER_KEY_BASE64, "edgesync.tls.enabled", "false",
                "edgesync.jolokia.enabled", "false").forEach(main::addOverrideProperty);
        try {
            main.start();
        } catch (RuntimeException e) {
            main.stop();
            throw e;
        }
        return main;
    }

    private static String cron(Main node, String route) throws Exception {
        Scheduler scheduler = node.getCamelContext().getRegistry().lookupByNameAndType("quartz", QuartzComponent.class).getScheduler();
        return ((CronTrigger) scheduler.getTrigger(TriggerKey.triggerKey(route, "edgesync"))).getCronExpression();
    }
}
