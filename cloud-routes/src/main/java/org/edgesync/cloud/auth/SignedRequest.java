package org.edgesync.cloud.auth;

/**
 * The parts of an ingest request that authenticate it, as received (any may be null).
 *
 * @param pathDeviceId  the device named in the URL path
 * @param authorization {@code EDGESYNC-HMAC-SHA256 Credential=<device>/<version>, Signature=<hex>}
 * @param timestamp     X-EdgeSync-Timestamp, epoch seconds
 * @param nonce         X-EdgeSync-Nonce
 * @param seq           X-EdgeSync-Seq, {@code <first>-<last>}
 * @param signedBody    X-EdgeSync-Signed-Body: {@code gzip} when the signature covers the body as sent, absent when it
 *                      covers the inflated JSON
 */
public record SignedRequest(String pathDeviceId, String authorization, String timestamp, String nonce, String seq,
                            String signedBody) {

    /** A request signed over its inflated JSON (no X-EdgeSync-Signed-Body header). */
    public SignedRequest(String pathDeviceId, String authorization, String timestamp, String nonce, String seq) {
        this(pathDeviceId, authorization, timestamp, nonce, seq, null);
    }
}
