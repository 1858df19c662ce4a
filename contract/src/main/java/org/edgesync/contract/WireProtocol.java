package org.edgesync.contract;

/** Names shared by edge and cloud for the ingest HTTP call. */
public final class WireProtocol {

    /** Path template of the ingest endpoint; {@code {deviceId}} is the sending device. */
    public static final String INGEST_PATH = "/api/v1/devices/{deviceId}/batches";

    /** Header carrying the number of changes, for logs and proxies that do not open the body. */
    public static final String CHANGE_COUNT_HEADER = "X-EdgeSync-Changes";

    /** Highest identifier length accepted for device ids and table names. */
    public static final int MAX_NAME_LENGTH = 128;

    private WireProtocol() {
    }

    public static String ingestPath(String deviceId) {
        return INGEST_PATH.replace("{deviceId}", deviceId);
    }
}
