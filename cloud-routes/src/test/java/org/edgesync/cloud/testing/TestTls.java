package org.edgesync.cloud.testing;

import org.edgesync.cloud.admin.DemoCertificates;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/** One demo CA and server certificate per test JVM (DemoCertificates), and an HTTP client that trusts only that CA. */
public final class TestTls {

    /** Test-only keystore password, random per JVM. */
    public static final String KEYSTORE_PASSWORD = "ks-" + UUID.randomUUID();

    private static Path dir;
    private static HttpClient client;

    private TestTls() {
    }

    public static synchronized Path dir() {
        if (dir == null) {
            try {
                Path d = Files.createTempDirectory("edgesync-tls");
                DemoCertificates.generate(d, KEYSTORE_PASSWORD);
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** Properties that make a CloudNode serve HTTPS with the demo certificate. */
    public static Map<String, String> nodeProperties() {
        return Map.of("edgesync.tls.enabled", "true",
                "edgesync.tls.keystore.file", dir().resolve(DemoCertificates.KEYSTORE).toString(),
                "edgesync.tls.keystore.password", KEYSTORE_PASSWORD);
    }

    /** A client that trusts the demo CA only, as a device does. */
    public static synchronized HttpClient client() {
        if (client == null) {
            client = newClient();
        }
        return client;
    }

    /** A client of its own (own connections), trusting the demo CA only. */
    public static HttpClient newClient() {
        return newClient(dir());
    }

    /** A client trusting only the CA in {@code certificatesDir}/ca-truststore.p12. */
    public static HttpClient newClient(Path certificatesDir) {
        {
            try (InputStream in = Files.newInputStream(certificatesDir.resolve(DemoCertificates.TRUSTSTORE))) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(in, DemoCertificates.TRUSTSTORE_PASSWORD.toCharArray());
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext ssl = SSLContext.getInstance("TLS");
                ssl.init(null, tmf.getTrustManagers(), null);
                return HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException("cannot build the test TLS client", e);
            }
        }
    }
}
