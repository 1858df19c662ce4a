package org.edgesync.edge;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway CA and a server certificate signed by it, made with the running JDK's keytool: the
 * trust store the edge is given ({@link #truststore()}, PKCS12 with the CA certificate only) and the
 * server side for a JDK HttpsServer ({@link #serverContext()}). Passwords are random per instance.
 */
public final class TestPki {

    private final Path dir;
    private final String password = UUID.randomUUID().toString();

    private TestPki(Path dir) {
        this.dir = dir;
    }

    /** A CA named {@code name} and a server certificate for the given subject alternative names, e.g. "dns:localhost". */
    public static TestPki create(Path dir, String name, String... serverNames) throws Exception {
        Files.createDirectories(dir);
        TestPki pki = new TestPki(dir);
        String san = String.join(",", serverNames);
        pki.keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12", "-storetype", "PKCS12");
        pki.keytool("-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-rfc", "-file", "ca.pem");
        pki.keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=cloud",
                "-validity", "2", "-keystore", "server.p12", "-storetype", "PKCS12");
        pki.keytool("-certreq", "-alias", "server", "-keystore", "server.p12", "-file", "server.csr");
        pki.keytool("-gencert", "-alias", "ca", "-keystore", "ca.p12", "-infile", "server.csr", "-outfile", "server.pem",
                "-ext", "san=" + san, "-ext", "eku=serverAuth", "-validity", "2", "-rfc");
        pki.keytool("-importcert", "-alias", "ca", "-keystore", "server.p12", "-file", "ca.pem", "-noprompt");
        pki.keytool("-importcert", "-alias", "server", "-keystore", "server.p12", "-file", "server.pem");
        pki.keytool("-importcert", "-alias", "cloud-ca", "-keystore", "truststore.p12", "-storetype", "PKCS12",
                "-file", "ca.pem", "-noprompt");
        return pki;
    }

    /** The PKCS12 trust store with this CA's certificate, opened by {@link #password()}. */
    public Path truststore() {
        return dir.resolve("truststore.p12");
    }

    public String password() {
        return password;
    }

    /** A server SSLContext presenting the server certificate (chain up to this CA). */
    public SSLContext serverContext() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("server.p12"))) {
            store.load(in, password.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", password));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
