package org.edgesync.ops.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.ops.bench.Figures.Bound.AT_LEAST;
import static org.edgesync.ops.bench.Figures.Bound.AT_MOST;

class FiguresTest {

    @Test
    void shouldTakeNearestRankPercentiles() {
        long[] values = {50, 10, 40, 20, 30, 60, 70, 80, 90, 100};
        assertThat(Figures.percentile(values, 50)).isEqualTo(50);
        assertThat(Figures.percentile(values, 99)).isEqualTo(100);
        assertThat(Figures.percentile(values, 100)).isEqualTo(100);
        assertThat(Figures.percentile(values, 0)).isEqualTo(10);
        assertThat(Figures.percentile(new long[] {7}, 99)).isEqualTo(7);
        assertThat(Figures.percentile(new long[0], 50)).isNaN();
        assertThat(values[0]).as("input left unsorted").isEqualTo(50);
    }

    @Test
    void shouldWriteEveryRequiredKeyAsANumber() throws Exception {
        Figures figures = new Figures();
        double v = 1.5;
        for (String key : Figures.REQUIRED_KEYS) {
            figures.put(key, key, v, "");
            v *= 3;
        }
        figures.put("extra_figure", "extra", 12_345, "changes/s");
        JsonNode json = new ObjectMapper().readTree(figures.json());
        for (String key : Figures.REQUIRED_KEYS) {
            assertThat(json.get(key)).as(key).isNotNull();
            assertThat(json.get(key).isNumber()).as(key + " is a number").isTrue();
        }
        assertThat(json.get("extra_figure").asLong()).isEqualTo(12_345);
        assertThat(json.get("e2e_changes_per_s").asDouble()).isEqualTo(1.5);
    }

    @Test
    void shouldWriteNullForAFigureThatWasNotMeasured() throws Exception {
        JsonNode json = new ObjectMapper().readTree(new Figures().put("ingest_p99_ms", "p99", Double.NaN, "ms").json());
        assertThat(json.get("ingest_p99_ms").isNull()).isTrue();
        assertThat(json.get("e2e_changes_per_s").isNull()).isTrue();
    }

    @Test
    void shouldMarkMissedTargetsInTheTable() {
        Figures figures = new Figures()
                .put("e2e_changes_per_s", "end to end", 12_000, "changes/s", AT_LEAST, 15_000)
                .put("ingest_p99_ms", "p99", 120, "ms", AT_MOST, 250);
        assertThat(figures.all()).extracting(Figures.Figure::met).containsExactly(false, true);
        assertThat(figures.table()).contains("| end to end (`e2e_changes_per_s`) | 12,000 changes/s | ≥ 15,000 | **MISSED** |")
                .contains("| p99 (`ingest_p99_ms`) | 120.0 ms | ≤ 250.0 | yes |");
    }

    @Test
    void shouldEscapeCopyTextFormat() {
        assertThat(RawBaseline.escape("{\"a\":\"x\\ty\"}")).isEqualTo("{\"a\":\"x\\\\ty\"}");
        assertThat(RawBaseline.escape("line\nnext\ttab\r")).isEqualTo("line\\nnext\\ttab\\r");
        assertThat(RawBaseline.escape("plain")).isEqualTo("plain");
    }
}
