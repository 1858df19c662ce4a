package org.edgesync.edge.security;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collections;

/**
 * The certificates the edge trusts for the cloud: only the CA certificates of one PKCS12 trust store
 * ({@code edgesync.cloud.truststore.file}), never the JVM's default trust store, so a certificate bought
 * from any public CA for a look-alike host is refused. Hostname verification stays with the HTTP client.
 */
public final class CloudTrust {

    private final X509TrustManager trustManager;
    private final String description;

    private CloudTrust(X509TrustManager trustManager, String description) {
        this.trustManager = trustManager;
        this.description = description;
    }

    /**
     * Validates the trust settings against the cloud URL: https needs a trust store with at least one
     * certificate; http needs none (and trusts nothing, should a redirect ever lead to https).
     * The password is never part of a message.
     */
    public static CloudTrust of(URI cloudUrl, String truststoreFile, String truststorePassword) {
        boolean https = "https".equals(cloudUrl.getScheme());
        if (truststoreFile == null || truststoreFile.isBlank()) {
            if (https) {
                throw new IllegalArgumentException("edgesync.cloud.truststore.file is empty, but must name the PKCS12 file"
                        + " with the CA certificate of the cloud when edgesync.cloud.url is https (" + cloudUrl + ").");
            }
            return new CloudTrust(trustNothing(), "nothing (plain http)");
        }
        Path file = Path.of(truststoreFile.trim());
        char[] password = truststorePassword == null || truststorePassword.isEmpty() ? null : truststorePassword.toCharArray();
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (IOException | GeneralSecurityException e) {
            String why = e.getCause() instanceof java.security.UnrecoverableKeyException
                    || String.valueOf(e.getMessage()).contains("password")
                    ? "the password (EDGESYNC_CLOUD_TRUSTSTORE_PASSWORD) does not open it"
                    : e.getClass().getSimpleName();
            throw new IllegalArgumentException("edgesync.cloud.truststore.file is \"" + truststoreFile.trim() + "\", but must be"
                    + " a readable PKCS12 trust store holding the cloud's CA certificate: " + why + ".");
        }
        int certificates;
        try {
            certificates = (int) Collections.list(store.aliases()).stream().filter(alias -> isCertificate(store, alias)).count();
        } catch (GeneralSecurityException e) {
            certificates = 0;
        }
        if (certificates == 0) {
            throw new IllegalArgumentException("edgesync.cloud.truststore.file is \"" + truststoreFile.trim() + "\", but must be"
                    + " a PKCS12 trust store holding the cloud's CA certificate: it shows no trusted certificate"
                    + (password == null ? " (if its certificates are password-protected, set EDGESYNC_CLOUD_TRUSTSTORE_PASSWORD)." : "."));
        }
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return new CloudTrust(x509, certificates + " CA certificate(s) from " + file.toAbsolutePath());
                }
            }
        } catch (GeneralSecurityException e) {
            // reported below
        }
        throw new IllegalStateException("This JVM has no X509 trust manager for " + file.toAbsolutePath());
    }

    private static boolean isCertificate(KeyStore store, String alias) {
        try {
            return store.isCertificateEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    public X509TrustManager trustManager() {
        return trustManager;
    }

    /** What is trusted, for the startup log line. */
    public String description() {
        return description;
    }

    private static X509TrustManager trustNothing() {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("no client certificates are trusted");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("edgesync.cloud.truststore.file is not set, so no server certificate is trusted");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
    }
}
