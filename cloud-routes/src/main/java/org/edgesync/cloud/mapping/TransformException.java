package org.edgesync.cloud.mapping;

/** A source row that cannot be converted; the message names the table, column, value and conversion. */
public class TransformException extends RuntimeException {

    public TransformException(String message) {
        super(message);
    }

    public TransformException(String message, Throwable cause) {
        super(message, cause);
    }
}
