package org.edgesync.cloud.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Generates a throw-away TLS setup for tests and the demo, with the running JDK's keytool: a self-signed CA, and a
 * server certificate for {@code localhost} and {@code 127.0.0.1} signed by it.
 * <pre>
 * java -cp edgesync-cloud.jar org.edgesync.cloud.admin.DemoCertificates DIR
 * </pre>
 * writes into DIR
 * <ul>
 *   <li>{@code server-keystore.p12}: the server's key and chain, for edgesync.tls.keystore.file; its password is
 *       EDGESYNC_TLS_KEYSTORE_PASSWORD when set, else a random one written to {@code server-keystore.password};</li>
 *   <li>{@code ca-truststore.p12}: only the CA certificate, for the device (password {@value #TRUSTSTORE_PASSWORD}:
 *       it holds nothing secret); {@code ca.pem} the same certificate as PEM.</li>
 * </ul>
 * The CA's private key is deleted at the end, so nothing else can ever be signed by it. Exit 0, or 2 with one sentence.
 */
public final class DemoCertificates {

    public static final String TRUSTSTORE_PASSWORD = "changeit";
    public static final String KEYSTORE = "server-keystore.p12";
    public static final String TRUSTSTORE = "ca-truststore.p12";

    private DemoCertificates() {
    }

    public static void main(String[] args) {
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println("usage: DemoCertificates DIR (writes server-keystore.p12, ca-truststore.p12 and ca.pem)");
            System.exit(2);
        }
        try {
            String password = System.getenv("EDGESYNC_TLS_KEYSTORE_PASSWORD");
            Path dir = Path.of(args[0]);
            boolean generated = password == null || password.isBlank();
            if (generated) {
                password = randomPassword();
            }
            generate(dir, password);
            if (generated) {
                Files.writeString(dir.resolve("server-keystore.password"), password, StandardCharsets.UTF_8);
            }
            System.out.println("Wrote " + dir.resolve(KEYSTORE) + " (password "
                    + (generated ? "in " + dir.resolve("server-keystore.password") : "from EDGESYNC_TLS_KEYSTORE_PASSWORD")
                    + ") and " + dir.resolve(TRUSTSTORE) + " (password " + TRUSTSTORE_PASSWORD + ", only the CA).");
        } catch (IOException | RuntimeException e) {
            System.err.println("Cannot generate the demo certificates: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Writes the keystore (with {@code keystorePassword}), the CA truststore and ca.pem into {@code dir}. */
    public static void generate(Path dir, String keystorePassword) throws IOException {
        Files.createDirectories(dir);
        Path ca = dir.resolve("ca-key.p12");
        Path keystore = dir.resolve(KEYSTORE);
        Path truststore = dir.resolve(TRUSTSTORE);
        Path caPem = dir.resolve("ca.pem");
        Path csr = dir.resolve("server.csr");
        Path serverPem = dir.resolve("server.pem");
        for (Path p : List.of(ca, keystore, truststore, caPem, csr, serverPem)) {
            Files.deleteIfExists(p);
        }
        String caPass = randomPassword();
        try {
            keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "3650",
                    "-dname", "CN=EdgeSync Demo CA", "-ext", "bc:c", "-ext", "KeyUsage:critical=keyCertSign,cRLSign",
                    "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", caPass);
            keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", caPass,
                    "-file", caPem.toString());
            keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "825",
                    "-dname", "CN=localhost", "-keystore", keystore.toString(), "-storetype", "PKCS12",
                    "-storepass", keystorePassword);
            keytool("-certreq", "-alias", "server", "-keystore", keystore.toString(), "-storepass", keystorePassword,
                    "-file", csr.toString());
            keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-storepass", caPass,
                    "-infile", csr.toString(), "-outfile", serverPem.toString(), "-validity", "825",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "KeyUsage:critical=digitalSignature",
                    "-ext", "ExtendedKeyUsage=serverAuth");
            keytool("-importcert", "-noprompt", "-alias", "edgesync-demo-ca", "-file", caPem.toString(),
                    "-keystore", keystore.toString(), "-storepass", keystorePassword);
            keytool("-importcert", "-noprompt", "-alias", "server", "-file", serverPem.toString(),
                    "-keystore", keystore.toString(), "-storepass", keystorePassword);
            keytool("-delete", "-alias", "edgesync-demo-ca", "-keystore", keystore.toString(),
                    "-storepass", keystorePassword);
            keytool("-importcert", "-noprompt", "-alias", "edgesync-demo-ca", "-file", caPem.toString(),
                    "-keystore", truststore.toString(), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD);
        } finally {
            Files.deleteIfExists(ca);
            Files.deleteIfExists(csr);
            Files.deleteIfExists(serverPem);
        }
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("keytool " + args[0] + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool " + args[0] + " ran");
        }
        if (process.exitValue() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output.lines().findFirst().orElse("no output"));
        }
    }

    private static String randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
