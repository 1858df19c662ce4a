package org.edgesync.cloud.ingest;

/**
 * What one accepted batch did.
 *
 * @param accepted   changes staged for the first time
 * @param duplicates changes that were already staged (a resent batch)
 */
public record IngestResult(int accepted, int duplicates) {

    /** The 200 response body. */
    public String toJson() {
        return "{\"accepted\":" + accepted + ",\"duplicates\":" + duplicates + "}";
    }
}
