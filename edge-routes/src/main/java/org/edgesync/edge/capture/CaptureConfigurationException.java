package org.edgesync.edge.capture;

/** The configured capture cannot be installed; the message is one sentence for the operator. */
public class CaptureConfigurationException extends IllegalStateException {

    public CaptureConfigurationException(String message) {
        super(message);
    }
}
