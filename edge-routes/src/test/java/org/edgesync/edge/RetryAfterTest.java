package org.edgesync.edge;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    private final RetryAfter retryAfter = RetryAfter.of("3600", Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void shouldHoldTheBatchForTheSecondsA429Asks() {
        assertThat(retryAfter.deliverAt(429, "3")).isEqualTo(NOW.toEpochMilli() + 3000);
        assertThat(retryAfter.deliverAt(503, " 120 ")).isEqualTo(NOW.toEpochMilli() + 120_000);
    }

    @Test
    void shouldHoldTheBatchUntilAnHttpDate() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(NOW.plusSeconds(90), ZoneOffset.UTC));

        assertThat(retryAfter.deliverAt(503, date)).isEqualTo(NOW.toEpochMilli() + 90_000);
    }

    @Test
    void shouldCapAWaitLongerThanTheConfiguredMaximum() {
        assertThat(retryAfter.deliverAt(429, "86400")).isEqualTo(NOW.toEpochMilli() + 3_600_000);
        assertThat(retryAfter.deliverAt(429, "99999999999999999999")).isEqualTo(NOW.toEpochMilli() + 3_600_000);
    }

    @Test
    void shouldLeaveTheBrokersBackoffInChargeWhenThereIsNothingToHonour() {
        assertThat(retryAfter.deliverAt(429, null)).isZero();
        assertThat(retryAfter.deliverAt(503, "soon")).isZero();
        assertThat(retryAfter.deliverAt(429, "0")).isZero();
        assertThat(retryAfter.deliverAt(500, "30")).as("only 429 and 503 carry a Retry-After the edge honours").isZero();
        assertThat(retryAfter.deliverAt(200, "30")).isZero();
        assertThat(retryAfter.deliverAt(null, "30")).isZero();
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(NOW.minusSeconds(5), ZoneOffset.UTC));
        assertThat(retryAfter.deliverAt(503, past)).isZero();
    }

    @Test
    void shouldRefuseACapOutsideOneSecondToADay() {
        assertThatThrownBy(() -> RetryAfter.of("0"))
                .hasMessage("edgesync.cloud.retry.after.max.seconds is \"0\", but must be a whole number from 1 to 86400.");
        assertThatThrownBy(() -> RetryAfter.of("1h"))
                .hasMessage("edgesync.cloud.retry.after.max.seconds is \"1h\", but must be a whole number from 1 to 86400.");
    }
}
