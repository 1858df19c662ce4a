package org.edgesync.edge.security;

import org.edgesync.contract.auth.RequestSignature;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Signs each attempt of a batch POST with the device's key, per the contract's {@link RequestSignature}:
 * a fresh timestamp and nonce every time, so the cloud can refuse a replayed request while the broker's
 * resend of the same batch still gets through. The key never leaves this object: {@link #toString()}
 * does not show it and no exception message contains it.
 */
public final class RequestSigner {

    /** Highest key version the cloud accepts in the Authorization header (nine digits). */
    static final int MAX_KEY_VERSION = 999_999_999;

    private final byte[] key;
    private final String deviceId;
    private final int keyVersion;
    private final String path;
    private final Clock clock;

    /**
     * The headers of one attempt; the values, not this object, go into the request. {@code signedBody} is the value of
     * X-EdgeSync-Signed-Body ({@code gzip}), or null when the signature covers the JSON and no such header is sent.
     */
    public record SignedHeaders(String authorization, String timestamp, String nonce, String seq, String signedBody) {
        @Override
        public String toString() {
            return "SignedHeaders[timestamp=" + timestamp + ", nonce=" + nonce + ", seq=" + seq + "]";
        }
    }

    RequestSigner(byte[] key, String deviceId, int keyVersion, URI cloudUrl, Clock clock) {
        this.key = key.clone();
        this.deviceId = deviceId;
        this.keyVersion = keyVersion;
        this.path = batchPath(cloudUrl, deviceId);
        this.clock = clock;
    }

    /**
     * Validates the key settings and builds the signer. Exactly one of {@code keyText} (from
     * EDGESYNC_DEVICE_KEY) and {@code keyFile} must be given; messages name the key and never show it.
     */
    public static RequestSigner of(String deviceId, String keyText, String keyFile, String keyVersion, URI cloudUrl) {
        return of(deviceId, keyText, keyFile, keyVersion, cloudUrl, Clock.systemUTC());
    }

    static RequestSigner of(String deviceId, String keyText, String keyFile, String keyVersion, URI cloudUrl, Clock clock) {
        int version = version(keyVersion);
        boolean hasText = keyText != null && !keyText.isBlank();
        boolean hasFile = keyFile != null && !keyFile.isBlank();
        if (hasText && hasFile) {
            throw new IllegalArgumentException("edgesync.device.key and edgesync.device.key.file are both set, but exactly one"
                    + " must be: unset EDGESYNC_DEVICE_KEY or edgesync.device.key.file.");
        }
        if (!hasText && !hasFile) {
            throw new IllegalArgumentException("edgesync.device.key is empty, but the device needs the key it was given at"
                    + " enrolment: set the environment variable EDGESYNC_DEVICE_KEY or edgesync.device.key.file.");
        }
        String encoded;
        String source;
        if (hasFile) {
            Path file = Path.of(keyFile.trim());
            source = "edgesync.device.key.file (" + file.toAbsolutePath() + ")";
            try {
                encoded = Files.readString(file);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("edgesync.device.key.file is \"" + keyFile.trim() + "\", but must be a"
                        + " readable file holding the device key (" + e.getClass().getSimpleName() + ").");
            }
        } else {
            source = "edgesync.device.key (EDGESYNC_DEVICE_KEY)";
            encoded = keyText;
        }
        byte[] key;
        try {
            key = RequestSignature.decodeKey(encoded);
        } catch (IllegalArgumentException e) {
            // The contract's message says what is wrong without the value; the value itself is never shown.
            throw new IllegalArgumentException(source + " does not hold a valid device key (value not shown), but must be"
                    + " the " + RequestSignature.KEY_BYTES + "-byte key from ops/devices enrol as base64url text: "
                    + e.getMessage() + ".");
        }
        return new RequestSigner(key, deviceId, version, cloudUrl, clock);
    }

    private static int version(String value) {
        try {
            int version = Integer.parseInt(value == null ? "" : value.trim());
            if (version >= 1 && version <= MAX_KEY_VERSION) {
                return version;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("edgesync.device.key.version is \"" + value + "\", but must be a whole number"
                + " from 1 to " + MAX_KEY_VERSION + " (the version ops/devices enrol printed with the key).");
    }

    /** The request path the cloud sees: the cloud URL's own path (a proxy prefix) plus the ingest path. */
    static String batchPath(URI cloudUrl, String deviceId) {
        String prefix = cloudUrl.getRawPath() == null ? "" : cloudUrl.getRawPath();
        return prefix + "/api/v1/devices/" + deviceId + "/batches";
    }

    /** Headers for one POST attempt of {@code json} (the uncompressed batch the HTTP client will gzip). */
    public SignedHeaders sign(byte[] json, long firstSeq, long lastSeq) {
        return sign(json, null, firstSeq, lastSeq);
    }

    /**
     * Headers for one POST attempt of a journaled batch. A gzipped batch ({@code contentEncoding} gzip: what the poll
     * route journals) is signed over its bytes as they are sent, which the cloud checks before it inflates anything,
     * and which are several times fewer to hash than the JSON (on the device's C1-compiled JVM, hashing the JSON took
     * about a third of the poll thread's time). A batch journaled as plain JSON by an earlier version (no encoding)
     * is gzipped by the HTTP client after signing, so it is signed over its JSON.
     */
    public SignedHeaders sign(byte[] body, String contentEncoding, long firstSeq, long lastSeq) {
        String digest;
        String signedBody;
        if (contentEncoding == null || contentEncoding.isBlank()) {
            digest = RequestSignature.sha256Hex(body);
            signedBody = null;
        } else if (contentEncoding.equals(RequestSignature.SIGNED_BODY_GZIP)) {
            digest = RequestSignature.gzipBodyDigest(body);
            signedBody = RequestSignature.SIGNED_BODY_GZIP;
        } else {
            throw new IllegalArgumentException("the batch's EdgeSyncContentEncoding header is \"" + contentEncoding
                    + "\", but must be gzip or absent (plain JSON).");
        }
        long now = clock.instant().getEpochSecond();
        String nonce = RequestSignature.newNonce();
        String canonical = RequestSignature.canonical("POST", path, digest, deviceId, firstSeq, lastSeq, now, nonce);
        return new SignedHeaders(RequestSignature.authorization(deviceId, keyVersion, RequestSignature.sign(key, canonical)),
                Long.toString(now), nonce, firstSeq + "-" + lastSeq, signedBody);
    }

    public String deviceId() {
        return deviceId;
    }

    public int keyVersion() {
        return keyVersion;
    }

    public String path() {
        return path;
    }

    @Override
    public String toString() {
        return "RequestSigner[device=" + deviceId + ", keyVersion=" + keyVersion + ", path=" + path + ", key=(not shown)]";
    }
}
