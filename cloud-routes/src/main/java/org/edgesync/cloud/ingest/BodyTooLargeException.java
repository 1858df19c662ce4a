package org.edgesync.cloud.ingest;

/** The body, or what it inflates to, exceeds edgesync.ingest.max.body.bytes. */
public class BodyTooLargeException extends IngestRefusedException {

    public BodyTooLargeException(long limit) {
        super("batch body exceeds " + limit + " bytes; send smaller batches");
    }
}
