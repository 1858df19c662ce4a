package org.edgesync.ops;

import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole data path with every hop real: the shop's SQLite file and triggers, the edge JVM with
 * its embedded Artemis journal on disk, HTTP on a free port, the cloud JVM, PostgreSQL staging and
 * the typed target tables. The cloud starts late, so the first part of the workload is stored and
 * forwarded, and the shop keeps writing while the backlog drains.
 */
class PipelineIT {

    private static TestDatabase database;

    @BeforeAll
    static void createDatabase() throws Exception {
        database = TestPostgres.newDatabase();
    }

    @AfterAll
    static void dropDatabase() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void shouldDeliverTenThousandMixedChangesExactlyOnceThroughACloudOutage() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Demo.Options options = new Demo.Options(10_000, 400, database.jdbcUrl(), database.user(), database.password(),
                Path.of("target/pipeline-it"), Path.of(".."), Duration.ofSeconds(Long.getLong("edgesync.it.timeout.s", 240)),
                Duration.ofSeconds(8), false);

        Demo.Outcome outcome;
        try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            outcome = new Demo(options, out).run();
        } finally {
            System.out.println(log.toString(StandardCharsets.UTF_8));
        }

        assertThat(outcome.shopChanges()).isGreaterThanOrEqualTo(10_000);
        assertThat(outcome.deviceMaxSeq()).as("every change captured once").isEqualTo(outcome.shopChanges());
        assertThat(outcome.shopLockErrors()).as("shop saw 'database is locked'").isZero();
        assertThat(outcome.reconciliation().tables()).hasSize(3).allSatisfy(table -> {
            assertThat(table.missing()).as(table.sourceTable() + " missing").isZero();
            assertThat(table.extra()).as(table.sourceTable() + " extra or duplicated").isZero();
            assertThat(table.cloudRows()).isEqualTo(table.deviceRows());
        });
        assertThat(outcome.reconciliation().tables().stream().mapToLong(Reconciliation.TableResult::deviceRows).sum())
                .isPositive();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("cloud DOWN");
    }
}
