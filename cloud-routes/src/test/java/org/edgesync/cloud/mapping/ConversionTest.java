package org.edgesync.cloud.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConversionTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Test
    void shouldTurnCentsIntoAnAmountWithTwoDecimals() {
        assertThat(Conversion.CENTS.convert(F.numberNode(1299))).isEqualTo(new BigDecimal("12.99"));
        assertThat(Conversion.CENTS.convert(F.numberNode(-5))).isEqualTo(new BigDecimal("-0.05"));
        assertThat(Conversion.CENTS.convert(F.textNode("100"))).isEqualTo(new BigDecimal("1.00"));
    }

    @Test
    void shouldRefuseFractionalCents() {
        assertThatThrownBy(() -> Conversion.CENTS.convert(F.numberNode(12.5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Conversion.CENTS.convert(F.textNode("12.99"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadEpochMillisAsUtcTimestamps() {
        assertThat(Conversion.EPOCH_MILLIS.convert(F.numberNode(1_700_000_000_123L)))
                .isEqualTo(OffsetDateTime.of(2023, 11, 14, 22, 13, 20, 123_000_000, ZoneOffset.UTC));
    }

    @Test
    void shouldReadEpochSecondsWithFractions() {
        assertThat(Conversion.EPOCH_SECONDS.convert(F.numberNode(1_700_000_000L)))
                .isEqualTo(OffsetDateTime.of(2023, 11, 14, 22, 13, 20, 0, ZoneOffset.UTC));
        assertThat(Conversion.EPOCH_SECONDS.convert(F.numberNode(new BigDecimal("1700000000.25"))))
                .isEqualTo(OffsetDateTime.of(2023, 11, 14, 22, 13, 20, 250_000_000, ZoneOffset.UTC));
    }

    @Test
    void shouldHonourTheOffsetOfIsoTimestamps() {
        OffsetDateTime expected = OffsetDateTime.of(2024, 3, 1, 9, 15, 30, 0, ZoneOffset.UTC);
        assertThat(iso("2024-03-01T10:15:30+01:00")).isEqualTo(expected);
        assertThat(iso("2024-03-01T10:15:30+0100")).isEqualTo(expected);
        assertThat(iso("2024-03-01T10:15:30+01")).isEqualTo(expected);
        assertThat(iso("2024-03-01T09:15:30Z")).isEqualTo(expected);
        assertThat(iso("2024-03-01T04:15:30-05:00")).isEqualTo(expected);
    }

    @Test
    void shouldRoundTimestampsToTheMicrosecondsPostgresKeeps() {
        // Java's Instant.toString() writes nanoseconds; timestamptz holds microseconds and rounds.
        assertThat(iso("2026-11-29T19:57:07.577908499Z"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 29, 19, 57, 7, 577_908_000, ZoneOffset.UTC));
        assertThat(iso("2026-11-29T19:57:07.999999500Z"))
                .isEqualTo(OffsetDateTime.of(2026, 11, 29, 19, 57, 8, 0, ZoneOffset.UTC));
        assertThat(Conversion.EPOCH_SECONDS.convert(F.numberNode(new BigDecimal("1700000000.0000004"))))
                .isEqualTo(OffsetDateTime.of(2023, 11, 14, 22, 13, 20, 0, ZoneOffset.UTC));
    }

    @Test
    void shouldTakeIsoTimestampsWithoutOffsetAsUtcLikeSqliteDatetime() {
        assertThat(iso("2024-03-01 09:15:30")).isEqualTo(OffsetDateTime.of(2024, 3, 1, 9, 15, 30, 0, ZoneOffset.UTC));
        assertThat(iso("2024-03-01T09:15:30.5")).isEqualTo(OffsetDateTime.of(2024, 3, 1, 9, 15, 30, 500_000_000, ZoneOffset.UTC));
    }

    @Test
    void shouldRefuseTextThatIsNoIsoTimestamp() {
        assertThatThrownBy(() -> iso("yesterday")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> iso("2024-03-01")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Conversion.ISO_TIMESTAMP.convert(F.numberNode(17))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadSqliteBooleans() {
        assertThat(Conversion.BOOLEAN.convert(F.numberNode(1))).isEqualTo(true);
        assertThat(Conversion.BOOLEAN.convert(F.numberNode(0))).isEqualTo(false);
        assertThat(Conversion.BOOLEAN.convert(F.booleanNode(true))).isEqualTo(true);
        assertThat(Conversion.BOOLEAN.convert(F.textNode("FALSE"))).isEqualTo(false);
        assertThatThrownBy(() -> Conversion.BOOLEAN.convert(F.numberNode(2))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldKeepNumericValuesExact() {
        assertThat(Conversion.NUMERIC.convert(F.numberNode(0.1))).isEqualTo(new BigDecimal("0.1"));
        assertThat(Conversion.NUMERIC.convert(F.textNode("12.345"))).isEqualTo(new BigDecimal("12.345"));
        assertThatThrownBy(() -> Conversion.NUMERIC.convert(F.textNode("twelve"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadIntegersAlsoFromTextButNotFractions() {
        assertThat(Conversion.INTEGER.convert(F.numberNode(42))).isEqualTo(42L);
        assertThat(Conversion.INTEGER.convert(F.textNode(" 42 "))).isEqualTo(42L);
        assertThat(Conversion.INTEGER.convert(F.numberNode(42.0))).isEqualTo(42L);
        assertThatThrownBy(() -> Conversion.INTEGER.convert(F.numberNode(4.2))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWriteAnyScalarAsText() {
        assertThat(Conversion.TEXT.convert(F.textNode("Grüße"))).isEqualTo("Grüße");
        assertThat(Conversion.TEXT.convert(F.numberNode(12))).isEqualTo("12");
    }

    @Test
    void shouldMapNullAndAbsentToNull() {
        for (Conversion conversion : Conversion.values()) {
            assertThat(conversion.convert(F.nullNode())).isNull();
            assertThat(conversion.convert(null)).isNull();
        }
    }

    @Test
    void shouldBeNamedAsInTheMappingsFile() {
        assertThat(Conversion.allowedNames())
                .isEqualTo("text, integer, numeric, boolean, cents, epoch-millis, epoch-seconds, iso-timestamp");
        assertThat(Conversion.byName("epoch-millis")).contains(Conversion.EPOCH_MILLIS);
    }

    private static Object iso(String text) {
        JsonNode node = F.textNode(text);
        return Conversion.ISO_TIMESTAMP.convert(node);
    }

    @Test
    void shouldRefuseEpochValuesBeyondTheRangeOfTime() {
        // Fits a long but not an Instant: must be a refused value (quarantined), not an error that stops the load.
        // (Epoch millis always fit an Instant; beyond PostgreSQL's year 294276 the target refuses the row instead.)
        assertThatThrownBy(() -> Conversion.EPOCH_SECONDS.convert(F.numberNode(Long.MAX_VALUE)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Conversion.EPOCH_SECONDS.convert(F.numberNode(100_000_000_000_000_000L)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
