package org.edgesync.contract.auth;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fixed vectors computed independently with {@code openssl dgst -sha256 -mac HMAC}. */
class RequestSignatureTest {

    private static final byte[] MASTER = filled(32, (byte) 1);
    private static final String DEVICE = "store-001-pos-1";
    private static final String PATH = "/api/v1/devices/store-001-pos-1/batches";
    private static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    private static final String NONCE = "AAAAAAAAAAAAAAAAAAAAAAAA";

    private static byte[] filled(int n, byte b) {
        byte[] bytes = new byte[n];
        Arrays.fill(bytes, b);
        return bytes;
    }

    @Test
    void shouldDeriveTheDeviceKeyFromMasterKeyDeviceAndVersion() {
        byte[] key = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);

        assertThat(HexFormat.of().formatHex(key))
                .isEqualTo("8b5ac48ba5efcbe87a75abcc57c89bb8838ca3fe7f0ea91272fc63da7948d629");
        assertThat(RequestSignature.encodeKey(key)).isEqualTo("i1rEi6Xvy-h6davMV8ibuIOMo_5_DqkScvxj2nlI1ik");
    }

    @Test
    void shouldDeriveADifferentKeyPerVersionAndPerDevice() {
        byte[] v1 = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);

        assertThat(RequestSignature.deriveDeviceKey(MASTER, DEVICE, 2)).isNotEqualTo(v1);
        assertThat(RequestSignature.deriveDeviceKey(MASTER, "store-001-pos-2", 1)).isNotEqualTo(v1);
    }

    @Test
    void shouldHashTheUncompressedBodyAsLowercaseHex() {
        assertThat(RequestSignature.sha256Hex(BODY))
                .isEqualTo("015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
    }

    @Test
    void shouldJoinTheCanonicalLinesInTheFixedOrder() {
        String canonical = RequestSignature.canonical("post", PATH, RequestSignature.sha256Hex(BODY), DEVICE, 41, 42,
                1_700_000_000L, NONCE);

        assertThat(canonical).isEqualTo("EDGESYNC-HMAC-SHA256\nPOST\n" + PATH
                + "\n015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862\n" + DEVICE
                + "\n41-42\n1700000000\n" + NONCE);
    }

    @Test
    void shouldSignTheCanonicalTextWithTheDeviceKey() {
        byte[] key = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);
        String canonical = RequestSignature.canonical("POST", PATH, RequestSignature.sha256Hex(BODY), DEVICE, 41, 42,
                1_700_000_000L, NONCE);

        assertThat(RequestSignature.sign(key, canonical))
                .isEqualTo("977bb320f3d8d7a550b9786b28f04a2a2eb383449d4a1d491478436ecbe12150");
    }

    @Test
    void shouldBuildAllFourHeadersForOneAttempt() {
        byte[] key = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);

        Map<String, String> headers = RequestSignature.headers(key, DEVICE, 1, "POST", PATH, BODY, 41, 42,
                1_700_000_000L, NONCE);

        assertThat(headers).containsExactly(
                Map.entry("Authorization", "EDGESYNC-HMAC-SHA256 Credential=store-001-pos-1/1, "
                        + "Signature=977bb320f3d8d7a550b9786b28f04a2a2eb383449d4a1d491478436ecbe12150"),
                Map.entry("X-EdgeSync-Timestamp", "1700000000"),
                Map.entry("X-EdgeSync-Nonce", NONCE),
                Map.entry("X-EdgeSync-Seq", "41-42"));
    }

    @Test
    void shouldSignTheSameHeadersFromTheBodysDigestAsFromTheBody() {
        byte[] key = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);

        Map<String, String> fromDigest = RequestSignature.headersForBodyDigest(key, DEVICE, 1, "POST", PATH,
                RequestSignature.sha256Hex(BODY), 41, 42, 1_700_000_000L, NONCE);

        // a sender that resends a batch keeps its 64-character digest, not the uncompressed body
        assertThat(fromDigest).containsExactlyEntriesOf(
                RequestSignature.headers(key, DEVICE, 1, "POST", PATH, BODY, 41, 42, 1_700_000_000L, NONCE));
        assertThat(fromDigest.get("Authorization")).endsWith(
                "Signature=977bb320f3d8d7a550b9786b28f04a2a2eb383449d4a1d491478436ecbe12150");
    }

    @Test
    void shouldSignAGzipBodyOverItsBytesAsSentAndSaySo() {
        byte[] key = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);
        // the digest covers whatever bytes go on the wire; these need not even inflate
        byte[] sent = "GZ-BYTES".getBytes(StandardCharsets.US_ASCII);

        String digest = RequestSignature.gzipBodyDigest(sent);
        Map<String, String> headers = RequestSignature.headersForGzipBody(key, DEVICE, 1, "POST", PATH, digest, 41, 42,
                1_700_000_000L, NONCE);

        assertThat(digest).isEqualTo("gzip:460cb78d1cb1f8bee538bb7eb02d613ba2436ff08b93db62272fb5fb280dc235");
        assertThat(headers).containsExactly(
                Map.entry("Authorization", "EDGESYNC-HMAC-SHA256 Credential=store-001-pos-1/1, "
                        + "Signature=3099b1df06dbf904db5a4cb2e3bf26bf03285baf0ddaf56ffdeb512700b78021"),
                Map.entry("X-EdgeSync-Timestamp", "1700000000"),
                Map.entry("X-EdgeSync-Nonce", NONCE),
                Map.entry("X-EdgeSync-Seq", "41-42"),
                Map.entry("X-EdgeSync-Signed-Body", "gzip"));
    }

    @Test
    void shouldNotLetTheJsonDigestOfABodyPassForItsGzipDigest() {
        byte[] key = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);
        String hex = RequestSignature.sha256Hex(BODY);

        // the form is part of the signed text: the same 64 hex digits signed as one form do not verify as the other
        assertThat(RequestSignature.headersForGzipBody(key, DEVICE, 1, "POST", PATH, "gzip:" + hex, 41, 42,
                1_700_000_000L, NONCE).get("Authorization"))
                .isNotEqualTo(RequestSignature.headersForBodyDigest(key, DEVICE, 1, "POST", PATH, hex, 41, 42,
                        1_700_000_000L, NONCE).get("Authorization"));
        assertThatThrownBy(() -> RequestSignature.headersForGzipBody(key, DEVICE, 1, "POST", PATH, hex, 41, 42,
                1_700_000_000L, NONCE)).hasMessageContaining("gzipBodyDigest");
    }

    @Test
    void shouldParseTheAuthorizationHeaderItWrites() {
        String header = RequestSignature.authorization(DEVICE, 3, "ab".repeat(32));

        assertThat(RequestSignature.parseAuthorization(header))
                .isEqualTo(new RequestSignature.Credential(DEVICE, 3, "ab".repeat(32)));
    }

    @Test
    void shouldRefuseAuthorizationHeadersOfAnotherFormOrScheme() {
        assertThat(RequestSignature.parseAuthorization(null)).isNull();
        assertThat(RequestSignature.parseAuthorization("Bearer abc")).isNull();
        assertThat(RequestSignature.parseAuthorization("EDGESYNC-HMAC-SHA256 Credential=pos-1/0, Signature=" + "ab".repeat(32))).isNull();
        assertThat(RequestSignature.parseAuthorization("EDGESYNC-HMAC-SHA256 Credential=pos 1/1, Signature=" + "ab".repeat(32))).isNull();
        assertThat(RequestSignature.parseAuthorization("EDGESYNC-HMAC-SHA256 Credential=pos-1/1, Signature=" + "AB".repeat(32))).isNull();
        assertThat(RequestSignature.parseAuthorization("EDGESYNC-HMAC-SHA256 Credential=pos-1/1, Signature=abc")).isNull();
    }

    @Test
    void shouldCompareSignaturesExactly() {
        String sig = "977bb320f3d8d7a550b9786b28f04a2a2eb383449d4a1d491478436ecbe12150";

        assertThat(RequestSignature.matches(sig, sig)).isTrue();
        assertThat(RequestSignature.matches(sig, sig.substring(1) + "0")).isFalse();
        assertThat(RequestSignature.matches(sig, null)).isFalse();
    }

    @Test
    void shouldRoundTripTheOperatorFormOfAKeyAndRefuseOtherLengths() {
        byte[] key = RequestSignature.deriveDeviceKey(MASTER, DEVICE, 1);

        assertThat(RequestSignature.decodeKey(" " + RequestSignature.encodeKey(key) + "\n")).isEqualTo(key);
        assertThatThrownBy(() -> RequestSignature.decodeKey("abcd")).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> RequestSignature.decodeKey("not base64!")).hasMessageContaining("base64url");
    }

    @Test
    void shouldRefuseAShortMasterKey() {
        assertThatThrownBy(() -> RequestSignature.deriveDeviceKey(new byte[31], DEVICE, 1))
                .hasMessageContaining("at least 32 bytes");
    }

    @Test
    void shouldMakeNoncesOfTheAllowedForm() {
        String nonce = RequestSignature.newNonce();

        assertThat(RequestSignature.NONCE.matcher(nonce).matches()).isTrue();
        assertThat(RequestSignature.newNonce()).isNotEqualTo(nonce);
    }
}
