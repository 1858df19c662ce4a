package org.edgesync.cloud.ingest;

/** A batch must be sent as application/json (gzip-encoded): anything else gets 415 and nothing is written. */
public class UnsupportedContentTypeException extends IngestRefusedException {

    public UnsupportedContentTypeException() {
        super("Content-Type must be application/json");
    }
}
