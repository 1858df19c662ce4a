package org.edgesync.cloud.observe;

/** The fleet's totals in JMX ({@code org.edgesync:type=Fleet}), read-only. */
public interface FleetViewMBean {

    int getDevices();

    long getSilentDevices();

    /** Changes staged and not yet loaded, all devices. */
    long getStagingBacklog();

    /** Seconds since the oldest change waiting to be loaded was received; 0 when none waits. */
    double getLoadLagSeconds();

    long getOpenQuarantine();

    /** Age of these figures; grows when the fleet view cannot be read. */
    double getSnapshotAgeSeconds();

    /** Reads of the fleet view that failed since the node started. */
    long getRefreshFailures();
}
