package org.edgesync.cloud.crash;

import org.edgesync.cloud.CloudMain;
import org.edgesync.cloud.ingest.BatchIngestor;
import org.edgesync.cloud.support.Migrations;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.edgesync.cloud.testing.Fixtures.ingestSigned;
import static org.edgesync.cloud.testing.Fixtures.ingestor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.product;

/**
 * A cloud node in its own JVM, armed with {@code edgesync.fault.halt-at=mid-upsert:3}, halts in the middle of its
 * third load run (after a target batch executed, before the commit); restarted unarmed on the same database it
 * applies every change exactly once.
 */
class MidUpsertCrashIT {

    private static final Duration AT_MOST = Duration.ofSeconds(Long.getLong("edgesync.test.wait.seconds", 60) * 2);
    private static final String DEVICE = "pos-crash";
    private static final int INSERTS = 2000;
    private static final int UPDATES = 400;

    @TempDir
    Path tmp;

    private TestDatabase db;
    private DataSource ds;
    private Process node;

    @BeforeEach
    void stageWorkload() throws Exception {
        db = TestPostgres.newDatabase();
        ds = db.dataSource();
        Migrations.migrate(ds, CloudNode.CONFIG_DIR.resolve("cloud/sql"));
        enrol(ds, DEVICE, "store-crash");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            // every write a loader makes to the target, committed or not; a rolled-back run leaves no rows here
            s.execute("CREATE TABLE public.product_writes (sku text, source_seq bigint)");
            s.execute("CREATE FUNCTION public.log_write() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN INSERT INTO public.product_writes VALUES (NEW.sku, NEW.source_seq); RETURN NEW; END $$");
            s.execute("CREATE TRIGGER log_write AFTER INSERT OR UPDATE ON retail.product FOR EACH ROW EXECUTE FUNCTION public.log_write()");
        }
        BatchIngestor ingestor = ingestor(ds);
        List<Change> changes = new ArrayList<>();
        for (long seq = 1; seq <= INSERTS; seq++) {
            changes.add(product(seq, Operation.INSERT, "p-" + seq, "Product " + seq, 100 + seq));
        }
        for (long seq = INSERTS + 1; seq <= INSERTS + UPDATES; seq++) {
            long of = seq - INSERTS;
            changes.add(product(seq, Operation.UPDATE, "p-" + of, "Product " + of + " v2", 200 + of));
        }
        for (int i = 0; i < changes.size(); i += 200) {
            ingestSigned(ingestor, DEVICE, gzip(ChangeBatch.of(DEVICE, changes.subList(i, i + 200))));
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null && node.isAlive()) {
            node.destroy();
            if (!node.waitFor(30, TimeUnit.SECONDS)) {
                node.destroyForcibly();
            }
        }
        db.close();
    }

    @Test
    void shouldApplyEveryChangeExactlyOnceAfterAHaltInTheMiddleOfAnUpsert() throws Exception {
        Path armedErr = tmp.resolve("armed.err");
        node = startNode(Map.of("edgesync.fault.halt-at", "mid-upsert:3"), tmp.resolve("armed.out"), armedErr);

        assertThat(node.waitFor(AT_MOST.toSeconds(), TimeUnit.SECONDS)).as("armed node halts").isTrue();
        assertThat(node.exitValue()).isEqualTo(137);
        String stderr = Files.readString(armedErr, StandardCharsets.UTF_8);
        assertThat(stderr.lines().filter(l -> l.equals("EDGESYNC-FAULT halt at mid-upsert"))).hasSize(1);
        assertThat(stderr).contains("Fault injection armed: edgesync.fault.halt-at=mid-upsert:3");
        // two runs of 500 committed; the third had written to the target but never committed
        assertThat(progress()).isEqualTo(1000);
        assertThat(count(ds, "SELECT count(*) FROM public.product_writes")).isEqualTo(1000);

        node = startNode(Map.of(), tmp.resolve("restart.out"), tmp.resolve("restart.err"));
        await("the restarted node loads the rest").atMost(AT_MOST).until(() -> progress() == INSERTS + UPDATES);

        assertThat(Files.readString(tmp.resolve("restart.err"))).doesNotContain("EDGESYNC-FAULT");
        // runs of 500: inserts in runs 1-4, run 5 holds the 400 updates of rows from earlier runs: each write once
        assertThat(count(ds, "SELECT count(*) FROM public.product_writes")).isEqualTo(INSERTS + UPDATES);
        assertThat(count(ds, "SELECT count(*) FROM (SELECT source_seq FROM public.product_writes"
                + " GROUP BY source_seq HAVING count(*) > 1) twice")).isZero();
        assertThat(products()).hasSize(INSERTS)
                .containsEntry("p-1", "Product 1 v2 2.01 seq 2001")
                .containsEntry("p-400", "Product 400 v2 6.00 seq 2400")
                .containsEntry("p-401", "Product 401 5.01 seq 401")
                .containsEntry("p-2000", "Product 2000 21.00 seq 2000");
    }

    /** java -cp <the test class path> CloudMain, configured like a production node through -D options. */
    private Process startNode(Map<String, String> extra, Path out, Path err) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        Map<String, String> props = new TreeMap<>(Map.of(
                "edgesync.config.dir", CloudNode.CONFIG_DIR.toAbsolutePath().normalize().toString(),
                "edgesync.db.url", db.jdbcUrl(),
                "edgesync.db.user", db.user(),
                "edgesync.db.pool.max.size", "4",
                "edgesync.load.cron", "* * * * * ?",
                "edgesync.load.max.changes.per.run", "500",
                "camel.server.port", String.valueOf(FreePorts.next()),
                "camel.management.port", String.valueOf(FreePorts.next()),
                "camel.main.jmxEnabled", "false",
                "edgesync.tls.enabled", "false"));
        props.putAll(extra);
        props.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-cp");
        command.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        command.add(CloudMain.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("EDGESYNC_DB_PASSWORD", db.password());
        builder.environment().put("EDGESYNC_AUTH_MASTER_KEY", org.edgesync.cloud.testing.Fixtures.MASTER_KEY_BASE64);
        return builder.start();
    }

    private long progress() throws Exception {
        return count(ds, "SELECT coalesce(max(loaded_through_seq), 0) FROM edgesync.load_progress WHERE device_id = ?", DEVICE);
    }

    private Map<String, String> products() throws Exception {
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
