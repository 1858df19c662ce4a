package org.edgesync.cloud.support;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Collections;

/**
 * Checks the ingest server's TLS keystore at startup, so a wrong path or password stops the node with one sentence
 * instead of a TLS stack trace. Camel Main itself serves TLS from {@code camel.ssl.*} (see cloud.properties).
 */
public final class Tls {

    private Tls() {
    }

    public static void checkKeystore(String file, String password) {
        Path path = Settings.readableFile("edgesync.tls.keystore.file", file);
        if (password == null || password.isBlank()) {
            throw new InvalidSettingException("edgesync.tls.keystore.password is not set; set environment variable"
                    + " EDGESYNC_TLS_KEYSTORE_PASSWORD to the password of " + path + " (or edgesync.tls.enabled=false"
                    + " for a local demo behind a TLS proxy).");
        }
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, password.trim().toCharArray());
            boolean hasKey = false;
            for (String alias : Collections.list(keyStore.aliases())) {
                hasKey |= keyStore.isKeyEntry(alias);
            }
            if (!hasKey) {
                throw new InvalidSettingException("edgesync.tls.keystore.file is \"" + file.trim()
                        + "\" but that keystore holds no private key with a certificate.");
            }
        } catch (InvalidSettingException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidSettingException("edgesync.tls.keystore.file is \"" + file.trim()
                    + "\" but it cannot be opened as a PKCS12 keystore with edgesync.tls.keystore.password"
                    + " (EDGESYNC_TLS_KEYSTORE_PASSWORD).");
        }
    }
}
