package org.edgesync.cloud.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.edgesync.cloud.mapping.ColumnMapping;
import org.edgesync.cloud.mapping.Conversion;
import org.edgesync.cloud.mapping.TableMapping;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SQL conversions against the Java ones they stand in for, value by value on a real PostgreSQL: whatever SQL
 * calls plain, Java converts without error to the very value SQL yields; whatever Java refuses, SQL does not call
 * plain (so it reaches the Java conversion and its message).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlConversionsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SAMPLES = List.of(
            "null", "true", "false", "0", "1", "-1", "12", "-12", "12.0", "12.5", "1.50", "1e3", "-0",
            "9223372036854775807", "99999999999999999999", "123456789012345678", "1234567890123456789",
            "1700000000000", "99999999999999", "100000000000000",
            "\"\"", "\" 12\"", "\"12 \"", "\"+12\"", "\"-12\"", "\"012\"", "\"12.5\"", "\"1e3\"", "\"abc\"", "\"1\"", "\"0\"",
            "\"true\"", "\"false\"", "\"TRUE\"", "\"1.50\"", "\"-0.5\"", "\"+1.25\"", "\"NaN\"", "\"Infinity\"",
            "\"9223372036854775807\"", "\"123456789012345678\"",
            "\"2024-03-01T10:15:30\"", "\"2024-03-01 10:15:30\"", "\"2024-03-01T10:15:30Z\"", "\"2024-03-01T10:15:30+01:00\"",
            "\"2024-03-01T10:15:30.123456-14:59\"", "\"2024-03-01T10:15:30.1234567Z\"", "\"2024-03-01T10:15\"",
            "\"2024-02-29T00:00:00\"", "\"2023-02-29T00:00:00\"", "\"2024-04-31T00:00:00\"", "\"2024-12-31T23:59:59.999999Z\"",
            "\"2024-03-01T24:00:00\"", "\"2024-03-01T23:59:60\"", "\"2024-03-01t10:15:30z\"", "\"2024-03-01T10:15:30+0100\"",
            "\"1900-01-01T00:00:00+14:00\"", "\"2199-12-31T23:59:59-00:30\"", "\"0999-01-01T00:00:00\"",
            "\" 2024-03-01T10:15:30\"", "\"2024-3-1T10:15:30\"", "\"yesterday\"", "\"now\"",
            "{\"a\": 1}", "[1, 2]");
    /**
     * Finer than PostgreSQL's microseconds, as Java's Instant.toString() writes on Linux: rounded half up at the 7th
     * digit by the Java conversion, so by SQL too (a tie, a carry into the next second and year, no offset, an offset).
     */
    private static final List<String> NANOSECOND_TIMESTAMPS = List.of(
            "\"2024-03-01T10:15:30.1234564Z\"", "\"2024-03-01T10:15:30.1234565Z\"", "\"2024-03-01T10:15:30.123456499Z\"",
            "\"2024-03-01T10:15:30.123456500Z\"", "\"2024-12-31T23:59:59.9999995Z\"", "\"2024-03-01T10:15:30.123456789\"",
            "\"2024-03-01 10:15:30.12345678+01:00\"", "\"2026-11-30T02:19:16.453774502Z\"");

    private TestDatabase db;

    @BeforeAll
    void database() {
        db = TestPostgres.newDatabase();
    }

    @AfterAll
    void drop() {
        db.close();
    }

    @Test
    void shouldCallPlainOnlyWhatJavaConvertsToTheSameValue() throws Exception {
        List<String> checked = new ArrayList<>();
        try (Connection c = db.dataSource().getConnection()) {
            for (Conversion conversion : Conversion.values()) {
                ColumnMapping key = new ColumnMapping("k", "k", Conversion.TEXT);
                ColumnMapping column = new ColumnMapping("v", "v", conversion);
                TableMapping mapping = new TableMapping("t", null, "t", List.of(key), List.of(key, column), List.of());
                String type = switch (conversion) {
                    case TEXT -> "text";
                    case INTEGER -> "bigint";
                    case NUMERIC, CENTS -> "numeric";
                    case BOOLEAN -> "boolean";
                    default -> "timestamptz";
                };
                String plainSql = SqlConversions.plain(mapping);
                // the loader converts only what is plain; anything else may not even cast
                String sql = "SELECT " + plainSql + ", CASE WHEN " + plainSql + " THEN (" + SqlConversions.value(column) + ")::text END,"
                        + " (?::" + type + ")::text, x.\"row\"::text"
                        + " FROM (SELECT 'insert'::text AS op, '{\"k\": \"a\"}'::jsonb AS pk,"
                        + " jsonb_build_object('k', 'a', 'v', ?::jsonb) AS \"row\") x CROSS JOIN LATERAL (SELECT x.*) r";
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    for (String sample : allSamples()) {
                        // as the loader sees it: PostgreSQL's text of the stored jsonb, parsed by Jackson
                        s.setString(1, null);
                        s.setString(2, sample);
                        JsonNode stored;
                        boolean plain;
                        try (ResultSet rs = s.executeQuery()) {
                            rs.next();
                            plain = rs.getBoolean(1);
                            stored = JSON.readTree(rs.getString(4)).get("v");
                        }
                        Object java;
                        try {
                            java = conversion.convert(stored);
                        } catch (IllegalArgumentException | java.time.DateTimeException e) {
                            assertThat(plain).as("%s of %s: Java refuses it, so SQL must not call it plain", conversion, sample)
                                    .isFalse();
                            continue;
                        }
                        if (!plain) {
                            continue;
                        }
                        s.setString(1, TargetWriter.sqlText(java));
                        try (ResultSet rs = s.executeQuery()) {
                            rs.next();
                            assertThat(rs.getString(2)).as("%s of %s", conversion, sample).isEqualTo(rs.getString(3));
                        }
                        checked.add(conversion + " " + sample);
                    }
                }
            }
        }
        // the comparison above must have had something to compare for every conversion
        for (Conversion conversion : Conversion.values()) {
            assertThat(checked).as("plain samples of %s", conversion).anyMatch(s -> s.startsWith(conversion + " "));
        }
    }

    @Test
    void shouldConvertTimestampsWithUpToNineFractionDigitsInSql() throws Exception {
        ColumnMapping key = new ColumnMapping("k", "k", Conversion.TEXT);
        ColumnMapping column = new ColumnMapping("v", "v", Conversion.ISO_TIMESTAMP);
        TableMapping mapping = new TableMapping("t", null, "t", List.of(key), List.of(key, column), List.of());
        String sql = "SELECT " + SqlConversions.plain(mapping) + " FROM (SELECT 'insert'::text AS op, '{\"k\": \"a\"}'::jsonb AS pk,"
                + " jsonb_build_object('k', 'a', 'v', ?::jsonb) AS \"row\") x";
        try (Connection c = db.dataSource().getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (String sample : NANOSECOND_TIMESTAMPS) {
                s.setString(1, sample);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    // the Java path costs the loader several times the SQL path per change
                    assertThat(rs.getBoolean(1)).as("plain %s", sample).isTrue();
                }
            }
            s.setString(1, "\"2024-03-01T10:15:30.1234567891Z\"");
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("ten digits, which Java refuses").isFalse();
            }
        }
    }

    private static List<String> allSamples() {
        List<String> all = new ArrayList<>(SAMPLES);
        all.addAll(NANOSECOND_TIMESTAMPS);
        all.add("\"2024-03-01T10:15:30.1234567891Z\"");
        return all;
    }
}
