package org.edgesync.edge;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A long cloud outage fills the broker to edgesync.broker.max.queued.bytes: the broker refuses further
 * batches (page-full-policy FAIL), poll-changes logs why and leaves the changes in the shop's change
 * table, which keeps growing, and when the cloud is back the queue drains and publishing resumes by
 * itself. The edge runs as its own JVM from the runnable jar, with the smallest allowed limit.
 */
class DiskPressureIT {

    private static final int SALES = 600;           // 600 changes of ~1.1 KB gzipped: far more than 256 KiB
    /** Random text: batches are gzipped before the broker, so a repeated letter would shrink to nothing. */
    private static String note(int id) {
        byte[] bytes = new byte[1100];
        new java.util.Random(id).nextBytes(bytes);
        return java.util.Base64.getEncoder().encodeToString(bytes); // 1468 characters, ~1.1 KB gzipped
    }

    @TempDir
    Path dir;
    private Path shop;
    private CloudStub cloud;
    private EdgeProcess edge;

    @BeforeEach
    void setUp() throws Exception {
        shop = ShopDatabase.create(dir.resolve("shop.db"));
        ShopDatabase.installCapture(shop);
        cloud = new CloudStub();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (edge != null) {
            edge.close();
        }
        cloud.close();
    }

    @Test
    void shouldKeepChangesInTheChangeTableWhileTheBrokerIsFullAndDrainWhenTheCloudIsBack() throws Exception {
        cloud.answer(batch -> new CloudStub.Answer(503, "{\"error\":\"database unavailable\"}"));
        Map<String, String> props = new HashMap<>();
        props.put("edgesync.sqlite.path", shop.toString());
        props.put("edgesync.broker.data.dir", dir.resolve("broker").toString());
        props.put("edgesync.cloud.url", cloud.url());
        props.put("edgesync.device.key", TestKeys.encoded("store-001-pos-1"));
        props.put("edgesync.poll.batch.size", "20");        // ~25 KB gzipped per batch: a regular (not large) message
        props.put("edgesync.poll.interval.ms", "200");
        props.put("edgesync.broker.max.queued.bytes", "262144");
        edge = EdgeProcess.start(dir, "edge", props);

        sell(SALES);

        await("the broker refuses batches and the poll says why").atMost(Timeouts.seconds(90))
                .until(() -> edge.stderrLines().stream().anyMatch(DiskPressureIT::isBrokerFullWarning));
        long waiting = ShopDatabase.changeCount(shop);
        assertThat(waiting).as("changes kept in the change table").isPositive();
        sell(SALES, 20);
        assertThat(ShopDatabase.changeCount(shop)).as("capture goes on while the broker is full").isEqualTo(waiting + 20);
        await("the poll keeps trying, one WARN per poll").atMost(Timeouts.seconds(30))
                .until(() -> edge.stderrLines().stream().filter(DiskPressureIT::isBrokerFullWarning).count() >= 3);
        assertThat(cloud.acceptedSeqs()).isEmpty();
        assertThat(edge.isAlive()).isTrue();

        cloud.answer(CloudStub.Answer::accepted);

        long changes = SALES + 20;
        await("everything delivered once the cloud is back").atMost(Timeouts.seconds(240))
                .until(() -> new TreeSet<>(cloud.acceptedSeqs()).size() == changes);
        await("change table drained").atMost(Timeouts.seconds(30)).until(() -> ShopDatabase.changeCount(shop) == 0);
        assertThat(new TreeSet<>(cloud.acceptedSeqs())).containsExactlyElementsOf(LongStream.rangeClosed(1, changes).boxed().toList());
        assertThat(cloud.acceptedSeqs()).as("nothing resent: the broker refused, it did not half-take a batch").hasSize((int) changes);
    }

    private static boolean isBrokerFullWarning(String line) {
        return line.contains("WARN") && line.contains("Poll of the change table failed")
                && line.contains("edgesync.broker.max.queued.bytes") && line.contains("Address \"edgesync.batches\" is full");
    }

    private void sell(int sales) throws Exception {
        sell(0, sales);
    }

    private void sell(int offset, int sales) throws Exception {
        try (java.sql.Connection c = ShopDatabase.open(shop)) {
            c.setAutoCommit(false);
            try (PreparedStatement sale = c.prepareStatement("INSERT INTO sales VALUES (?, ?, 299, 1700000000000, 'ana', ?)")) {
                for (int id = offset + 1; id <= offset + sales; id++) {
                    sale.setInt(1, id);
                    sale.setString(2, "R-" + id);
                    sale.setString(3, note(id));
                    sale.executeUpdate();
                }
            }
            c.commit();
        }
    }
}
