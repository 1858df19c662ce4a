package org.edgesync.cloud.auth;

import org.edgesync.cloud.ingest.DeviceMismatchException;
import org.edgesync.cloud.ingest.DeviceUnauthorizedException;
import org.edgesync.contract.WireProtocol;
import org.edgesync.contract.auth.RequestSignature;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks that an ingest request was signed by an active device with its current key, within the time window
 * (see {@link RequestSignature} for the scheme). Two steps, because the signature covers the uncompressed body:
 * {@link #admit} checks the headers, the clock and the registry before the body is inflated; {@link #verify} checks
 * the signature over the inflated JSON. The method and path signed are always {@code POST} and the ingest path of
 * the device in the URL, whatever a proxy in front rewrote.
 */
public class RequestAuthenticator {

    private static final String SELECT_DEVICE =
            "SELECT status, key_version, revoked_at IS NOT NULL FROM edgesync.device WHERE device_id = ?";
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
    private static final Pattern SEQ = Pattern.compile("([1-9][0-9]{0,17})-([1-9][0-9]{0,17})");

    private final MasterKey masterKey;
    private final long maxSkewSeconds;
    private final Clock clock;

    public RequestAuthenticator(MasterKey masterKey, long maxSkewSeconds, Clock clock) {
        this.masterKey = masterKey;
        this.maxSkewSeconds = maxSkewSeconds;
        this.clock = clock;
    }

    public long maxSkewSeconds() {
        return maxSkewSeconds;
    }

    /** A request whose headers, clock and device passed; its signature is still to be checked. */
    public record Admitted(String deviceId, int keyVersion, String pathDeviceId, long epochSeconds, String nonce,
                           long firstSeq, long lastSeq, String signatureHex) {
    }

    /** @throws DeviceUnauthorizedException (401) for any header, clock or registry problem */
    public Admitted admit(Connection connection, SignedRequest request) throws SQLException {
        RequestSignature.Credential credential = RequestSignature.parseAuthorization(request.authorization());
        if (credential == null) {
            throw DeviceUnauthorizedException.plain("missing or malformed Authorization header; expected "
                    + RequestSignature.SCHEME + " Credential=<deviceId>/<keyVersion>, Signature=<64 hex>");
        }
        String ts = request.timestamp() == null ? "" : request.timestamp().trim();
        if (!TIMESTAMP.matcher(ts).matches()) {
            throw DeviceUnauthorizedException.plain("missing or malformed " + RequestSignature.TIMESTAMP_HEADER
                    + " header; expected epoch seconds");
        }
        String nonce = request.nonce() == null ? "" : request.nonce().trim();
        if (!RequestSignature.NONCE.matcher(nonce).matches()) {
            throw DeviceUnauthorizedException.plain("missing or malformed " + RequestSignature.NONCE_HEADER
                    + " header; expected 16-128 characters of A-Z a-z 0-9 _ -");
        }
        Matcher seq = SEQ.matcher(request.seq() == null ? "" : request.seq().trim());
        if (!seq.matches() || Long.parseLong(seq.group(1)) > Long.parseLong(seq.group(2))) {
            throw DeviceUnauthorizedException.plain("missing or malformed " + RequestSignature.SEQ_HEADER
                    + " header; expected <firstSeq>-<lastSeq>");
        }
        long epochSeconds = Long.parseLong(ts);
        long now = clock.instant().getEpochSecond();
        if (Math.abs(now - epochSeconds) > maxSkewSeconds) {
            throw new DeviceUnauthorizedException("timestamp outside the allowed window",
                    "timestamp " + epochSeconds + " is " + (epochSeconds - now) + " s from the server clock; allowed ±"
                            + maxSkewSeconds + " s");
        }
        String deviceId = credential.deviceId();
        try (PreparedStatement select = connection.prepareStatement(SELECT_DEVICE)) {
            select.setString(1, deviceId);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw DeviceUnauthorizedException.generic("device " + deviceId + " is not enrolled");
                }
                if (!"active".equals(rs.getString(1)) || rs.getBoolean(3)) {
                    throw DeviceUnauthorizedException.generic("device " + deviceId + " is " + rs.getString(1));
                }
                int current = rs.getInt(2);
                if (current != credential.keyVersion()) {
                    throw DeviceUnauthorizedException.generic("device " + deviceId + " signed with key version "
                            + credential.keyVersion() + " but the current one is " + current);
                }
            }
        }
        return new Admitted(deviceId, credential.keyVersion(), request.pathDeviceId(), epochSeconds, nonce,
                Long.parseLong(seq.group(1)), Long.parseLong(seq.group(2)), credential.signatureHex());
    }

    /**
     * Checks the signature over the uncompressed JSON body, then that the credential's device is the one in the path.
     *
     * @throws DeviceUnauthorizedException (401) when the signature does not match
     * @throws DeviceMismatchException     (403) when a device signed a request for another device's path
     */
    public void verify(Admitted admitted, byte[] json) {
        String path = WireProtocol.ingestPath(admitted.pathDeviceId() == null ? "" : admitted.pathDeviceId());
        String canonical = RequestSignature.canonical("POST", path, RequestSignature.sha256Hex(json),
                admitted.deviceId(), admitted.firstSeq(), admitted.lastSeq(), admitted.epochSeconds(), admitted.nonce());
        String expected = RequestSignature.sign(masterKey.deviceKey(admitted.deviceId(), admitted.keyVersion()), canonical);
        if (!RequestSignature.matches(expected, admitted.signatureHex())) {
            throw DeviceUnauthorizedException.generic("signature of device " + admitted.deviceId() + " does not match");
        }
        if (!admitted.deviceId().equals(admitted.pathDeviceId())) {
            throw new DeviceMismatchException("device \"" + admitted.deviceId()
                    + "\" may only send to its own path, not to that of \"" + admitted.pathDeviceId() + "\"");
        }
    }
}
