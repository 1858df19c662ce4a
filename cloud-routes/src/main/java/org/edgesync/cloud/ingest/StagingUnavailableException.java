package org.edgesync.cloud.ingest;

/** The staging database could not be reached or refused the write; the device should resend later. */
public class StagingUnavailableException extends IngestRefusedException {

    public StagingUnavailableException(Throwable cause) {
        super("staging database unavailable, resend later", cause);
    }
}
