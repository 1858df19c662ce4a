package org.edgesync.cloud.auth;

import org.edgesync.cloud.support.InvalidSettingException;
import org.edgesync.contract.auth.RequestSignature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The cloud's master key, from which every device key is derived. Read from a file
 * ({@value #FILE_KEY}) or a value (env {@code EDGESYNC_AUTH_MASTER_KEY}), base64, at least 32 bytes.
 * Its bytes never leave this class except into a key derivation; {@link #toString()} shows nothing.
 */
public final class MasterKey {

    public static final String FILE_KEY = "edgesync.auth.master.key.file";
    public static final String VALUE_KEY = "edgesync.auth.master.key";

    private final byte[] key;

    private MasterKey(byte[] key) {
        this.key = key;
    }

    /**
     * @param file  value of {@value #FILE_KEY}; blank when unset
     * @param value value of {@value #VALUE_KEY} (normally from env EDGESYNC_AUTH_MASTER_KEY); blank when unset
     */
    public static MasterKey load(String file, String value) {
        String text;
        String source;
        if (file != null && !file.isBlank()) {
            source = FILE_KEY + " (" + file.trim() + ")";
            try {
                text = Files.readString(Path.of(file.trim()), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new InvalidSettingException(FILE_KEY + " is \"" + file.trim()
                        + "\" but that file cannot be read; it must hold the base64 master key.");
            }
        } else if (value != null && !value.isBlank()) {
            source = "environment variable EDGESYNC_AUTH_MASTER_KEY";
            text = value;
        } else {
            throw new InvalidSettingException("No master key: set environment variable EDGESYNC_AUTH_MASTER_KEY or "
                    + FILE_KEY + " to a base64 key of at least " + RequestSignature.MIN_MASTER_KEY_BYTES
                    + " random bytes (e.g. openssl rand -base64 32).");
        }
        byte[] decoded;
        try {
            decoded = Base64.getMimeDecoder().decode(text.trim().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("The master key from " + source + " is not base64 text.");
        }
        if (decoded.length < RequestSignature.MIN_MASTER_KEY_BYTES) {
            throw new InvalidSettingException("The master key from " + source + " decodes to " + decoded.length
                    + " bytes but must have at least " + RequestSignature.MIN_MASTER_KEY_BYTES + ".");
        }
        return new MasterKey(decoded);
    }

    public byte[] deviceKey(String deviceId, int keyVersion) {
        return RequestSignature.deriveDeviceKey(key, deviceId, keyVersion);
    }

    @Override
    public String toString() {
        return "MasterKey[hidden]";
    }
}
