package org.edgesync.cloud.ingest;

/** An authenticated device sent a request that names another device, or other seqs than it signed: 403. */
public class DeviceMismatchException extends IngestRefusedException {

    public DeviceMismatchException(String message) {
        super(message);
    }

    public DeviceMismatchException(String pathDevice, String bodyDevice) {
        this("batch deviceId \"" + bodyDevice + "\" does not match the device in the path \"" + pathDevice + "\"");
    }
}
