package org.edgesync.edge.fault;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fault injection for the crash tests: halts the JVM like {@code kill -9} at one named point of the
 * pipeline, so a test can restart the edge on the same SQLite file and broker journal and check that
 * nothing was lost. Armed only by the system property {@value #SYSTEM_PROPERTY} ({@code <point>} or
 * {@code <point>:<n>}, halt the n-th time the point is reached); without it {@link #reach(String)} is a
 * single null check.
 *
 * <p>The points:
 * <ul>
 *   <li>{@code after-read} — poll-changes has read a batch from the change table, before the JMS send;</li>
 *   <li>{@code after-publish} — the JMS send returned (batch journaled), before the DELETE of the rows;</li>
 *   <li>{@code during-jms-commit} — inside the broker's commit of the forward transaction: the commit
 *       record is fsync'd to the journal, the forward route has not been told (see {@link JmsCommitCrashPlugin});</li>
 *   <li>{@code after-cloud-ack} — the cloud answered 2xx, before the JMS transaction commits.</li>
 * </ul>
 */
public final class CrashPoints {

    /** System property that arms a point. */
    public static final String SYSTEM_PROPERTY = "edgesync.fault.halt-at";

    /** Every point, in pipeline order. */
    public static final List<String> POINTS = List.of("after-read", "after-publish", "during-jms-commit", "after-cloud-ack");

    /** Exit status of a halt: what a shell reports for a process killed by SIGKILL (128 + 9). */
    public static final int HALT_STATUS = 137;

    /** The line written to stderr just before the halt, followed by the point's name. */
    public static final String HALT_LINE_PREFIX = "EDGESYNC-FAULT halt at ";

    private static final long MAX_COUNT = 1_000_000;

    /** What happens when the armed point is reached the n-th time; the JVM halt in production. */
    @FunctionalInterface
    public interface Halter {
        void halt(String point);
    }

    private final String point;
    private final long haltAt;
    private final Halter halter;
    private final AtomicLong reached = new AtomicLong();

    private CrashPoints(String point, long haltAt, Halter halter) {
        this.point = point;
        this.haltAt = haltAt;
        this.halter = halter;
    }

    /** From the system property {@value #SYSTEM_PROPERTY}; disarmed when it is not set. */
    public static CrashPoints fromSystemProperty() {
        return parse(System.getProperty(SYSTEM_PROPERTY), CrashPoints::haltJvm);
    }

    /**
     * @param spec {@code <point>} or {@code <point>:<n>}; null or blank disarms
     * @throws IllegalArgumentException with one sentence naming the allowed points
     */
    public static CrashPoints parse(String spec, Halter halter) {
        Objects.requireNonNull(halter, "halter");
        if (spec == null || spec.isBlank()) {
            return new CrashPoints(null, 0, halter);
        }
        String trimmed = spec.trim();
        int colon = trimmed.indexOf(':');
        String name = colon < 0 ? trimmed : trimmed.substring(0, colon);
        long count = 1;
        if (colon >= 0) {
            try {
                count = Long.parseLong(trimmed.substring(colon + 1));
            } catch (NumberFormatException e) {
                count = 0;
            }
        }
        if (!POINTS.contains(name) || count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException(SYSTEM_PROPERTY + " is \"" + spec + "\", but must be one of "
                    + String.join(", ", POINTS) + ", optionally followed by :<n> (halt the n-th time, n from 1 to " + MAX_COUNT + ").");
        }
        return new CrashPoints(name, count, halter);
    }

    public boolean isArmed() {
        return point != null;
    }

    public boolean isArmed(String name) {
        return name.equals(point);
    }

    /** For the startup warning, e.g. {@code after-publish, the 2nd time it is reached}. */
    public String description() {
        if (point == null) {
            return "disarmed";
        }
        return point + ", the " + ordinal(haltAt) + " time it is reached";
    }

    /** Called by the routes (and the broker plugin) at each point; halts the JVM when armed for it. */
    public void reach(String name) {
        if (point == null) {
            return;
        }
        if (!POINTS.contains(name)) {
            throw new IllegalArgumentException("no crash point \"" + name + "\"; the points are " + String.join(", ", POINTS));
        }
        if (point.equals(name) && reached.incrementAndGet() == haltAt) {
            halter.halt(name);
        }
    }

    private static void haltJvm(String point) {
        System.err.println(HALT_LINE_PREFIX + point);
        System.err.flush();
        // Like kill -9: no shutdown hooks, no Camel or broker shutdown, nothing flushed.
        Runtime.getRuntime().halt(HALT_STATUS);
    }

    private static String ordinal(long n) {
        long mod100 = n % 100;
        String suffix = mod100 >= 11 && mod100 <= 13 ? "th" : switch ((int) (n % 10)) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
        return n + suffix;
    }
}
