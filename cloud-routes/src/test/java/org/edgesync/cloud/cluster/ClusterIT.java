package org.edgesync.cloud.cluster;

import org.apache.camel.component.quartz.QuartzComponent;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.quartz.JobExecutionContext;
import org.quartz.Trigger;
import org.quartz.listeners.TriggerListenerSupport;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.post;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/** Two cloud nodes (two CamelContexts, two Quartz schedulers) on one database, as two JVMs would run. */
class ClusterIT {

    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 60));

    private TestDatabase db;
    private CloudNode first;
    private CloudNode second;

    @BeforeEach
    void startTwoNodes() {
        db = TestPostgres.newDatabase();
        first = CloudNode.start(db);
        second = CloudNode.start(db);
    }

    @AfterEach
    void stopNodes() {
        if (second != null) {
            second.close();
        }
        if (first != null) {
            first.close();
        }
        db.close();
    }

    @Test
    void shouldRunEachScheduledLoadOnOneNodeOnlyAndApplyEveryChangeOnce() throws Exception {
        DataSource ds = db.dataSource();
        Map<String, List<String>> firesBySchedule = new ConcurrentHashMap<>();
        recordFires(first, "first", firesBySchedule);
        recordFires(second, "second", firesBySchedule);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE public.product_writes (sku text)");
            s.execute("CREATE FUNCTION public.log_write() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN INSERT INTO public.product_writes VALUES (NEW.sku); RETURN NEW; END $$");
            s.execute("CREATE TRIGGER log_write AFTER INSERT OR UPDATE ON retail.product FOR EACH ROW EXECUTE FUNCTION public.log_write()");
        }
        enrol(ds, "pos-c", "store-c");

        for (long seq = 1; seq <= 200; seq += 20) {
            CloudNode node = seq % 40 == 1 ? first : second;
            assertThat(post(node.ingestUri("pos-c"), "pos-c", gzip(productInserts("pos-c", seq, seq + 19))).statusCode()).isEqualTo(200);
        }

        await("all 200 changes loaded").atMost(AT_MOST).until(() -> count(ds,
                "SELECT coalesce(max(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id = 'pos-c'") == 200);
        await("a few more fires").atMost(AT_MOST).until(() -> firesBySchedule.size() >= 6);

        assertThat(firesBySchedule).allSatisfy((scheduled, nodes) -> assertThat(nodes).hasSize(1));
        assertThat(count(ds, "SELECT count(*) FROM retail.product WHERE device_id = 'pos-c'")).isEqualTo(200);
        assertThat(count(ds, "SELECT count(*) FROM public.product_writes")).isEqualTo(200);
        assertThat(count(ds, "SELECT count(DISTINCT instance_name) FROM edgesync.qrtz_scheduler_state")).isEqualTo(2);
    }

    /** Fires keyed by trigger and scheduled time: the load and the seen-request purge may share a second. */
    private static void recordFires(CloudNode node, String name, Map<String, List<String>> firesBySchedule) throws Exception {
        QuartzComponent quartz = node.camelContext().getComponent("quartz", QuartzComponent.class);
        quartz.getScheduler().getListenerManager().addTriggerListener(new TriggerListenerSupport() {
            @Override
            public String getName() {
                return "fire-recorder-" + name;
            }

            @Override
            public void triggerFired(Trigger trigger, JobExecutionContext context) {
                firesBySchedule.computeIfAbsent(trigger.getKey() + "@" + context.getScheduledFireTime().getTime(),
                        t -> new CopyOnWriteArrayList<>()).add(name);
            }
        });
    }
}
