package org.edgesync.ops;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole fault suite at full size (20 random kills during 100,000 changes, a 10-minute outage, ...), run only
 * with {@code mvn -pl ops verify -Pfaults}; the same as {@code ops/faults}. PostgreSQL: an embedded server, one
 * database per scenario. The results table goes to {@code target/faults/report.md}.
 */
class FaultFullIT {

    @Test
    void shouldLoseAndDuplicateNothingInAnyFaultScenario() throws Exception {
        Path work = Path.of("target/faults");
        Files.createDirectories(work);
        List<FaultSuite.Result> results;
        try (PostgresTarget server = PostgresTarget.embedded(work.toAbsolutePath().resolve("postgres"))) {
            results = new FaultSuite(new FaultSuite.Options(false, work, Path.of(".."), Long.getLong("edgesync.faults.outage.s", 0),
                    Duration.ofSeconds(Long.getLong("edgesync.it.timeout.s", 1800))),
                    scenario -> server.newDatabase("edgesync_fault_" + scenario.replace('-', '_')), System.out)
                    .run(List.of());
        }
        Files.writeString(work.resolve("report.md"), FaultSuite.markdown(results, false));

        assertThat(results).allSatisfy(r -> assertThat(r.passed()).as(r.scenario() + ": " + r.note()).isTrue());
    }
}
