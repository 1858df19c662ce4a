package org.edgesync.cloud.ingest;

/** The body is not gzip, or not JSON once unzipped. */
public class UndecodableBodyException extends IngestRefusedException {

    public UndecodableBodyException(String message) {
        super(message);
    }
}
