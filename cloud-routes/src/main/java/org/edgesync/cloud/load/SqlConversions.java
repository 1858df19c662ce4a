package org.edgesync.cloud.load;

import org.edgesync.cloud.mapping.ColumnMapping;
import org.edgesync.cloud.mapping.Conversion;
import org.edgesync.cloud.mapping.TableMapping;

import java.util.stream.Collectors;

/**
 * The conversions of mappings.yaml as SQL over a staged change ({@code op}, {@code pk}, {@code "row"} jsonb), so the
 * loader can convert in PostgreSQL without taking each change through Java. Each conversion has a "plain" form: the
 * values for which the SQL below yields exactly what {@link Conversion#convert} yields (ASCII digits of bounded
 * length, ISO text of a fixed shape, ...). A change whose every mapped value is plain goes the set-based way;
 * anything else (text with spaces, exponents, other offsets, a missing key, an unmapped table) goes through the
 * Java conversion, which converts it or names what is wrong. So the SQL never has to reproduce an error message,
 * and a value it might read differently never reaches it.
 */
final class SqlConversions {

    private SqlConversions() {
    }

    /** True when every mapped value of the change (alias {@code x}) is plain and every key column has a value. */
    static String plain(TableMapping mapping) {
        String columns = mapping.columns().stream()
                .map(c -> {
                    String v = source("x", c.source());
                    String y = "jsonb_typeof(" + v + ")";
                    String t = "(" + v + " #>> '{}')";
                    String isNull = "coalesce(" + y + ", 'null') = 'null'";
                    return mapping.isKey(c)
                            ? "(NOT " + isNull + " AND (" + plainValue(c.conversion(), y, t) + "))"
                            : "(" + isNull + " OR (" + plainValue(c.conversion(), y, t) + "))";
                })
                .collect(Collectors.joining(" AND "));
        return "(jsonb_typeof(x.pk) = 'object' AND (x.op = 'delete' OR jsonb_typeof(x.\"row\") = 'object') AND "
                + columns + ")";
    }

    /** The converted value of a mapped column; NULL for a JSON null or an absent value. */
    static String value(ColumnMapping column) {
        String v = source("r", column.source());
        String t = "(" + v + " #>> '{}')";
        String converted = switch (column.conversion()) {
            case TEXT -> t;
            case INTEGER -> t + "::bigint";
            case NUMERIC -> t + "::numeric";
            case BOOLEAN -> "(" + t + " IN ('1', 'true'))";
            // bigint * 0.01 has scale 2, as BigDecimal.valueOf(cents, 2)
            case CENTS -> t + "::bigint::numeric * 0.01";
            case EPOCH_MILLIS -> sinceEpoch(t + "::bigint", 86_400_000L, "1 millisecond");
            case EPOCH_SECONDS -> sinceEpoch(t + "::bigint", 86_400L, "1 second");
            // no offset means UTC, as in the Java conversion
            case ISO_TIMESTAMP -> "(CASE WHEN " + t + " ~ '^.{19}\\.[0-9]{7}' THEN " + finerThanMicros(t) + " ELSE "
                    + isoTimestamp(t) + " END)";
        };
        return "(CASE WHEN " + isNull(v) + " THEN NULL ELSE " + converted + " END)";
    }

    /**
     * The jsonb value of the column as the Java transform sees it: from the row image, else (a key of a delete, or a
     * key the row leaves out) from the primary key.
     */
    private static String source(String alias, String sourceColumn) {
        String name = "'" + sourceColumn + "'";
        // -> gives SQL NULL only for an absent key (a JSON null stays a value)
        return "coalesce(" + alias + ".\"row\" -> " + name + ", " + alias + ".pk -> " + name + ")";
    }

    private static String isNull(String v) {
        return "(" + v + " IS NULL OR jsonb_typeof(" + v + ") = 'null')";
    }

