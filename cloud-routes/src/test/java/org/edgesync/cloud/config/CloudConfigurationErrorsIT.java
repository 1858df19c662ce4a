package org.edgesync.cloud.config;

import org.edgesync.routes.StartupFailure;
import org.apache.camel.main.Main;
import org.edgesync.cloud.CloudMain;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Each test breaks one thing in a copy of the real route-config, as an operator's edit might, boots a cloud node
 * through CloudMain on a real PostgreSQL, and checks the one sentence the operator gets: the file and line or the
 * key, and what is allowed.
 */
class CloudConfigurationErrorsIT {

    private static TestDatabase db;

    @TempDir
    Path dir;
    Path config;

    @BeforeAll
    static void createDatabase() {
        db = TestPostgres.newDatabase();
    }

    @AfterAll
    static void dropDatabase() {
        db.close();
    }

    @BeforeEach
    void copyConfig() throws Exception {
        config = ConfigCopy.of(dir.resolve("route-config"));
    }

    /** A node on the copied configuration; only the database, ports and secrets come from outside. */
    private Main node() {
        Main main = CloudMain.create(config);
        Map.of("edgesync.db.url", db.jdbcUrl(), "edgesync.db.user", db.user(), "edgesync.db.password", db.password(),
                "edgesync.db.pool.max.size", "3", "camel.server.port", String.valueOf(FreePorts.next()),
                "camel.management.port", String.valueOf(FreePorts.next()), "camel.main.jmxEnabled", "false",
                "edgesync.auth.master.key", Fixtures.MASTER_KEY_BASE64, "edgesync.tls.enabled", "false",
                "edgesync.jolokia.enabled", "false").forEach(main::addOverrideProperty);
        return main;
    }

    /** The sentence CloudMain logs when the node on the copied configuration fails to start. */
    private String startupFailure() {
        Main main = node();
        try {
            Throwable failure = catchThrowable(main::start);
            assertThat(failure).as("startup on the broken configuration").isNotNull();
            return StartupFailure.explain(failure, main.getCamelContext()).orElseThrow(
                    () -> new AssertionError("not explained as a configuration mistake", failure));
        } finally {
            main.stop();
        }
    }

    @Test
    void shouldNameFileLineAndColumnOfAYamlSyntaxError() throws Exception {
        Path file = ConfigCopy.edit(config, "cloud/routes/ingest-batches.camel.yaml", "        muteException: true",
                "        muteException: true\n       - oops: [");

        assertThat(startupFailure()).startsWith("Route file " + file + ", line ")
                .contains(", column ")
                .endsWith("; allowed is YAML in the Camel YAML DSL, as in the route files shipped with EdgeSync.");
    }

    @Test
    void shouldNameTheMisspeltEndpointOptionWithItsFileLineAndTheOptionMeant() throws Exception {
        Path file = ConfigCopy.edit(config, "cloud/routes/load-staged-changes.camel.yaml", "stateful: true", "statefull: true");

        assertThat(startupFailure()).isEqualTo("Route file " + file + " (route load-staged-changes), line "
                + ConfigCopy.lineOf(file, "statefull:") + ": endpoint quartz has no option \"statefull\""
                + " (did you mean \"stateful\"?); allowed are the options of the quartz component, spelt as in its documentation.");
    }

    @Test
    void shouldRefuseARouteIdThatIsNotKebabCase() throws Exception {
        Path file = ConfigCopy.edit(config, "cloud/routes/purge-seen-requests.camel.yaml",
                "id: purge-seen-requests", "id: purge_seen_requests");

        assertThat(startupFailure()).startsWith("Route file " + file)
                .endsWith(" has route id \"purge_seen_requests\", but a route id must be kebab-case (lower-case letters"
                        + " and digits joined by hyphens, e.g. poll-changes).");
    }

    @Test
    void shouldRefuseARouteConfigurationIdThatNamesNothing() throws Exception {
        Path file = ConfigCopy.edit(config, "cloud/routes/load-staged-changes.camel.yaml",
                "routeConfigurationId: load-error-handling", "routeConfigurationId: loader-error-handling");

        assertThat(startupFailure()).startsWith("Route file " + file)
                .contains(" names routeConfigurationId \"loader-error-handling\", which no route configuration has;"
                        + " allowed: ")
                .contains("ingest-error-handling").contains("load-error-handling");
    }

    @Test
    void shouldNameAMappedTargetTableThatPostgresqlDoesNotHave() throws Exception {
        ConfigCopy.edit(config, "cloud/mappings.yaml", "target: retail.sale_line", "target: retail.sale_lines");

        assertThat(startupFailure()).isEqualTo("Mappings file " + config.resolve("cloud/mappings.yaml")
                + " maps table 'sale_lines' to retail.sale_lines but that table does not exist; create it in cloud/sql.");
    }

    /** A shipped line of cloud.properties, the bad line it becomes, and the one sentence the node answers. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            edgesync.load.cron = 0/2 * * * * ?          | edgesync.load.cron = */2 * * * *         | edgesync.load.cron is "*/2 * * * *" but must be a Quartz cron expression with a seconds field, such as "0/2 * * * * ?".
            edgesync.auth.purge.cron = 0 * * * * ?      | edgesync.auth.purge.cron = every minute  | edgesync.auth.purge.cron is "every minute" but must be a Quartz cron expression with a seconds field, such as "0/2 * * * * ?".
            edgesync.load.max.changes.per.run = 5000    | edgesync.load.max.changes.per.run = 0    | edgesync.load.max.changes.per.run is "0" but must be a whole number from 1 to 1000000.
            edgesync.ingest.decoding.slots =            | edgesync.ingest.decoding.slots = none    | edgesync.ingest.decoding.slots is "none" but must be a whole number from 1 to 1024.
            """)
    void shouldNameKeyValueAndAllowedFormOfABadSetting(String shipped, String bad, String sentence) throws Exception {
        ConfigCopy.edit(config, "cloud/cloud.properties", shipped, bad);

        assertThat(startupFailure()).isEqualTo(sentence);
    }

    @Test
    void shouldExitWithTheConfigurationErrorStatusFromCloudMain() throws Exception {
        ConfigCopy.edit(config, "cloud/cloud.properties", "edgesync.load.cron = 0/2 * * * * ?", "edgesync.load.cron = soon");

        assertThat(CloudMain.run(node(), new String[0])).isEqualTo(CloudMain.CONFIGURATION_ERROR);
    }
}
