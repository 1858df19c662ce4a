package org.edgesync.cloud.ingest;

/** An authenticated device sent a batch that names another device. */
public class DeviceMismatchException extends IngestRefusedException {

    public DeviceMismatchException(String pathDevice, String bodyDevice) {
        super("batch deviceId \"" + bodyDevice + "\" does not match the device in the path \"" + pathDevice + "\"");
    }
}
