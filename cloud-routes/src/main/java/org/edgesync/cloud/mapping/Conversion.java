package org.edgesync.cloud.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.TemporalAccessor;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How one source (SQLite) value becomes one typed target (PostgreSQL) value. SQLite is loosely typed,
 * so numbers written as text are accepted where the meaning is unambiguous; anything else is refused
 * with a reason, and the change is quarantined by the loader.
 */
public enum Conversion {

    /** Any scalar as text. */
    TEXT("text", Types.VARCHAR, "any scalar") {
        @Override
        Object convertNonNull(JsonNode v) {
            return v.isTextual() ? v.textValue() : v.asText();
        }
    },
    /** A whole number, to bigint. */
    INTEGER("integer", Types.BIGINT, "a whole number") {
        @Override
        Object convertNonNull(JsonNode v) {
            return wholeNumber(v);
        }
    },
    /** Any number, exactly, to numeric. */
    NUMERIC("numeric", Types.NUMERIC, "a number") {
        @Override
        Object convertNonNull(JsonNode v) {
            return decimal(v);
        }
    },
    /** true/false, 1/0 (SQLite's booleans) or the text forms of those. */
    BOOLEAN("boolean", Types.BOOLEAN, "true, false, 1 or 0") {
        @Override
        Object convertNonNull(JsonNode v) {
            if (v.isBoolean()) {
                return v.booleanValue();
            }
            String text = v.isNumber() || v.isTextual() ? v.asText().trim().toLowerCase(Locale.ROOT) : "";
            return switch (text) {
                case "1", "true" -> Boolean.TRUE;
                case "0", "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException();
            };
        }
    },
    /** Whole cents to a decimal amount with two places (1299 → 12.99). */
    CENTS("cents", Types.NUMERIC, "a whole number of cents") {
        @Override
        Object convertNonNull(JsonNode v) {
            return BigDecimal.valueOf(wholeNumber(v), 2);
        }
    },
    /** Milliseconds since 1970-01-01T00:00Z to timestamptz. */
    EPOCH_MILLIS("epoch-millis", Types.TIMESTAMP_WITH_TIMEZONE, "a whole number of milliseconds since 1970-01-01T00:00Z") {
        @Override
        Object convertNonNull(JsonNode v) {
            return atPostgresPrecision(Instant.ofEpochMilli(wholeNumber(v)));
        }
    },
    /** Seconds (fractions allowed) since 1970-01-01T00:00Z to timestamptz. */
    EPOCH_SECONDS("epoch-seconds", Types.TIMESTAMP_WITH_TIMEZONE, "a number of seconds since 1970-01-01T00:00Z") {
        @Override
        Object convertNonNull(JsonNode v) {
            BigDecimal seconds = decimal(v);
            long whole = seconds.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
            long nanos = seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue();
            return atPostgresPrecision(Instant.ofEpochSecond(whole, nanos));
        }
    },
    /**
     * ISO-8601 date-time text to timestamptz. An offset (Z, +01:00, +0100, +01) is honoured; text without
     * one is taken as UTC, which is what SQLite's datetime() writes. A space instead of T is accepted.
     */
    ISO_TIMESTAMP("iso-timestamp", Types.TIMESTAMP_WITH_TIMEZONE, "ISO-8601 date-time text such as 2024-03-01T10:15:30+01:00") {
        @Override
        Object convertNonNull(JsonNode v) {
            if (!v.isTextual()) {
                throw new IllegalArgumentException();
            }
            String text = v.textValue().trim();
            if (text.length() > 10 && text.charAt(10) == ' ') {
                text = text.substring(0, 10) + 'T' + text.substring(11);
            }
            TemporalAccessor parsed = ISO_DATE_TIME.parseBest(text, OffsetDateTime::from, LocalDateTime::from);
            OffsetDateTime time = parsed instanceof OffsetDateTime odt ? odt : ((LocalDateTime) parsed).atOffset(ZoneOffset.UTC);
            return atPostgresPrecision(time.toInstant());
        }
    };

    /**
     * timestamptz keeps microseconds and rounds finer input half up; doing the same here makes the
     * value the loader writes the value PostgreSQL stores, so reconciliation compares like with like.
     */
    static OffsetDateTime atPostgresPrecision(Instant instant) {
        return OffsetDateTime.ofInstant(instant.plusNanos(500).truncatedTo(java.time.temporal.ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    private static final DateTimeFormatter ISO_DATE_TIME = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendPattern("[XXXXX][XXXX][XXX][XX][X]").optionalEnd()
            .toFormatter(Locale.ROOT);

    private static final Pattern WHOLE = Pattern.compile("[-+]?\\d{1,19}");

    private final String wireName;
    private final int sqlType;
    private final String expected;

    Conversion(String wireName, int sqlType, String expected) {
        this.wireName = wireName;
        this.sqlType = sqlType;
        this.expected = expected;
    }

    /** The name used in mappings.yaml. */
    public String wireName() {
        return wireName;
    }

    /** java.sql.Types code of the target value, for binding nulls. */
    public int sqlType() {
        return sqlType;
    }

    /** What this conversion accepts, for error messages. */
    public String expected() {
        return expected;
    }

    public static Optional<Conversion> byName(String name) {
        return Arrays.stream(values()).filter(c -> c.wireName.equals(name)).findFirst();
    }

    public static String allowedNames() {
        return Arrays.stream(values()).map(Conversion::wireName).collect(Collectors.joining(", "));
    }

    /**
     * @return the typed value, or null for a JSON null or an absent value
     * @throws IllegalArgumentException when the value cannot be converted
     */
    public Object convert(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return null;
        }
        if (value.isContainerNode()) {
            throw new IllegalArgumentException();
        }
        try {
            return convertNonNull(value);
        } catch (ArithmeticException | NumberFormatException | java.time.DateTimeException e) {
            // DateTimeException covers parse errors and instants beyond the range of time (a huge epoch value):
            // a refused value to quarantine, never an error that stops the device's load.
            throw new IllegalArgumentException(e);
        }
    }

    abstract Object convertNonNull(JsonNode value);

    static long wholeNumber(JsonNode v) {
        if (v.isNumber()) {
            if (v.isIntegralNumber() && v.canConvertToLong()) {
                return v.longValue();
            }
            return v.decimalValue().longValueExact();
        }
        if (v.isTextual() && WHOLE.matcher(v.textValue().trim()).matches()) {
            return Long.parseLong(v.textValue().trim());
        }
        throw new IllegalArgumentException();
    }

    static BigDecimal decimal(JsonNode v) {
        if (v.isNumber()) {
            if (v.isFloatingPointNumber() && !Double.isFinite(v.doubleValue())) {
                throw new IllegalArgumentException();
            }
            return v.decimalValue();
        }
        if (v.isTextual()) {
            return new BigDecimal(v.textValue().trim());
        }
        throw new IllegalArgumentException();
    }
}
