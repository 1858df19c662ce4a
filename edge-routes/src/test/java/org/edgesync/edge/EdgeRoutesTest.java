package org.edgesync.edge;

import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.ConsumerTemplate;
import org.apache.camel.Exchange;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.component.scheduler.SchedulerEndpoint;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real edge.properties and YAML routes under @CamelMainTest, with the cloud call mocked and
 * skipped: the mock answers like the cloud by setting the HTTP status header. The SQLite file and
 * the broker journal are real, under target/ (annotation properties must be constants).
 */
@CamelMainTest(
        propertyPlaceholderLocations = "file:../route-config/edge/edge.properties",
        properties = {
                "edgesync.sqlite.path=" + EdgeRoutesTest.DIR + "/shop.db",
                "edgesync.broker.data.dir=" + EdgeRoutesTest.DIR + "/broker",
                "edgesync.device.key.file=" + EdgeRoutesTest.DIR + "/device.key",
                "edgesync.cloud.url=http://127.0.0.1:9",
                "edgesync.poll.batch.size=10",
                "edgesync.poll.interval.ms=100",
                "camel.main.jmx-enabled=false",
                // no management server: these tests need no /observe endpoints and must not compete for its port
                "camel.management.enabled=false"},
        mockEndpointsAndSkip = "http*")
class EdgeRoutesTest {

    static final String DIR = "target/edge-routes-test";
    private static final String CLOUD = "mock:http:127.0.0.1:9/api/v1/devices/store-001-pos-1/batches";

    @BeanInject
    CamelContext context;

    @BeforeAll
    static void freshShop() throws Exception {
        Path dir = Path.of(DIR);
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        ShopDatabase.create(dir.resolve("shop.db"));
        Files.writeString(dir.resolve("device.key"), TestKeys.encoded("store-001-pos-1") + "\n");
    }

    @Configure
    protected void configure(MainConfigurationProperties configuration) {
        EdgeMain.configure(configuration, EdgeRuntime.CONFIG_DIR);
    }

    private MockEndpoint cloud(int... statuses) {
        MockEndpoint cloud = context.getEndpoint(CLOUD, MockEndpoint.class);
        cloud.reset();
        int[] next = {0};
        cloud.whenAnyExchangeReceived(exchange -> {
            int status = next[0] < statuses.length ? statuses[next[0]++] : 200;
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
            exchange.getMessage().setBody(status == 200 ? "{\"accepted\":1,\"duplicates\":0}" : "{\"error\":\"bad envelope\"}");
        });
        return cloud;
    }

    private static Path shop() {
        return Path.of(DIR, "shop.db");
    }

