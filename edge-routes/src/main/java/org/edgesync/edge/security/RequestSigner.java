package org.edgesync.edge.security;

import org.edgesync.contract.auth.RequestSignature;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.regex.Pattern;

/**
 * Signs each attempt of a batch POST with the device's key, per the contract's {@link RequestSignature}:
 * a fresh timestamp and nonce every time, so the cloud can refuse a replayed request while the broker's
 * resend of the same batch still gets through. The key never leaves this object: {@link #toString()}
 * does not show it and no exception message contains it.
 */
public final class RequestSigner {

    /** Highest key version the cloud accepts in the Authorization header (nine digits). */
    static final int MAX_KEY_VERSION = 999_999_999;

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private final byte[] key;
    private final String deviceId;
    private final int keyVersion;
    private final String path;
    private final Clock clock;

    /** The four headers of one attempt; the values, not this object, go into the request. */
    public record SignedHeaders(String authorization, String timestamp, String nonce, String seq) {
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
     * Headers for one POST attempt of a journaled batch. {@code jsonSha256} is the digest of the batch's
     * uncompressed JSON, recorded when it was gzipped for the journal, so no attempt has to unzip it; a batch
     * journaled by an earlier version has none (null or blank) and its {@code body} is the JSON itself.
     */
    public SignedHeaders sign(byte[] body, String jsonSha256, long firstSeq, long lastSeq) {
        String digest;
        if (jsonSha256 == null || jsonSha256.isBlank()) {
            digest = RequestSignature.sha256Hex(body);
        } else if (SHA256_HEX.matcher(jsonSha256).matches()) {
            digest = jsonSha256;
        } else {
            throw new IllegalArgumentException("the batch's EdgeSyncJsonSha256 header is \"" + jsonSha256
                    + "\", but must be 64 lowercase hex digits.");
        }
        long now = clock.instant().getEpochSecond();
        String nonce = RequestSignature.newNonce();
        String canonical = RequestSignature.canonical("POST", path, digest, deviceId, firstSeq, lastSeq, now, nonce);
        return new SignedHeaders(RequestSignature.authorization(deviceId, keyVersion, RequestSignature.sign(key, canonical)),
                Long.toString(now), nonce, firstSeq + "-" + lastSeq);
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
