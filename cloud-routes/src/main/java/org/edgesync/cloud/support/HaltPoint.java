package org.edgesync.cloud.support;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A crash on purpose, for the fault-scenario suite: system property {@value #KEY} = {@code <point>} or
 * {@code <point>:<n>} makes the node halt (exit code {@value #EXIT_CODE}, no shutdown hooks, no commit) the n-th
 * time (default the first) it reaches that point, after writing the line {@code EDGESYNC-FAULT halt at <point>}
 * to stderr. Unset, it does not exist: the loader holds {@code null} and pays one null check.
 */
public final class HaltPoint {

    public static final String KEY = "edgesync.fault.halt-at";
    /** In the loader: after the first set-based target statement of a run has executed, before the commit. */
    public static final String MID_UPSERT = "mid-upsert";
    public static final List<String> POINTS = List.of(MID_UPSERT);
    public static final int EXIT_CODE = 137;
    /** The value meaning "not armed" (as is unset or empty). */
    public static final String NONE = "none";

    private static final Pattern SPEC = Pattern.compile("([a-z-]+)(?::([1-9][0-9]{0,8}))?");

    private final String point;
    private final int nth;
    private final AtomicInteger reached = new AtomicInteger();

    private HaltPoint(String point, int nth) {
        this.point = point;
        this.nth = nth;
    }

    /**
     * @return the armed halt point, or null when the value is empty or {@value #NONE} (the normal case)
     * @throws InvalidSettingException naming the allowed points
     */
    public static HaltPoint parse(String value) {
        if (value == null || value.isBlank() || value.trim().equals(NONE)) {
            return null;
        }
        String text = value.trim();
        Matcher m = SPEC.matcher(text);
        if (!m.matches() || !POINTS.contains(m.group(1))) {
            throw new InvalidSettingException(KEY + " is \"" + text + "\" but must be one of " + String.join(", ", POINTS)
                    + ", optionally followed by :<n> to halt the n-th time (such as mid-upsert:3), or none.");
        }
        return new HaltPoint(m.group(1), m.group(2) == null ? 1 : Integer.parseInt(m.group(2)));
    }

    /** The point was reached: halts the JVM when it is the n-th time. */
    public void reached() {
        if (reached.incrementAndGet() == nth) {
            System.err.println("EDGESYNC-FAULT halt at " + point);
            System.err.flush();
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }

    public String point() {
        return point;
    }

    public int nth() {
        return nth;
    }

    @Override
    public String toString() {
        return point + (nth == 1 ? "" : ":" + nth);
    }
}