    @Test
    void shouldDrainABacklogInFullBatchesThenDeleteWhatWasPublished() throws Exception {
        MockEndpoint cloud = cloud();
        StringBuilder insert = new StringBuilder("INSERT INTO products VALUES ");
        for (int i = 1; i <= 25; i++) {
            insert.append(i > 1 ? "," : "").append("('SKU-").append(i).append("', 'Item ").append(i).append("', ").append(i).append(", 'now')");
        }
        long seqBefore = ShopDatabase.highestSeq(shop());

        ShopDatabase.execute(shop(), insert.toString());

        await("three batches at the cloud").atMost(Timeouts.seconds(20)).until(() -> cloud.getReceivedCounter() >= 3);
        // Two batches are in flight at once, so they may arrive out of seq order.
        List<Exchange> received = cloud.getReceivedExchanges().stream()
                .sorted(Comparator.comparing(e -> e.getMessage().getHeader("X-EdgeSync-Seq", String.class).length()
                        + e.getMessage().getHeader("X-EdgeSync-Seq", String.class))).toList();
        // The body leaves as journaled: gzipped once at poll time, not again by camel-http.
        assertThat(received).allSatisfy(e -> assertThat(e.getProperty(Exchange.SKIP_GZIP_ENCODING, Boolean.class)).isTrue());
        List<ChangeBatch> batches = received.stream()
                .map(e -> new BatchCodec().decodeGzip(e.getMessage().getBody(byte[].class))).toList();
        assertThat(batches).extracting(b -> b.changes().size()).containsExactly(10, 10, 5);
        assertThat(batches.get(0).firstSeq()).isEqualTo(seqBefore + 1);
        assertThat(batches.get(2).lastSeq()).isEqualTo(seqBefore + 25);

        Exchange first = received.get(0);
        String seq = batches.get(0).firstSeq() + "-" + batches.get(0).lastSeq();
        String timestamp = first.getMessage().getHeader("X-EdgeSync-Timestamp", String.class);
        String nonce = first.getMessage().getHeader("X-EdgeSync-Nonce", String.class);
        String canonical = RequestSignature.canonical("POST", "/api/v1/devices/store-001-pos-1/batches",
                RequestSignature.gzipBodyDigest(first.getMessage().getBody(byte[].class)), "store-001-pos-1",
                batches.get(0).firstSeq(), batches.get(0).lastSeq(), Long.parseLong(timestamp), nonce);
        assertThat(first.getMessage().getHeader("Authorization")).isEqualTo(RequestSignature.authorization("store-001-pos-1", 1,
                RequestSignature.sign(TestKeys.deviceKey("store-001-pos-1", 1), canonical)));
        assertThat(first.getMessage().getHeader("X-EdgeSync-Seq")).isEqualTo(seq);
        // signed over the gzip bytes as they leave, which the cloud checks before inflating them
        assertThat(first.getMessage().getHeader(RequestSignature.SIGNED_BODY_HEADER)).isEqualTo("gzip");
        assertThat(nonce).matches(RequestSignature.NONCE);
        assertThat(first.getMessage().getHeader("Content-Encoding")).isEqualTo("gzip");
        assertThat(first.getMessage().getHeaders().keySet()).noneMatch(h -> h.startsWith("JMS") || h.startsWith("EdgeSync")
                || h.startsWith("_AMQ"));
        await("change table emptied").atMost(Timeouts.seconds(10)).until(() -> ShopDatabase.changeCount(shop()) == 0);
    }

    @Test
    void shouldReadTheChangeRowsWithLabelsReadOncePerQuery() {
        assertThat(context.getEndpoints()).filteredOn(org.apache.camel.component.sql.SqlEndpoint.class::isInstance)
                .map(org.apache.camel.component.sql.SqlEndpoint.class::cast)
                .filteredOn(e -> e.getQuery().startsWith("SELECT seq, table_name, op, pk, row, captured_at FROM _edgesync_changes"))
                .singleElement()
                .extracting(org.apache.camel.component.sql.SqlEndpoint::getRowMapperFactory)
                .isInstanceOf(LabelCachingRowMapperFactory.class);
    }

    @Test
    void shouldPollRightAtStartByDefault() {
        SchedulerEndpoint poll = (SchedulerEndpoint) context.getRoute("poll-changes").getEndpoint();

        assertThat(poll.getInitialDelay()).isZero();
    }

    @Test
    void shouldMoveABatchTheCloudCallsInvalidToTheDeadLetterQueue() throws Exception {
        ConsumerTemplate consumer = context.createConsumerTemplate();
        MockEndpoint cloud = cloud(422);

        ShopDatabase.execute(shop(), "INSERT INTO sales VALUES (900, 'R-900', 1, 2, NULL, NULL)");

        Exchange dead = consumer.receive("jms:queue:edgesync.batches.dlq", Timeouts.seconds(20).toMillis());
        assertThat(dead).as("batch on the DLQ").isNotNull();
        assertThat(dead.getMessage().getHeader("EdgeSyncRejectReason", String.class)).isEqualTo("422 {\"error\":\"bad envelope\"}");
        assertThat(cloud.getReceivedCounter()).isEqualTo(1);

        ShopDatabase.execute(shop(), "INSERT INTO sales VALUES (901, 'R-901', 1, 2, NULL, NULL)");
        await("next batch delivered").atMost(Timeouts.seconds(20)).until(() -> cloud.getReceivedCounter() >= 2);
    }
}
