package org.edgesync.ops;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class ReconcilerTest {

    @Test
    void shouldTreatTheSameValueReadFromPostgresAndComputedLocallyAsEqual() {
        Instant soldAt = Instant.parse("2026-11-29T10:15:30.123Z");
        Map<String, Object> computed = new TreeMap<>(Map.of(
                "total", new BigDecimal("12.50"), "sold_at", OffsetDateTime.ofInstant(soldAt, ZoneOffset.ofHours(2)),
                "sale_id", 7L));
        Map<String, Object> read = new TreeMap<>(Map.of(
                "total", new BigDecimal("12.5"), "sold_at", Timestamp.from(soldAt), "sale_id", 7));

        assertThat(Reconciler.canonical(read)).isEqualTo(Reconciler.canonical(computed));
    }

    @Test
    void shouldTellDifferentValuesApart() {
        Map<String, Object> a = new TreeMap<>(Map.of("total", new BigDecimal("12.50"), "note", "x"));
        Map<String, Object> b = new TreeMap<>(Map.of("total", new BigDecimal("12.51"), "note", "x"));
        Map<String, Object> c = new TreeMap<>(Map.of("total", new BigDecimal("12.50"), "note", "'x'"));

        assertThat(Reconciler.canonical(a)).isNotEqualTo(Reconciler.canonical(b)).isNotEqualTo(Reconciler.canonical(c));
    }

    @Test
    void shouldGiveTheSameChecksumWhateverTheRowOrder() {
        Reconciler.Checksum a = new Reconciler.Checksum();
        Reconciler.Checksum b = new Reconciler.Checksum();
        a.add("{sku='A'}");
        a.add("{sku='B'}");
        b.add("{sku='B'}");
        b.add("{sku='A'}");

        assertThat(a.hex()).isEqualTo(b.hex());
    }

    @Test
    void shouldChangeTheChecksumWhenARowIsDuplicatedOrMissing() {
        Reconciler.Checksum once = new Reconciler.Checksum();
        once.add("{sku='A'}");
        once.add("{sku='B'}");
        Reconciler.Checksum twice = new Reconciler.Checksum();
        twice.add("{sku='A'}");
        twice.add("{sku='B'}");
        twice.add("{sku='B'}");
        Reconciler.Checksum without = new Reconciler.Checksum();
        without.add("{sku='A'}");

        assertThat(twice.hex()).isNotEqualTo(once.hex());
        assertThat(without.hex()).isNotEqualTo(once.hex());
    }
}
