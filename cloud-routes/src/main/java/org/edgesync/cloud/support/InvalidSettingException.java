package org.edgesync.cloud.support;

/** A configuration value that cannot be used; the message names the key, the value and what is allowed. */
public class InvalidSettingException extends IllegalArgumentException implements org.edgesync.routes.OperatorMistake {

    public InvalidSettingException(String message) {
        super(message);
    }

    public InvalidSettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
