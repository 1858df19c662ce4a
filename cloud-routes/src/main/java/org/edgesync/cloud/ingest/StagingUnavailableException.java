package org.edgesync.cloud.ingest;

import java.sql.SQLException;

/** The staging database could not be reached or refused the write; the device should resend later. */
public class StagingUnavailableException extends IngestRefusedException {

    private final String detail;

    public StagingUnavailableException(SQLException cause) {
        super("staging database unavailable, resend later");
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        int nl = message.indexOf('\n');
        this.detail = (nl < 0 ? message : message.substring(0, nl)) + " (SQLState " + cause.getSQLState() + ")";
    }

    /** What the database said, for the log only: it may name hosts and users. */
    public String getDetail() {
        return detail;
    }
}
