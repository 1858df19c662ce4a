package org.edgesync.cloud.auth;

/**
 * The parts of an ingest request that authenticate it, as received (any may be null).
 *
 * @param pathDeviceId  the device named in the URL path
 * @param authorization {@code EDGESYNC-HMAC-SHA256 Credential=<device>/<version>, Signature=<hex>}
 * @param timestamp     X-EdgeSync-Timestamp, epoch seconds
 * @param nonce         X-EdgeSync-Nonce
 * @param seq           X-EdgeSync-Seq, {@code <first>-<last>}
 */
public record SignedRequest(String pathDeviceId, String authorization, String timestamp, String nonce, String seq) {
}
