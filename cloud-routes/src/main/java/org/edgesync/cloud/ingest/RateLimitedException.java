package org.edgesync.cloud.ingest;

/** The device sends faster than edgesync.ingest.rate.batches.per.s allows: 429 with Retry-After, nothing written. */
public class RateLimitedException extends IngestRefusedException {

    private final long retryAfterSeconds;

    public RateLimitedException(long retryAfterSeconds) {
        super("too many batches from this device; retry after " + retryAfterSeconds + " s");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long getRetryAfterSeconds() {
        return retryAfterSeconds;
    }
}
