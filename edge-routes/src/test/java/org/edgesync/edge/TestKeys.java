package org.edgesync.edge;

import org.edgesync.contract.auth.RequestSignature;

import java.security.SecureRandom;

/**
 * Device keys for tests, derived as the cloud derives them: from a master key (random per test JVM, so no
 * key is ever written into the source) with the contract's {@link RequestSignature#deriveDeviceKey}.
 */
public final class TestKeys {

    private static final byte[] MASTER = new byte[32];

    static {
        new SecureRandom().nextBytes(MASTER);
    }

    private TestKeys() {
    }

    public static byte[] deviceKey(String deviceId, int keyVersion) {
        return RequestSignature.deriveDeviceKey(MASTER, deviceId, keyVersion);
    }

    /** The key as the device is given it at enrolment (base64url, no padding), version 1. */
    public static String encoded(String deviceId) {
        return RequestSignature.encodeKey(deviceKey(deviceId, 1));
    }
}
