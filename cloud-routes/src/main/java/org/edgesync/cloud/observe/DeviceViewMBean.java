package org.edgesync.cloud.observe;

/** One device of the fleet in JMX ({@code org.edgesync:type=Device,name=<device id>}), read-only. */
public interface DeviceViewMBean {

    /** active or revoked */
    String getStatus();

    /** No request for edgesync.fleet.silent.after.s seconds (or never), while active. */
    boolean isSilent();

    /** Seconds since the last request; null when the device never sent one. */
    Double getLastSeenAgeSeconds();

    /** Changes waiting in the device's change table, as it last reported. */
    Long getReportedBacklog();

    /** Age of the device's oldest unsent change, as it last reported. */
    Double getOldestUnsentAgeSeconds();

    /** Seqs missing between the highest contiguous seq and the highest received (gaps). */
    long getMissingSeqs();

    /** Batches in the device's dead-letter queue, as it last reported. */
    Integer getDlqDepth();

    /** Quarantined changes waiting for an operator. */
    long getOpenQuarantine();

    /** Changes staged in the cloud and not yet loaded. */
    long getStagedNotLoaded();

    /** Seconds since the oldest of those was received; null when none waits. */
    Double getLoadLagSeconds();

    /** Age of these figures (the fleet view is read every edgesync.metrics.fleet.refresh.s). */
    double getSnapshotAgeSeconds();
}
