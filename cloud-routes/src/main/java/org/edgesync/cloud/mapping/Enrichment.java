package org.edgesync.cloud.mapping;

/**
 * A target column filled from what the cloud knows about the sending device rather than from the row.
 *
 * @param target column name in the target table
 * @param source where the value comes from; {@value #STORE_ID} is the only source so far
 */
public record Enrichment(String target, String source) {

    /** The device's store, from edgesync.device.store_id. */
    public static final String STORE_ID = "device.store_id";
}
