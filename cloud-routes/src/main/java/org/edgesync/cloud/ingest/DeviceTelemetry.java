package org.edgesync.cloud.ingest;

import java.util.regex.Pattern;

/**
 * What a device says about itself in the advisory request headers of a batch (not signed, so never trusted for
 * anything but display): its change-table backlog, the age of its oldest unsent change, its dead-letter queue depth,
 * and its software and configuration versions. Each value is parsed on its own; a missing or malformed one is null
 * and leaves the stored value as it was, so telemetry can never fail a batch.
 *
 * @param backlog        rows in the device's change table at poll time; null when absent or malformed
 * @param oldestUnsentMs age in ms of the oldest of them; null when absent or malformed
 * @param dlqDepth       batches in the device's edgesync.batches.dlq; null when absent or malformed
 * @param softwareVersion EdgeSync version on the device, at most {@value #MAX_TEXT} printable ASCII; else null
 * @param configVersion  short hash of the device's effective configuration; same bounds
 */
public record DeviceTelemetry(Long backlog, Long oldestUnsentMs, Integer dlqDepth, String softwareVersion,
                              String configVersion) {

    public static final int MAX_TEXT = 64;
    public static final DeviceTelemetry NONE = new DeviceTelemetry(null, null, null, null, null);

    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,18}");
    private static final Pattern TEXT = Pattern.compile("[A-Za-z0-9._+:@/-]{1," + MAX_TEXT + "}");

    public static DeviceTelemetry parse(String backlog, String oldestUnsentMs, String dlqDepth, String softwareVersion,
                                        String configVersion) {
        Long dlq = number(dlqDepth);
        return new DeviceTelemetry(number(backlog), number(oldestUnsentMs),
                dlq == null || dlq > Integer.MAX_VALUE ? null : dlq.intValue(), text(softwareVersion), text(configVersion));
    }

    public boolean isEmpty() {
        return equals(NONE);
    }

    private static Long number(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        return NUMBER.matcher(v).matches() ? Long.valueOf(v) : null;
    }

    private static String text(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim();
        return TEXT.matcher(v).matches() ? v : null;
    }
}
