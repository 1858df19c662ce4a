package org.edgesync.cloud.observe;

/**
 * One device's row of {@code edgesync.device_metrics}; boxed figures are null when unknown (never seen, never
 * reported, nothing waiting).
 */
public record DeviceFigures(String deviceId, String status, boolean silent, Double lastSeenAgeSeconds,
                            Long reportedBacklog, Double oldestUnsentAgeSeconds, long missingSeqs, Integer dlqDepth,
                            long openQuarantine, long stagedNotLoaded, Double loadLagSeconds) {
}
