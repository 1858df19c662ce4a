package org.edgesync.cloud.admin;

import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.count;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.productInserts;
import static org.edgesync.cloud.testing.Fixtures.signedHeaders;

/** {@code ops/devices} against a real database and a real node: the printed key is the one the node accepts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceCommandIT {

    private static final Pattern KEY = Pattern.compile("EDGESYNC_DEVICE_KEY=([A-Za-z0-9_-]{43})");
    private static final Pattern VERSION = Pattern.compile("EDGESYNC_DEVICE_KEY_VERSION=(\\d+)");

    private TestDatabase db;
    private CloudNode node;

    private record Result(int exit, String out, String err) {
    }

    @BeforeAll
    void start() {
        db = TestPostgres.newDatabase();
        node = CloudNode.start(db, Map.of("edgesync.load.cron", "0 0 0 1 1 ? 2099"));
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    private Result command(String... args) {
        List<String> all = new ArrayList<>(List.of(
                "-Dedgesync.config.dir=" + CloudNode.CONFIG_DIR,
                "-Dedgesync.db.url=" + db.jdbcUrl(),
                "-Dedgesync.db.user=" + db.user(),
                "-Dedgesync.db.password=" + db.password()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DeviceCommand.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                name -> name.equals("EDGESYNC_AUTH_MASTER_KEY") ? Fixtures.MASTER_KEY_BASE64 : null);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return m.group(1);
    }

    private int post(String device, int version, String key, long first) throws Exception {
        byte[] body = gzip(productInserts(device, first, first));
        return Fixtures.post(java.net.http.HttpClient.newHttpClient(), node.ingestUri(device),
                signedHeaders(device, device, version, RequestSignature.decodeKey(key), body,
                        Instant.now().getEpochSecond(), RequestSignature.newNonce()), body).statusCode();
    }

    @Test
    void shouldEnrolADeviceAndPrintTheKeyTheNodeAccepts() throws Exception {
        Result enrol = command("enrol", "--device", "pos-enrol", "--store", "store-7");

        assertThat(enrol.exit()).as(enrol.err()).isZero();
        assertThat(enrol.out()).contains("Enrolled device pos-enrol of store store-7 with key version 1.")
                .contains("EDGESYNC_DEVICE_ID=pos-enrol");
        assertThat(post("pos-enrol", 1, group(KEY, enrol.out()), 1)).isEqualTo(200);
        assertThat(count(db.dataSource(), "SELECT count(*) FROM edgesync.device WHERE device_id = 'pos-enrol'"
                + " AND store_id = 'store-7' AND key_version = 1 AND status = 'active'")).isEqualTo(1);
    }

    @Test
    void shouldRefuseToEnrolAnActiveDeviceTwice() {
        assertThat(command("enrol", "--device", "pos-twice", "--store", "s").exit()).isZero();

        Result again = command("enrol", "--device", "pos-twice", "--store", "s");

        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err().trim()).isEqualTo("Device pos-twice is enrolled and active already; to issue a new key"
                + " use ops/devices rotate --device pos-twice.");
        assertThat(again.out()).doesNotContain("EDGESYNC_DEVICE_KEY=");
    }

    @Test
    void shouldRotateSoThatOnlyTheNewKeyWorks() throws Exception {
        String oldKey = group(KEY, command("enrol", "--device", "pos-rotate", "--store", "s").out());

        Result rotate = command("rotate", "--device", "pos-rotate");

        assertThat(rotate.exit()).as(rotate.err()).isZero();
        assertThat(group(VERSION, rotate.out())).isEqualTo("2");
        String newKey = group(KEY, rotate.out());
        assertThat(newKey).isNotEqualTo(oldKey);
        assertThat(post("pos-rotate", 1, oldKey, 1)).isEqualTo(401);
        assertThat(post("pos-rotate", 2, newKey, 1)).isEqualTo(200);
    }

    @Test
    void shouldRevokeSoThatTheDeviceGets401AndReEnrolWithANewKeyVersion() throws Exception {
        String key = group(KEY, command("enrol", "--device", "pos-revoke", "--store", "s").out());
        assertThat(post("pos-revoke", 1, key, 1)).isEqualTo(200);

        Result revoke = command("revoke", "--device", "pos-revoke");

        assertThat(revoke.exit()).isZero();
        assertThat(revoke.out()).startsWith("Revoked device pos-revoke");
        assertThat(post("pos-revoke", 1, key, 2)).isEqualTo(401);
        assertThat(command("rotate", "--device", "pos-revoke").exit()).isEqualTo(2);
        Result reEnrol = command("enrol", "--device", "pos-revoke", "--store", "s");
        assertThat(reEnrol.out()).contains("Re-enrolled device pos-revoke").contains("EDGESYNC_DEVICE_KEY_VERSION=2");
        assertThat(post("pos-revoke", 2, group(KEY, reEnrol.out()), 2)).isEqualTo(200);
    }

    @Test
    void shouldListDevicesWithStatusAndKeyVersion() {
        command("enrol", "--device", "pos-list", "--store", "store-l");

        Result list = command("list");

        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("DEVICE").containsPattern("pos-list\\s+store-l\\s+active\\s+1\\s+")
                .doesNotContain("EDGESYNC_DEVICE_KEY");
    }

    @Test
    void shouldExitWith2AndOneSentenceOnMistakes() {
        assertThat(command("revoke", "--device", "pos-nobody").err().trim())
                .isEqualTo("No device pos-nobody is enrolled; see ops/devices list.");
        assertThat(command("enrol", "--device", "bad id", "--store", "s").err().trim())
                .isEqualTo("--device is \"bad id\" but must be 1-128 characters of A-Z a-z 0-9 _ . : -.");
        assertThat(command("enrol", "--device", "x").exit()).isEqualTo(2);
        assertThat(command("frobnicate").exit()).isEqualTo(2);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DeviceCommand.run(new String[]{"-Dedgesync.config.dir=" + CloudNode.CONFIG_DIR,
                        "-Dedgesync.db.url=" + db.jdbcUrl(), "enrol", "--device", "pos-nokey", "--store", "s"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8), name -> null);
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("No master key: set environment variable"
                + " EDGESYNC_AUTH_MASTER_KEY");
    }
}
