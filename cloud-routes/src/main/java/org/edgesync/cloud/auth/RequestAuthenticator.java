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
 * (see {@link RequestSignature} for the scheme). Two steps: {@link #admit} checks the headers, the clock and the
 * registry; {@link #verify} checks the signature over the body, before it is inflated when the device signed the gzip
 * bytes as sent ({@link Admitted#signedAsSent()}), over the inflated JSON when it signed that (edges of earlier
 * versions). The method and path signed are always {@code POST} and the ingest path of the device in the URL,
 * whatever a proxy in front rewrote.
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
                           long firstSeq, long lastSeq, String signatureHex, boolean signedAsSent) {
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
        String signedBody = request.signedBody() == null ? "" : request.signedBody().trim();
        if (!signedBody.isEmpty() && !signedBody.equals(RequestSignature.SIGNED_BODY_GZIP)) {
            throw DeviceUnauthorizedException.plain(RequestSignature.SIGNED_BODY_HEADER + " is \"" + shown(signedBody)
                    + "\"; expected " + RequestSignature.SIGNED_BODY_GZIP + " (a signature over the gzip body as sent) or no"
                    + " such header (over the inflated JSON)");
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
                Long.parseLong(seq.group(1)), Long.parseLong(seq.group(2)), credential.signatureHex(),
                !signedBody.isEmpty());
    }

    /** A header value as it may appear in an answer: short, and only characters a header name or token has. */
    private static String shown(String value) {
        String cut = value.length() > 32 ? value.substring(0, 32) + "..." : value;
        return cut.replaceAll("[^A-Za-z0-9_.:+-]", "?");
    }

    /**
     * Checks the signature over the body, then that the credential's device is the one in the path.
     *
     * @param signedBody the body as received when {@link Admitted#signedAsSent()}, else the JSON it inflated to
     * @throws DeviceUnauthorizedException (401) when the signature does not match
     * @throws DeviceMismatchException     (403) when a device signed a request for another device's path
     */
    public void verify(Admitted admitted, byte[] signedBody) {
        String path = WireProtocol.ingestPath(admitted.pathDeviceId() == null ? "" : admitted.pathDeviceId());
        String digest = admitted.signedAsSent() ? RequestSignature.gzipBodyDigest(signedBody)
                : RequestSignature.sha256Hex(signedBody);
        String canonical = RequestSignature.canonical("POST", path, digest,
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
