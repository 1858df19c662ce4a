package org.edgesync.cloud.ingest;

/**
 * The request does not prove it comes from an active device: 401. The message the device sees only names what it
 * can fix itself (a missing header, its clock, a replay); unknown device, revoked device, old key version and wrong
 * signature all read the same, so the answer does not tell an attacker which device ids exist. {@link #getDetail()}
 * says which it was, for the log.
 */
public class DeviceUnauthorizedException extends IngestRefusedException {

    public static final String GENERIC = "device unknown or revoked, or signature wrong";

    private final String detail;

    public DeviceUnauthorizedException(String message, String detail) {
        super(message);
        this.detail = detail;
    }

    public static DeviceUnauthorizedException generic(String detail) {
        return new DeviceUnauthorizedException(GENERIC, detail);
    }

    public static DeviceUnauthorizedException plain(String message) {
        return new DeviceUnauthorizedException(message, message);
    }

    /** Why exactly, for the log only. */
    public String getDetail() {
        return detail;
    }
}
