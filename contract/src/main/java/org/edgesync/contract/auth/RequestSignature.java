package org.edgesync.contract.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The request-signing scheme edge and cloud share: HMAC-SHA256 over a canonical text of the request,
 * with a per-device key derived from the cloud's master key, so the cloud stores no device secret.
 *
 * <pre>
 * deviceKey = HMAC-SHA256(masterKey, "edgesync-device-key/v1/" + deviceId + "/" + keyVersion)   (32 bytes)
 * canonical = "EDGESYNC-HMAC-SHA256\n" + METHOD + "\n" + path + "\n" + bodySha256Hex + "\n"
 *           + deviceId + "\n" + firstSeq + "-" + lastSeq + "\n" + epochSeconds + "\n" + nonce
 * signature = lowercase hex of HMAC-SHA256(deviceKey, canonical as UTF-8)
 *
 * Authorization: EDGESYNC-HMAC-SHA256 Credential=&lt;deviceId&gt;/&lt;keyVersion&gt;, Signature=&lt;hex&gt;
 * X-EdgeSync-Timestamp: &lt;epoch seconds&gt;
 * X-EdgeSync-Nonce: &lt;16-128 chars of A-Za-z0-9_-, fresh for every attempt&gt;
 * X-EdgeSync-Seq: &lt;firstSeq&gt;-&lt;lastSeq&gt;
 * </pre>
 *
 * {@code bodySha256Hex} takes one of two forms, and the header {@code X-EdgeSync-Signed-Body} says which:
 * <ul>
 * <li>{@code X-EdgeSync-Signed-Body: gzip}: {@code "gzip:"} + the lowercase hex SHA-256 of the request body
 * <b>as sent</b>, the gzip bytes ({@link #gzipBodyDigest}). What edges send: the cloud checks the signature
 * before it inflates anything, and both sides hash the compressed bytes, several times fewer than the JSON.</li>
 * <li>no such header: the lowercase hex SHA-256 of the <b>uncompressed</b> JSON, which the cloud verifies after
 * inflating. What edges before this form sent; the cloud still accepts it.</li>
 * </ul>
 * The form is part of the signed text, so a signature of one form never verifies as the other. The path is the
 * request path without scheme, host or query, e.g. {@code /api/v1/devices/pos-1/batches}.
 * Operators see device keys as base64url without padding ({@link #encodeKey}); the device reads it back
 * with {@link #decodeKey} and needs its key version too (enrolment prints both).
 */
public final class RequestSignature {

    public static final String SCHEME = "EDGESYNC-HMAC-SHA256";
    public static final String AUTHORIZATION_HEADER = "Authorization";
    public static final String TIMESTAMP_HEADER = "X-EdgeSync-Timestamp";
    public static final String NONCE_HEADER = "X-EdgeSync-Nonce";
    public static final String SEQ_HEADER = "X-EdgeSync-Seq";
    /** Says what the body digest covers; absent for a signature over the uncompressed JSON. */
    public static final String SIGNED_BODY_HEADER = "X-EdgeSync-Signed-Body";
    /** {@link #SIGNED_BODY_HEADER}'s value for a signature over the gzip bytes as sent. */
    public static final String SIGNED_BODY_GZIP = "gzip";

    /** Prefix of the text the device key is derived from; {@code v1} names this derivation, not the key version. */
    public static final String KEY_DERIVATION_PREFIX = "edgesync-device-key/v1/";
    public static final int KEY_BYTES = 32;
    public static final int MIN_MASTER_KEY_BYTES = 32;
    public static final Pattern NONCE = Pattern.compile("[A-Za-z0-9_-]{16,128}");

    private static final String HMAC = "HmacSHA256";
    private static final String GZIP_DIGEST_PREFIX = SIGNED_BODY_GZIP + ":";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "EDGESYNC-HMAC-SHA256 Credential=([A-Za-z0-9_.:-]{1,128})/([1-9][0-9]{0,8}), Signature=([0-9a-f]{64})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestSignature() {
    }

    /** The credential part of an {@code Authorization} header. */
    public record Credential(String deviceId, int keyVersion, String signatureHex) {
    }

    public static String canonical(String method, String path, String bodySha256Hex, String deviceId,
                                   long firstSeq, long lastSeq, long epochSeconds, String nonce) {
        return String.join("\n", SCHEME, method.toUpperCase(java.util.Locale.ROOT), path, bodySha256Hex,
                deviceId, firstSeq + "-" + lastSeq, Long.toString(epochSeconds), nonce);
    }

    /** Lowercase hex HMAC-SHA256 of the canonical text under the device key. */
    public static String sign(byte[] deviceKey, String canonical) {
        return HexFormat.of().formatHex(hmac(deviceKey, canonical.getBytes(StandardCharsets.UTF_8)));
    }

    public static byte[] deriveDeviceKey(byte[] masterKey, String deviceId, int keyVersion) {
        if (masterKey == null || masterKey.length < MIN_MASTER_KEY_BYTES) {
            throw new IllegalArgumentException("The master key must be at least " + MIN_MASTER_KEY_BYTES + " bytes");
        }
        if (keyVersion < 1) {
            throw new IllegalArgumentException("The key version must be 1 or more, not " + keyVersion);
        }
        return hmac(masterKey, (KEY_DERIVATION_PREFIX + deviceId + "/" + keyVersion).getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256Hex(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** Constant-time comparison of two hex signatures (as bytes, so the time does not depend on where they differ). */
    public static boolean matches(String expectedHex, String actualHex) {
        if (expectedHex == null || actualHex == null) {
            return false;
        }
        return MessageDigest.isEqual(expectedHex.getBytes(StandardCharsets.US_ASCII),
                actualHex.getBytes(StandardCharsets.US_ASCII));
    }

    public static String authorization(String deviceId, int keyVersion, String signatureHex) {
        return SCHEME + " Credential=" + deviceId + "/" + keyVersion + ", Signature=" + signatureHex;
    }

    /** Parses an {@code Authorization} header value; null when it is absent or not of this scheme's exact form. */
    public static Credential parseAuthorization(String header) {
        if (header == null) {
            return null;
        }
        Matcher m = AUTHORIZATION.matcher(header.trim());
        if (!m.matches()) {
            return null;
        }
        return new Credential(m.group(1), Integer.parseInt(m.group(2)), m.group(3));
    }

    /**
     * All four headers for one attempt of a POST of {@code jsonBody} (uncompressed), in the order
     * Authorization, timestamp, nonce, seq. Use a fresh nonce and the current time for every attempt,
     * including a resend of the same batch.
     */
    public static Map<String, String> headers(byte[] deviceKey, String deviceId, int keyVersion, String method,
                                              String path, byte[] jsonBody, long firstSeq, long lastSeq,
                                              long epochSeconds, String nonce) {
        return headersForBodyDigest(deviceKey, deviceId, keyVersion, method, path, sha256Hex(jsonBody), firstSeq,
                lastSeq, epochSeconds, nonce);
    }

    /**
     * As {@link #headers}, from the body's {@link #sha256Hex} computed once: a sender that holds many batches for
     * resending keeps 64 characters per batch instead of its uncompressed JSON.
     */
    public static Map<String, String> headersForBodyDigest(byte[] deviceKey, String deviceId, int keyVersion,
                                                           String method, String path, String bodySha256Hex,
                                                           long firstSeq, long lastSeq, long epochSeconds,
                                                           String nonce) {
        Objects.requireNonNull(deviceKey, "deviceKey");
        String canonical = canonical(method, path, bodySha256Hex, deviceId, firstSeq, lastSeq, epochSeconds, nonce);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(AUTHORIZATION_HEADER, authorization(deviceId, keyVersion, sign(deviceKey, canonical)));
        headers.put(TIMESTAMP_HEADER, Long.toString(epochSeconds));
        headers.put(NONCE_HEADER, nonce);
        headers.put(SEQ_HEADER, firstSeq + "-" + lastSeq);
        return headers;
    }

    /** The body digest of a gzip body signed as sent: {@code "gzip:"} and the SHA-256 of exactly those bytes. */
    public static String gzipBodyDigest(byte[] gzipBody) {
        return GZIP_DIGEST_PREFIX + sha256Hex(gzipBody);
    }

    /**
     * The five headers for one attempt of a POST of a gzip body signed as sent (the four of {@link #headers} and
     * {@code X-EdgeSync-Signed-Body: gzip}), from the body's {@link #gzipBodyDigest}, which a sender can compute once
     * per batch.
     */
    public static Map<String, String> headersForGzipBody(byte[] deviceKey, String deviceId, int keyVersion,
                                                         String method, String path, String gzipBodyDigest,
                                                         long firstSeq, long lastSeq, long epochSeconds,
                                                         String nonce) {
        if (gzipBodyDigest == null || !gzipBodyDigest.startsWith(GZIP_DIGEST_PREFIX)) {
            throw new IllegalArgumentException("a gzip body is signed with its gzipBodyDigest (\"" + GZIP_DIGEST_PREFIX
                    + "\" and 64 hex digits), not " + gzipBodyDigest);
        }
        Map<String, String> headers = headersForBodyDigest(deviceKey, deviceId, keyVersion, method, path,
                gzipBodyDigest, firstSeq, lastSeq, epochSeconds, nonce);
        headers.put(SIGNED_BODY_HEADER, SIGNED_BODY_GZIP);
        return headers;
    }

    /** 24 random base64url characters (18 bytes from a SecureRandom). */
    public static String newNonce() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A device key as operators see it: base64url without padding. */
    public static String encodeKey(byte[] key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
    }

    /** Reads a device key as {@link #encodeKey} wrote it (surrounding whitespace ignored); refuses anything but 32 bytes. */
    public static byte[] decodeKey(String encoded) {
        byte[] key;
        try {
            key = Base64.getUrlDecoder().decode(encoded == null ? "" : encoded.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The device key is not base64url text");
        }
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("The device key must decode to " + KEY_BYTES + " bytes, not " + key.length);
        }
        return key;
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
