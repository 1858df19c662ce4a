package org.edgesync.cloud.admin;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.post;
import static org.edgesync.cloud.testing.Fixtures.productInserts;

/**
 * {@code ops/jobs} against a real cloud node and its clustered Quartz job store: trigger runs a job now on the node,
 * pause stops its firing (and stays paused when the node restarts), resume starts it again, and an unknown job name
 * is refused with the list of known jobs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class) // one node's jobs: list, trigger, then pause across a restart
class JobsCommandIT {

    private static final String NEVER = "0 0 0 1 1 ? 2099";
    private static final Duration WAIT = Duration.ofSeconds(Long.getLong("edgesync.test.wait.s", 40));
    /** The loader never fires by itself (only when triggered); staging retention fires every second. */
    private static final Map<String, String> NODE = Map.of("edgesync.load.cron", NEVER,
            "edgesync.staging.retention.cron", "* * * * * ?");
    /** The same node after an operator changed the retention schedule: the node replaces the job's trigger. */
    private static final Map<String, String> NODE_WITH_NEW_CRON = Map.of("edgesync.load.cron", NEVER,
            "edgesync.staging.retention.cron", "0/2 * * * * ?");

    private TestDatabase db;
    private DataSource ds;
    private CloudNode node;

    private record Result(int exit, String out, String err) {
    }

    @BeforeAll
    void start() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        node = CloudNode.start(db, NODE);
        enrol(ds, "pos-1", "store-1");
        enrol(ds, "pos-2", "store-2");
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    private Result jobs(String... args) {
        List<String> all = new ArrayList<>(List.of("-Dedgesync.config.dir=" + CloudNode.CONFIG_DIR,
                "-Dedgesync.db.url=" + db.jdbcUrl(), "-Dedgesync.db.user=" + db.user(),
                "-Dedgesync.db.password=" + db.password()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = JobsCommand.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), key -> null);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Staged changes 1..n of pos-2, loaded and received ten days ago: what staging retention deletes. */
    private void stageExpired(long n) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO edgesync.staged_change (device_id, seq, table_name, op, pk, \"row\", captured_at, received_at)"
                        + " SELECT 'pos-2', g, 'products', 'insert', jsonb_build_object('sku', 'p-' || g), '{}', now(),"
                        + " now() - interval '10 days' FROM generate_series(1, ?::bigint) g ON CONFLICT DO NOTHING;"
                        + " INSERT INTO edgesync.load_progress (device_id, loaded_through_seq) VALUES ('pos-2', ?)"
                        + " ON CONFLICT (device_id) DO UPDATE SET loaded_through_seq = EXCLUDED.loaded_through_seq")) {
            s.setLong(1, n);
            s.setLong(2, n);
            s.execute();
        }
    }

    private long stagedOfPos2() throws SQLException {
        return count(ds, "SELECT count(*) FROM edgesync.staged_change WHERE device_id = 'pos-2'");
    }

    private String lineOf(String output, String job) {
        return output.lines().filter(l -> l.startsWith(job + " ")).findFirst().orElse("");
    }

    @Test
    @Order(1)
    void shouldListEveryScheduledJobWithItsCronAndState() {
        Result list = jobs("list");

        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("JOB", "STATE", "CRON", "NEXT_FIRE", "PREVIOUS_FIRE");
        assertThat(lineOf(list.out(), "load-staged-changes")).contains("NORMAL", NEVER);
        // fires every second: BLOCKED while a run is in progress (the job is stateful)
        assertThat(lineOf(list.out(), "purge-loaded-staging")).contains("* * * * * ?").containsPattern("NORMAL|BLOCKED");
        assertThat(lineOf(list.out(), "purge-seen-requests")).contains("NORMAL");
        assertThat(lineOf(list.out(), "report-quarantine-and-dlq")).contains("NORMAL");
        assertThat(list.out()).contains("4 jobs in cluster 'edgesync-cloud', 1 node up");
    }

    @Test
    @Order(2)
    void shouldRunAJobNowWhenTriggered() throws Exception {
        assertThat(post(node.ingestUri("pos-1"), "pos-1", gzip(productInserts("pos-1", 1, 5))).statusCode()).isEqualTo(200);
        assertThat(count(ds, "SELECT count(*) FROM retail.product")).as("the loader has no schedule to fire on").isZero();

        Result trigger = jobs("trigger", "load-staged-changes");

        assertThat(trigger.exit()).as(trigger.err()).isZero();
        assertThat(trigger.out()).contains("run load-staged-changes once now");
        await("the triggered load").atMost(WAIT).untilAsserted(() ->
                assertThat(count(ds, "SELECT count(*) FROM retail.product WHERE device_id = 'pos-1'")).isEqualTo(5));
        assertThat(count(ds, "SELECT loaded_through_seq FROM edgesync.load_progress WHERE device_id = 'pos-1'")).isEqualTo(5);
    }

    @Test
    @Order(3)
    void shouldRefuseAnUnknownJobNamingTheKnownOnes() {
        Result unknown = jobs("trigger", "purge-everything");

        assertThat(unknown.exit()).isEqualTo(JobsCommand.ERROR);
        assertThat(unknown.err().strip()).isEqualTo("No job named 'purge-everything' in cluster 'edgesync-cloud'; the"
                + " known jobs are load-staged-changes, purge-loaded-staging, purge-seen-requests,"
                + " report-quarantine-and-dlq.");
        assertThat(jobs("pause").exit()).isEqualTo(JobsCommand.ERROR);
        assertThat(jobs("stop", "load-staged-changes").err()).contains("Unknown command 'stop'");
    }

    @Test
    @Order(4)
    void shouldStopFiringWhilePausedAcrossRestartsAndCronChangesAndFireAgainOnResume() throws Exception {
        stageExpired(10);
        await("staging retention on its schedule").atMost(WAIT).until(() -> stagedOfPos2() == 0);

        Result pause = jobs("pause", "purge-loaded-staging");
        assertThat(pause.exit()).as(pause.err()).isZero();
        assertThat(lineOf(jobs("list").out(), "purge-loaded-staging")).contains("PAUSED");
        stageExpired(20);
        await("paused: no fire").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> stagedOfPos2() == 20);

        node.close();
        node = CloudNode.start(db, NODE);
        assertThat(lineOf(jobs("list").out(), "purge-loaded-staging")).as("after a restart").contains("PAUSED");
        await("still paused after the restart").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> stagedOfPos2() == 20);

        node.close();
        node = CloudNode.start(db, NODE_WITH_NEW_CRON);
        assertThat(lineOf(jobs("list").out(), "purge-loaded-staging")).as("after a restart with a new cron")
                .contains("PAUSED", "0/2 * * * * ?");
        await("still paused with its new cron").during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> stagedOfPos2() == 20);

        Result resume = jobs("resume", "purge-loaded-staging");
        assertThat(resume.exit()).as(resume.err()).isZero();
        await("staging retention fires again").atMost(WAIT).until(() -> stagedOfPos2() == 0);
        // BLOCKED while a run is in progress (the job is stateful), NORMAL between runs
        await("back to its schedule").atMost(WAIT).untilAsserted(() ->
                assertThat(lineOf(jobs("list").out(), "purge-loaded-staging")).contains("NORMAL"));
    }
}
