package org.edgesync.cloud.mapping;

/** The mappings file cannot be used; the message is one sentence naming the file, the place and what is allowed. */
public class MappingException extends RuntimeException implements org.edgesync.routes.OperatorMistake {

    public MappingException(String message) {
        super(message);
    }

    public MappingException(String message, Throwable cause) {
        super(message, cause);
    }
}
