package org.edgesync.cloud.routes;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.edgesync.cloud.CloudConfiguration;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.post;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/**
 * Boots the real cloud.properties and the real YAML routes of route-config/cloud with {@code @CamelMainTest};
 * the database and the ports come in as system properties, which override the file like they do in production.
 */
@CamelMainTest(propertyPlaceholderLocations = "file:../route-config/cloud/cloud.properties")
class CloudRoutesTest {

    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 30));

    private static TestDatabase db;
    private static final int PORT = FreePorts.next();
    private static final Map<String, String> PROPERTIES = Map.of(
            "edgesync.config.dir", CloudNode.CONFIG_DIR.toString(),
            "edgesync.load.cron", "* * * * * ?",
            "camel.server.port", String.valueOf(PORT),
            "camel.management.port", String.valueOf(FreePorts.next()),
            "edgesync.tls.enabled", "false",
            "edgesync.auth.master.key", org.edgesync.cloud.testing.Fixtures.MASTER_KEY_BASE64);

    @BeanInject
    CamelContext context;

    @BeforeAll
    static void createDatabase() {
        db = TestPostgres.newDatabase();
        PROPERTIES.forEach(System::setProperty);
        System.setProperty("edgesync.db.url", db.jdbcUrl());
        System.setProperty("edgesync.db.user", db.user());
        System.setProperty("edgesync.db.password", db.password());
    }

    @AfterAll
    static void dropDatabase() {
        PROPERTIES.keySet().forEach(System::clearProperty);
        System.clearProperty("edgesync.db.url");
        System.clearProperty("edgesync.db.user");
        System.clearProperty("edgesync.db.password");
        db.close();
    }

    @Configure
    protected void configure(MainConfigurationProperties configuration) {
        configuration.addConfiguration(new CloudConfiguration());
        configuration.withRoutesIncludePattern("file:" + CloudNode.CONFIG_DIR + "/cloud/routes/*.camel.yaml");
    }

    @Test
    void shouldStartTheRoutesOfTheYamlFilesWithTheirErrorHandling() {
        assertThat(context.getRoute("ingest-batches")).isNotNull();
        assertThat(context.getRoute("load-staged-changes")).isNotNull();
        assertThat(context.getRoute("ingest-batches").getConfigurationId()).isEqualTo("ingest-error-handling");
        assertThat(context.getRoute("load-staged-changes").getConfigurationId()).isEqualTo("load-error-handling");
        assertThat(context.getName()).isEqualTo("edgesync-cloud");
    }

    @Test
    void shouldLoadAPostedBatchIntoTheTargetTableOnTheNextFire() throws Exception {
        enrol(db.dataSource(), "pos-route", "store-9");

        HttpResponse<String> response = post(URI.create("http://127.0.0.1:" + PORT + "/api/v1/devices/pos-route/batches"),
                "pos-route", gzip(productInserts("pos-route", 1, 4)));

        assertThat(response.statusCode()).isEqualTo(200);
        await("all four products loaded").atMost(AT_MOST).until(() -> count(db.dataSource(),
                "SELECT count(*) FROM retail.product WHERE device_id = 'pos-route' AND store_id = 'store-9'") == 4);
        assertThat(count(db.dataSource(),
                "SELECT loaded_through_seq FROM edgesync.load_progress WHERE device_id = 'pos-route'")).isEqualTo(4);
    }
}
