package org.edgesync.edge.security;

import org.edgesync.contract.auth.RequestSignature;
import org.edgesync.edge.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestSignerTest {

    private static final String DEVICE = "store-042-pos-1";
    private static final URI CLOUD = URI.create("https://cloud.example.com");
    private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @TempDir
    Path dir;

    private final String key = TestKeys.encoded(DEVICE);

    @Test
    void shouldSignTheUncompressedJsonAsTheCloudVerifiesIt() {
        RequestSigner signer = RequestSigner.of(DEVICE, key, "", "1", CLOUD, Clock.fixed(NOW, ZoneOffset.UTC));
        byte[] json = "{\"deviceId\":\"store-042-pos-1\"}".getBytes(StandardCharsets.UTF_8);

        RequestSigner.SignedHeaders headers = signer.sign(json, 11, 20);

        String canonical = RequestSignature.canonical("POST", "/api/v1/devices/" + DEVICE + "/batches",
                RequestSignature.sha256Hex(json), DEVICE, 11, 20, NOW.getEpochSecond(), headers.nonce());
        assertThat(headers.authorization()).isEqualTo(RequestSignature.authorization(DEVICE, 1,
                RequestSignature.sign(TestKeys.deviceKey(DEVICE, 1), canonical)));
        assertThat(headers.timestamp()).isEqualTo(Long.toString(NOW.getEpochSecond()));
        assertThat(headers.seq()).isEqualTo("11-20");
        assertThat(headers.nonce()).matches(RequestSignature.NONCE);
    }

    @Test
    void shouldSignAGzippedBatchOverItsBytesAsSent() {
        RequestSigner signer = RequestSigner.of(DEVICE, key, "", "1", CLOUD, Clock.fixed(NOW, ZoneOffset.UTC));
        byte[] gzip = org.edgesync.contract.BatchCodec.gzip("{\"deviceId\":\"store-042-pos-1\"}".getBytes(StandardCharsets.UTF_8));

        RequestSigner.SignedHeaders headers = signer.sign(gzip, "gzip", 11, 20);

        String canonical = RequestSignature.canonical("POST", "/api/v1/devices/" + DEVICE + "/batches",
                RequestSignature.gzipBodyDigest(gzip), DEVICE, 11, 20, NOW.getEpochSecond(), headers.nonce());
        assertThat(headers.authorization()).isEqualTo(RequestSignature.authorization(DEVICE, 1,
                RequestSignature.sign(TestKeys.deviceKey(DEVICE, 1), canonical)));
        assertThat(headers.signedBody()).isEqualTo(RequestSignature.SIGNED_BODY_GZIP);
    }

    @Test
    void shouldSignTheJsonWhenABatchJournaledBeforeGzipIsGzippedOnlyBySending() {
        RequestSigner signer = RequestSigner.of(DEVICE, key, "", "1", CLOUD, Clock.fixed(NOW, ZoneOffset.UTC));
        byte[] json = "{\"deviceId\":\"store-042-pos-1\"}".getBytes(StandardCharsets.UTF_8);

        RequestSigner.SignedHeaders headers = signer.sign(json, null, 11, 20);

        String canonical = RequestSignature.canonical("POST", "/api/v1/devices/" + DEVICE + "/batches",
                RequestSignature.sha256Hex(json), DEVICE, 11, 20, NOW.getEpochSecond(), headers.nonce());
        assertThat(headers.authorization()).isEqualTo(RequestSignature.authorization(DEVICE, 1,
                RequestSignature.sign(TestKeys.deviceKey(DEVICE, 1), canonical)));
        assertThat(headers.signedBody()).isNull();
    }

    @Test
    void shouldRefuseAContentEncodingItCannotSign() {
        RequestSigner signer = RequestSigner.of(DEVICE, key, "", "1", CLOUD);

        assertThatThrownBy(() -> signer.sign(new byte[1], "br", 1, 1))
                .hasMessage("the batch's EdgeSyncContentEncoding header is \"br\", but must be gzip or absent (plain JSON).");
    }

    @Test
    void shouldUseAFreshNonceForEveryAttemptOfTheSameBatch() {
        RequestSigner signer = RequestSigner.of(DEVICE, key, "", "1", CLOUD);
        byte[] json = "{}".getBytes(StandardCharsets.UTF_8);

        assertThat(signer.sign(json, 1, 5).nonce()).isNotEqualTo(signer.sign(json, 1, 5).nonce());
    }

    @Test
    void shouldSignThePathBehindAProxyPrefix() {
        RequestSigner signer = RequestSigner.of(DEVICE, key, "", "3", URI.create("https://gw.example.com/edgesync"));

        assertThat(signer.path()).isEqualTo("/edgesync/api/v1/devices/store-042-pos-1/batches");
        assertThat(signer.sign(new byte[0], 1, 1).authorization()).startsWith("EDGESYNC-HMAC-SHA256 Credential=store-042-pos-1/3, ");
    }

    @Test
    void shouldReadTheKeyFromAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("device.key"), key + "\n");

        RequestSigner fromFile = RequestSigner.of(DEVICE, "", file.toString(), "1", CLOUD, Clock.fixed(NOW, ZoneOffset.UTC));
        RequestSigner fromEnv = RequestSigner.of(DEVICE, key, null, "1", CLOUD, Clock.fixed(NOW, ZoneOffset.UTC));

        RequestSigner.SignedHeaders a = fromFile.sign(new byte[0], 1, 1);
        String canonical = RequestSignature.canonical("POST", fromEnv.path(), RequestSignature.sha256Hex(new byte[0]), DEVICE, 1, 1,
                NOW.getEpochSecond(), a.nonce());
        assertThat(a.authorization()).endsWith("Signature=" + RequestSignature.sign(TestKeys.deviceKey(DEVICE, 1), canonical));
    }

    @Test
    void shouldRefuseAMissingKeyNamingBothSources() {
        assertThatThrownBy(() -> RequestSigner.of(DEVICE, " ", "", "1", CLOUD))
                .hasMessage("edgesync.device.key is empty, but the device needs the key it was given at enrolment:"
                        + " set the environment variable EDGESYNC_DEVICE_KEY or edgesync.device.key.file.");
    }

    @Test
    void shouldRefuseAKeyGivenTwice() {
        assertThatThrownBy(() -> RequestSigner.of(DEVICE, key, "/etc/edgesync/device.key", "1", CLOUD))
                .hasMessageStartingWith("edgesync.device.key and edgesync.device.key.file are both set");
    }

    @Test
    void shouldRefuseABadKeyWithoutShowingIt() {
        String tooShort = key.substring(0, 20);

        assertThatThrownBy(() -> RequestSigner.of(DEVICE, tooShort, "", "1", CLOUD))
                .hasMessageStartingWith("edgesync.device.key (EDGESYNC_DEVICE_KEY) does not hold a valid device key (value not shown)")
                .hasMessageNotContaining(tooShort);
        assertThatThrownBy(() -> RequestSigner.of(DEVICE, "not base64 !", "", "1", CLOUD))
                .hasMessageNotContaining("not base64 !");
    }

    @Test
    void shouldRefuseAnUnreadableKeyFile() {
        assertThatThrownBy(() -> RequestSigner.of(DEVICE, "", dir.resolve("missing.key").toString(), "1", CLOUD))
                .hasMessageStartingWith("edgesync.device.key.file is \"" + dir.resolve("missing.key") + "\", but must be a readable file");
    }

    @Test
    void shouldRefuseAKeyVersionBelowOne() {
        assertThatThrownBy(() -> RequestSigner.of(DEVICE, key, "", "0", CLOUD))
                .hasMessage("edgesync.device.key.version is \"0\", but must be a whole number from 1 to 999999999"
                        + " (the version ops/devices enrol printed with the key).");
    }

    @Test
    void shouldNeverShowTheKeyInItsDescription() {
        RequestSigner signer = RequestSigner.of(DEVICE, key, "", "1", CLOUD);

        assertThat(signer.toString()).doesNotContain(key).contains("not shown");
        assertThat(signer.sign(new byte[0], 1, 2).toString()).doesNotContain("Signature=");
    }
}
