package org.edgesync.cloud.durability;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.post;
import static org.edgesync.cloud.testing.Fixtures.product;

/**
 * PostgreSQL is stopped in the middle of a workload and started again on the same data directory and port: the
 * node rides through without a restart. Ingest answers 503 while the database is away (never 200 without a
 * commit), the loader's fires fail and resume, and every change lands exactly once.
 */
class DatabaseRestartIT {

    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 60) * 2);
    private static final String DEVICE = "pos-restart";
    private static final int BATCHES = 30;
    private static final int BATCH_SIZE = 200;

    @TempDir
    Path tmp;

    private int port;
    private EmbeddedPostgres postgres;
    private boolean postgresAway;
    private CloudNode node;

    @BeforeEach
    void startPostgresAndNode() throws Exception {
        port = FreePorts.next();
        postgres = start();
        node = CloudNode.start(TestDatabase.existing(postgres.getJdbcUrl("postgres", "postgres"), "postgres", ""),
                Map.of("edgesync.load.max.changes.per.run", "300"));
        DataSource ds = postgres.getPostgresDatabase();
        enrol(ds, DEVICE, "store-r");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.product_writes (sku text, source_seq bigint)");
            s.execute("CREATE FUNCTION public.log_write() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN INSERT INTO public.product_writes VALUES (NEW.sku, NEW.source_seq); RETURN NEW; END $$");
            s.execute("CREATE TRIGGER log_write AFTER INSERT OR UPDATE ON retail.product FOR EACH ROW EXECUTE FUNCTION public.log_write()");
        }
    }

    private EmbeddedPostgres start() throws Exception {
        return EmbeddedPostgres.builder().setDataDirectory(tmp.resolve("pgdata")).setCleanDataDirectory(false)
                .setPort(port).start();
    }

    @AfterEach
    void stop() throws Exception {
        if (postgresAway) {
            // a test that failed during the outage: Quartz's shutdown waits for its job store, so the node would
            // never stop with the database away
            postgres = start();
        }
        if (node != null) {
            node.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void shouldAnswer503WhileThePostgresIsDownAndLandEverythingOnceAfterItRestarts() throws Exception {
        List<byte[]> batches = new ArrayList<>();
        Map<String, String> expected = new TreeMap<>();
        for (int b = 0; b < BATCHES; b++) {
            List<Change> changes = new ArrayList<>();
            for (long seq = (long) b * BATCH_SIZE + 1; seq <= (long) (b + 1) * BATCH_SIZE; seq++) {
                // first half inserts p-1.., then updates of the same skus
                long total = (long) BATCHES * BATCH_SIZE;
                long of = seq <= total / 2 ? seq : seq - total / 2;
                String name = "Product " + of + (seq <= total / 2 ? "" : " v2");
                changes.add(product(seq, seq <= total / 2 ? Operation.INSERT : Operation.UPDATE, "p-" + of, name, 100 + seq));
                expected.put("p-" + of, name + " " + java.math.BigDecimal.valueOf(100 + seq, 2) + " seq " + seq);
            }
            batches.add(gzip(ChangeBatch.of(DEVICE, changes)));
        }
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        AtomicInteger accepted = new AtomicInteger();
        // the device: each batch resent until it gets its 200, as the edge broker's redelivery does
        CompletableFuture<Void> device = CompletableFuture.runAsync(() -> {
            for (byte[] batch : batches) {
                await("batch accepted").atMost(AT_MOST).pollInterval(Duration.ofMillis(200)).until(() -> {
                    int status;
                    try {
                        status = post(node.ingestUri(DEVICE), DEVICE, batch).statusCode();
                    } catch (java.io.IOException e) {
                        status = -1;
                    }
                    statuses.add(status);
                    return status == 200;
                });
                accepted.incrementAndGet();
            }
        });

        AtomicInteger failedFires = new AtomicInteger();
        EventNotifierSupport loadFailures = new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.ExchangeFailureHandledEvent failed
                        && "load-staged-changes".equals(failed.getExchange().getFromRouteId())) {
                    failedFires.incrementAndGet();
                }
            }
        };
        ServiceHelper.startService(loadFailures);
        node.camelContext().getManagementStrategy().addEventNotifier(loadFailures);
        // A fire whose trigger Quartz can no longer record in the (clustered, JDBC) job store fails before the route
        // runs; it counts as a failed fire too. Which of the two happens depends on timing: whether a load is running
        // at the moment PostgreSQL stops (less likely since ingest does more per request and the loader idles more).
        node.camelContext().getComponent("quartz", org.apache.camel.component.quartz.QuartzComponent.class)
                .getScheduler().getListenerManager().addSchedulerListener(new org.quartz.listeners.SchedulerListenerSupport() {
                    @Override
                    public void schedulerError(String msg, org.quartz.SchedulerException cause) {
                        // Quartz words it by where the job store failed ("... while scanning for the next triggers
                        // to fire.", "... while firing triggers ...", and from its retry loop every fourth try
                        // "An error occurred while <callback>", which a run once met as the only one in 2 minutes);
                        // what they share is the job store's exception
                        if (cause instanceof org.quartz.JobPersistenceException) {
                            failedFires.incrementAndGet();
                        }
                    }
                });

        await("some batches in").atMost(AT_MOST).until(() -> accepted.get() >= 8);
        postgres.close();
        postgresAway = true;
        await("ingest answers 503 and a load fire fails while PostgreSQL is away").atMost(AT_MOST)
                .until(() -> statuses.contains(503) && failedFires.get() > 0);
        postgres = start();
        postgresAway = false;
        device.get(AT_MOST.toSeconds(), TimeUnit.SECONDS);

        DataSource ds = postgres.getPostgresDatabase();
        await("everything loaded").atMost(AT_MOST)
                .until(() -> count(ds, "SELECT coalesce(max(loaded_through_seq), 0) FROM edgesync.load_progress") == (long) BATCHES * BATCH_SIZE);
        assertThat(statuses).contains(503).doesNotContain(500);
        assertThat(count(ds, "SELECT count(*) FROM edgesync.staged_change")).isEqualTo((long) BATCHES * BATCH_SIZE);
        assertThat(count(ds, "SELECT count(*) FROM (SELECT sku, source_seq FROM public.product_writes"
                + " GROUP BY sku, source_seq HAVING count(*) > 1) twice")).isZero();
        assertThat(count(ds, "SELECT count(*) FROM edgesync.quarantine")).isZero();
        assertThat(products(ds)).isEqualTo(expected);
        assertThat(node.camelContext().getRouteController().getRouteStatus("load-staged-changes").isStarted()).isTrue();
        assertThat(failedFires.get()).isPositive();
    }

    private static Map<String, String> products(DataSource ds) throws Exception {
        Map<String, String> rows = new TreeMap<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sku, name, price, source_seq FROM retail.product")) {
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2) + " " + rs.getBigDecimal(3) + " seq " + rs.getLong(4));
            }
        }
        return rows;
    }
}
