package org.edgesync.ops.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one benchmark run in the order they were measured, each with its unit and, where issue 5 sets
 * one, the target and whether it was met. Renders them as the printed table and as flat JSON (key: number).
 */
public final class Figures {

    /** Keys the JSON always has (issue 5); a phase that could not run leaves its figure null. */
    public static final List<String> REQUIRED_KEYS = List.of(
            "e2e_changes_per_s", "e2e_ratio_to_raw", "backlog_drain_s", "backlog_changes",
            "capture_overhead_single_tx", "capture_overhead_bulk", "edge_first_poll_s", "edge_rss_mb",
            "ingest_changes_per_s", "ingest_ratio_to_copy", "ingest_p99_ms");

    /** How a figure compares with its target. */
    public enum Bound { AT_LEAST, AT_MOST }

    /** One figure; {@code target} is NaN when issue 5 sets none. */
    public record Figure(String key, String label, double value, String unit, Bound bound, double target) {
        public boolean hasTarget() {
            return !Double.isNaN(target);
        }

        public boolean met() {
            return hasTarget() && !Double.isNaN(value) && (bound == Bound.AT_LEAST ? value >= target : value <= target);
        }
    }

    private final Map<String, Figure> figures = new LinkedHashMap<>();
    private final Map<String, String> notes = new LinkedHashMap<>();

    public Figures put(String key, String label, double value, String unit) {
        figures.put(key, new Figure(key, label, value, unit, Bound.AT_LEAST, Double.NaN));
        return this;
    }

    public Figures put(String key, String label, double value, String unit, Bound bound, double target) {
        figures.put(key, new Figure(key, label, value, unit, bound, target));
        return this;
    }

    /** A line of text shown under the table (what was measured how, and why a figure is missing). */
    public Figures note(String key, String text) {
        notes.put(key, text);
        return this;
    }

    public double get(String key) {
        Figure f = figures.get(key);
        return f == null ? Double.NaN : f.value();
    }

    public List<Figure> all() {
        return List.copyOf(figures.values());
    }

    /**
     * Nearest-rank percentile (p in 0..100) of the values; NaN for no values. The array is not changed.
     */
    public static double percentile(long[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        if (p < 0 || p > 100) {
            throw new IllegalArgumentException("percentile must be between 0 and 100 but was " + p);
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Flat JSON: every figure as key: number (null when not measured), the required keys always present. */
    public String json() {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String key : REQUIRED_KEYS) {
            values.put(key, Double.NaN);
        }
        figures.values().forEach(f -> values.put(f.key(), f.value()));
        StringBuilder out = new StringBuilder("{\n");
        List<String> lines = new ArrayList<>();
        values.forEach((key, value) -> lines.add("  \"" + key + "\": " + number(value)));
        out.append(String.join(",\n", lines)).append("\n}\n");
        return out.toString();
    }

    static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return String.format(Locale.ROOT, "%.4f", value);
    }

    /** The table as printed and as pasted into ops/README.md (Markdown). */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append("| figure | value | target | met |\n|---|---:|---|---|\n");
        for (Figure f : figures.values()) {
            out.append("| ").append(f.label()).append(" (`").append(f.key()).append("`) | ")
                    .append(human(f.value())).append(f.unit().isEmpty() ? "" : " " + f.unit()).append(" | ")
                    .append(f.hasTarget() ? (f.bound() == Bound.AT_LEAST ? "≥ " : "≤ ") + human(f.target()) : "")
                    .append(" | ")
                    .append(f.hasTarget() ? (f.met() ? "yes" : "**MISSED**") : "")
                    .append(" |\n");
        }
        if (!notes.isEmpty()) {
            out.append('\n');
            notes.forEach((key, text) -> out.append("- ").append(text).append('\n'));
        }
        return out.toString();
    }

    static String human(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (Math.abs(value) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (Math.abs(value) >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
