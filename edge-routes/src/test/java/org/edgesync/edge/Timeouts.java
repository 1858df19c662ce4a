package org.edgesync.edge;

import java.time.Duration;

/** Test waits; slow machines scale them with -Dedgesync.test.timeout.scale=3. */
public final class Timeouts {

    private static final double SCALE = Double.parseDouble(System.getProperty("edgesync.test.timeout.scale", "1"));

    private Timeouts() {
    }

    public static Duration seconds(long seconds) {
        return Duration.ofMillis((long) (seconds * 1000 * SCALE));
    }
}
