package org.edgesync.edge;

import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Reads the cloud's {@code Retry-After} on a 429 or 503 and says when the batch may be tried again,
 * capped at {@code edgesync.cloud.retry.after.max.seconds}. The forward route hands the batch back to
 * the broker as a scheduled message for that moment, so the wait costs no thread and survives a restart.
 */
public final class RetryAfter {

    /** Largest allowed cap: a day. */
    static final long MAX_CAP_SECONDS = 86_400;

    private final long capMillis;
    private final Clock clock;

    RetryAfter(long capSeconds, Clock clock) {
        this.capMillis = capSeconds * 1000;
        this.clock = clock;
    }

    /** Validates {@code edgesync.cloud.retry.after.max.seconds}. */
    public static RetryAfter of(String capSeconds) {
        return of(capSeconds, Clock.systemUTC());
    }

    static RetryAfter of(String capSeconds, Clock clock) {
        long cap;
        try {
            cap = Long.parseLong(capSeconds == null ? "" : capSeconds.trim());
        } catch (NumberFormatException e) {
            cap = -1;
        }
        if (cap < 1 || cap > MAX_CAP_SECONDS) {
            throw new IllegalArgumentException("edgesync.cloud.retry.after.max.seconds is \"" + capSeconds
                    + "\", but must be a whole number from 1 to " + MAX_CAP_SECONDS + ".");
        }
        return new RetryAfter(cap, clock);
    }

    /**
     * Epoch milliseconds before which the batch must not be tried again, or 0 when the answer asks for no
     * particular wait (another status, no or an unreadable header, a moment already past): then the
     * broker's own redelivery backoff applies.
     */
    public long deliverAt(Integer status, String retryAfter) {
        if (status == null || (status != 429 && status != 503) || retryAfter == null || retryAfter.isBlank()) {
            return 0;
        }
        long now = clock.millis();
        long wait = waitMillis(retryAfter.trim(), now);
        if (wait <= 0) {
            return 0;
        }
        return now + Math.min(wait, capMillis);
    }

    /** Seconds from now until {@code deliverAt}, rounded up, for the log line. */
    public long secondsUntil(long deliverAt) {
        return Math.max(0, (deliverAt - clock.millis() + 999) / 1000);
    }

    private static long waitMillis(String value, long now) {
        if (value.chars().allMatch(Character::isDigit)) {
            try {
                return Math.multiplyExact(Long.parseLong(value), 1000L);
            } catch (ArithmeticException | NumberFormatException e) {
                return Long.MAX_VALUE; // absurdly large: the cap applies
            }
        }
        try {
            Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return at.toEpochMilli() - now;
        } catch (DateTimeParseException e) {
            return 0;
        }
    }
}
