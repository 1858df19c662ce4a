package org.edgesync.ops;

import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quick subset of the fault suite ({@code ops/faults --quick}) with every part real: edge and cloud JVMs
 * from their jars, the fault proxy between them, a real SQLite file and a fresh PostgreSQL database per scenario.
 * Each scenario must end with 0 lost, 0 duplicated, equal tables and a gap-free seq ledger. The results table
 * is written to {@code target/fault-quick/report.md}.
 */
class FaultQuickIT {

    private static final Path WORK = Path.of("target/fault-quick");
    private static final List<FaultSuite.Result> RESULTS = new ArrayList<>();

    private final FaultSuite suite = new FaultSuite(
            new FaultSuite.Options(true, WORK, Path.of(".."), Long.getLong("edgesync.faults.outage.s", 12),
                    Duration.ofSeconds(Long.getLong("edgesync.it.timeout.s", 180))),
            scenario -> {
                TestDatabase db = TestPostgres.newDatabase();
                return PostgresTarget.existing(db.jdbcUrl(), db.user(), db.password(), db::close);
            },
            System.out);

    @AfterAll
    static void writeReport() throws IOException {
        Files.createDirectories(WORK);
        Files.writeString(WORK.resolve("report.md"), FaultSuite.markdown(RESULTS, true));
    }

    @Test
    void shouldLoseAndDuplicateNothingWhenTheEdgeHaltsAtEachSharpPoint() {
        List<FaultSuite.Result> results = run("edge-halt-points");

        assertThat(results).extracting(FaultSuite.Result::scenario)
                .containsExactly("edge-halt after-read", "edge-halt after-publish", "edge-halt during-jms-commit",
                        "edge-halt after-cloud-ack");
        assertPassed(results);
    }

    @Test
    void shouldNotDuplicateWhenTheCloudCommitsButItsReplyIsLost() {
        assertPassed(run("lost-reply"));
    }

    @Test
    void shouldDeliverEverythingAfterAnOutageAFlappingLinkAndLatencyWithResets() {
        assertPassed(run("cloud-outage"));
    }

    @Test
    void shouldQuarantineOnlyPoisonAndHeldChangesAndMatchTheDeviceAfterReplay() {
        assertPassed(run("poison"));
    }

    private List<FaultSuite.Result> run(String scenario) {
        List<FaultSuite.Result> results = suite.run(List.of(scenario));
        RESULTS.addAll(results);
        return results;
    }

    private static void assertPassed(List<FaultSuite.Result> results) {
        assertThat(results).isNotEmpty().allSatisfy(r -> {
            assertThat(r.lost()).as(r.scenario() + " lost").isZero();
            assertThat(r.duplicated()).as(r.scenario() + " duplicated").isZero();
            assertThat(r.passed()).as(r.scenario() + ": " + r.note()).isTrue();
            assertThat(r.changesWritten()).isPositive();
        });
    }
}