    /** For a value that is not null, given its JSON type and its scalar text. */
    private static String plainValue(Conversion conversion, String type, String t) {
        String plain = switch (conversion) {
            // jsonb prints integers as their digits, as Jackson's asText does; not so fractions or exponents
            case TEXT -> type + " IN ('string', 'boolean') OR (" + type + " = 'number' AND " + t + " ~ '^-?[0-9]+$')";
            case INTEGER, CENTS -> wholeNumber(type, t, 18);
            case NUMERIC -> "(" + type + " = 'number' AND " + t + " ~ '^-?[0-9]{1,15}$') OR (" + type + " = 'string' AND "
                    + t + " ~ '^[-+]?[0-9]{1,15}(\\.[0-9]{1,15})?$')";
            case BOOLEAN -> type + " = 'boolean' OR (" + type + " IN ('number', 'string') AND " + t + " IN ('0', '1'))"
                    + " OR (" + type + " = 'string' AND " + t + " IN ('true', 'false'))";
            // 1970 up to about year 5100: whole days and the rest in exact integer interval arithmetic
            case EPOCH_MILLIS -> "(" + type + " IN ('number', 'string') AND " + t + " ~ '^[0-9]{1,14}$')";
            case EPOCH_SECONDS -> "(" + type + " IN ('number', 'string') AND " + t + " ~ '^[0-9]{1,11}$')";
            case ISO_TIMESTAMP -> "(" + type + " = 'string' AND (CASE WHEN " + t
                    + " ~ '^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?$'"
                    // the day exists in that month (leap years included)
                    + " THEN substr(" + t + ", 9, 2)::int <= extract(day FROM make_date(substr(" + t + ", 1, 4)::int, substr("
                    + t + ", 6, 2)::int, 1) + interval '1 month - 1 day') ELSE false END))";
        };
        return plain;
    }

    private static String wholeNumber(String type, String t, int digits) {
        return "(" + type + " = 'number' AND " + t + " ~ '^-?[0-9]{1," + digits + "}$') OR (" + type + " = 'string' AND "
                + t + " ~ '^[-+]?[0-9]{1," + digits + "}$')";
    }

    /** Text of the plain ISO shape as timestamptz: no offset means UTC, as in the Java conversion. */
    private static String isoTimestamp(String t) {
        return "(CASE WHEN " + t + " ~ '(Z|[+-][0-9]{2}:[0-9]{2})$' THEN " + t + " ELSE " + t + " || 'Z' END)::timestamptz";
    }

    /**
     * 7 to 9 fraction digits (characters 27-29 of the plain shape): the Java conversion rounds half up to microseconds,
     * so up when the 7th digit is 5 or more. PostgreSQL would round the text itself, half to even; so the digits
     * beyond the 6th are cut off and the microsecond added here, exactly (a carry into the next second included).
     */
    private static String finerThanMicros(String t) {
        String cut = "regexp_replace(" + t + ", '^(.{26})[0-9]{1,3}', '\\1')";
        return "(" + isoTimestamp(cut) + " + CASE WHEN substr(" + t + ", 27, 1) >= '5' THEN interval '1 microsecond'"
                + " ELSE interval '0' END)";
    }

    /** A UTC timestamptz from a whole count of units since 1970, without floating point on the way. */
    private static String sinceEpoch(String count, long unitsPerDay, String unit) {
        return "(timestamp '1970-01-01' + (" + count + " / " + unitsPerDay + ") * interval '1 day' + (" + count + " % "
                + unitsPerDay + ") * interval '" + unit + "') AT TIME ZONE 'UTC'";
    }

    /** The mapped columns with {@link #value}, plus device_id, the enrichments and source_seq, as the target names them. */
    static String selectTargetColumns(TableMapping mapping) {
        StringBuilder select = new StringBuilder("r.device_id AS ").append(TableMapping.quote(TableMapping.DEVICE_ID));
        for (ColumnMapping c : mapping.columns()) {
            select.append(", ").append(value(c)).append(" AS ").append(TableMapping.quote(c.target()));
        }
        mapping.enrichments().forEach(e -> select.append(", r.store_id AS ").append(TableMapping.quote(e.target())));
        select.append(", r.seq AS ").append(TableMapping.quote(TableMapping.SOURCE_SEQ));
        return select.toString();
    }
}
