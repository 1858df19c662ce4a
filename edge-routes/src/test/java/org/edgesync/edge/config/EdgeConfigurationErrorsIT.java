package org.edgesync.edge.config;

import org.edgesync.routes.StartupFailure;
import org.apache.camel.main.Main;
import org.edgesync.edge.EdgeMain;
import org.edgesync.edge.ShopDatabase;
import org.edgesync.edge.TestKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Each test breaks one thing in a copy of the real route-config, as an operator's edit might, boots the edge the
 * way EdgeMain does, and checks the one sentence the operator gets: the file and line or the key, and what is
 * allowed.
 */
class EdgeConfigurationErrorsIT {

    @TempDir
    Path dir;
    Path config;

    @BeforeEach
    void copyConfig() throws Exception {
        config = ConfigCopy.of(dir.resolve("route-config"));
        ShopDatabase.create(dir.resolve("shop.db"));
    }

    /** The sentence EdgeMain logs when the edge on the copied configuration fails to start. */
    private String startupFailure() {
        Main main = new Main();
        main.setPropertyPlaceholderLocations(EdgeMain.propertiesLocation(config));
        EdgeMain.configure(main.configure(), config);
        main.addOverrideProperty("edgesync.sqlite.path", dir.resolve("shop.db").toString());
        main.addOverrideProperty("edgesync.broker.data.dir", dir.resolve("broker").toString());
        main.addOverrideProperty("edgesync.device.key", TestKeys.encoded("store-001-pos-1"));
        main.addOverrideProperty("camel.main.jmx-enabled", "false");
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
        Path file = ConfigCopy.edit(config, "edge/routes/poll-changes.camel.yaml",
                "        initialDelay: \"{{edgesync.poll.initial.delay.ms}}\"", "        initialDelay: \"{{edgesync.poll.initial.delay.ms}}\n");

        assertThat(startupFailure()).startsWith("Route file " + file + ", line ")
                .contains(", column ")
                .endsWith("; allowed is YAML in the Camel YAML DSL, as in the route files shipped with EdgeSync.");
    }

    @Test
    void shouldNameTheLineOfAKeyTheYamlDslDoesNotKnow() throws Exception {
        Path file = ConfigCopy.edit(config, "edge/routes/poll-changes.camel.yaml", "      steps:", "      stepz:");

        assertThat(startupFailure()).startsWith("Route file " + file + ", line ")
                .contains(": Unsupported field: stepz;");
    }

    @Test
    void shouldNameTheMisspeltEndpointOptionWithItsFileLineAndTheOptionMeant() throws Exception {
        Path file = ConfigCopy.edit(config, "edge/routes/poll-changes.camel.yaml", "initialDelay:", "initialDelai:");

        assertThat(startupFailure()).isEqualTo("Route file " + file + " (route poll-changes), line "
                + ConfigCopy.lineOf(file, "initialDelai:") + ": endpoint scheduler has no option \"initialDelai\""
                + " (did you mean \"initialDelay\"?); allowed are the options of the scheduler component, spelt as in its documentation.");
    }

    @Test
    void shouldNameAPropertyARouteUsesButNobodySet() throws Exception {
        Path file = ConfigCopy.edit(config, "edge/routes/poll-changes.camel.yaml",
                "{{edgesync.poll.interval.ms}}", "{{edgesync.poll.intervall.ms}}");

        assertThat(startupFailure()).isEqualTo("Route file " + file + ", line " + ConfigCopy.lineOf(file, "intervall")
                + " uses property edgesync.poll.intervall.ms, which is not set; set it in the properties file,"
                + " as -Dedgesync.poll.intervall.ms or as environment variable EDGESYNC_POLL_INTERVALL_MS, or correct the name.");
    }

    @Test
    void shouldRefuseARouteIdThatIsNotKebabCase() throws Exception {
        Path file = ConfigCopy.edit(config, "edge/routes/poll-changes.camel.yaml", "id: poll-changes", "id: pollChanges");

        assertThat(startupFailure()).startsWith("Route file " + file)
                .endsWith(" has route id \"pollChanges\", but a route id must be kebab-case (lower-case letters and"
                        + " digits joined by hyphens, e.g. poll-changes).");
    }

    @Test
    void shouldRefuseARouteConfigurationIdThatNamesNothing() throws Exception {
        Path file = ConfigCopy.edit(config, "edge/routes/poll-changes.camel.yaml",
                "routeConfigurationId: edge-poll-error-handling", "routeConfigurationId: edge-pol-error-handling");

        assertThat(startupFailure()).startsWith("Route file " + file)
                .contains(" names routeConfigurationId \"edge-pol-error-handling\", which no route configuration has;"
                        + " allowed: ")
                .contains("edge-poll-error-handling").contains("edge-forward-error-handling");
    }

    @Test
    void shouldNameACapturedTableThatTheShopDatabaseDoesNotHave() throws Exception {
        ConfigCopy.edit(config, "edge/edge.properties", "edgesync.capture.tables=products,sales,sale_lines",
                "edgesync.capture.tables=products,sales,sale_line");

        assertThat(startupFailure()).isEqualTo("edgesync.capture.tables names table \"sale_line\", which does not exist"
                + " in SQLite file " + dir.resolve("shop.db").toAbsolutePath() + ".");
    }

    @Test
    void shouldNameKeyValueAndRangeOfABadPollInterval() throws Exception {
        ConfigCopy.edit(config, "edge/edge.properties", "edgesync.poll.interval.ms=1000", "edgesync.poll.interval.ms=1s");

        assertThat(startupFailure()).isEqualTo("edgesync.poll.interval.ms is \"1s\", but must be a whole number from 10 to 3600000.");
    }

    @Test
    void shouldNameKeyValueAndRangeOfABadGzipLevel() throws Exception {
        ConfigCopy.edit(config, "edge/edge.properties", "edgesync.poll.gzip.level=3", "edgesync.poll.gzip.level=11");

        assertThat(startupFailure()).isEqualTo(
                "edgesync.poll.gzip.level is \"11\", but must be a whole number from 1 to 9.");
    }

    @Test
    void shouldNameKeyValueAndRangeOfATooLargeBatchSize() throws Exception {
        ConfigCopy.edit(config, "edge/edge.properties", "edgesync.poll.batch.size=500", "edgesync.poll.batch.size=50000");

        assertThat(startupFailure()).isEqualTo("edgesync.poll.batch.size is \"50000\", but must be a whole number from 1 to 10000.");
    }
}
