package org.edgesync.cloud.ingest;

/** A batch holds more changes than edgesync.ingest.max.changes.per.batch: 413, nothing written. */
public class TooManyChangesException extends IngestRefusedException {

    public TooManyChangesException(int changes, int limit) {
        super("batch has " + changes + " changes but at most " + limit + " are accepted per batch; send smaller batches");
    }
}
