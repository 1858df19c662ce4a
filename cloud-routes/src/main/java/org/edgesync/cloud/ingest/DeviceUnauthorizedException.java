package org.edgesync.cloud.ingest;

/** Unknown or inactive device, or a missing or wrong bearer token. Deliberately does not say which. */
public class DeviceUnauthorizedException extends IngestRefusedException {

    public DeviceUnauthorizedException() {
        super("device unknown, inactive, or bearer token missing or wrong");
    }
}
