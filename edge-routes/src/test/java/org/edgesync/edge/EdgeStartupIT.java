package org.edgesync.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** A bad setting stops startup with one sentence, before the broker takes the journal lock. */
class EdgeStartupIT {

    @TempDir
    Path dir;

    private Map<String, String> props(String key, String value) throws Exception {
        Map<String, String> props = new HashMap<>();
        props.put("edgesync.sqlite.path", ShopDatabase.create(dir.resolve("shop.db")).toString());
        props.put("edgesync.broker.data.dir", dir.resolve("broker").toString());
        props.put("edgesync.device.key", TestKeys.encoded("store-001-pos-1"));
        props.put(key, value);
        return props;
    }

    private static Throwable root(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    @Test
    void shouldRefuseToStartWithANonNumericBatchSize() throws Exception {
        Throwable failure = catchThrowable(() -> EdgeRuntime.start(props("edgesync.poll.batch.size", "many")).close());

        assertThat(root(failure)).hasMessage("edgesync.poll.batch.size is \"many\", but must be a whole number from 1 to 10000.");
        assertThat(dir.resolve("broker")).doesNotExist();
    }

    @Test
    void shouldRefuseToStartWhenACapturedTableDoesNotExist() throws Exception {
        Map<String, String> props = props("edgesync.capture.tables", "products,customers");

        assertThatThrownBy(() -> EdgeRuntime.start(props).close())
                .satisfies(t -> assertThat(root(t)).hasMessage("edgesync.capture.tables names table \"customers\", which does not exist in SQLite file "
                        + dir.resolve("shop.db").toAbsolutePath() + "."));
        assertThat(dir.resolve("broker")).doesNotExist();
    }

    @Test
    void shouldRefuseToStartWithAnUnknownCrashPointBeforeOpeningAnything() throws Exception {
        Map<String, String> props = props("edgesync.poll.batch.size", "500");
        System.setProperty("edgesync.fault.halt-at", "after-lunch");
        try {
            Throwable failure = catchThrowable(() -> EdgeRuntime.start(props).close());

            assertThat(root(failure)).hasMessage("edgesync.fault.halt-at is \"after-lunch\", but must be one of after-read,"
                    + " after-publish, during-jms-commit, after-cloud-ack, optionally followed by :<n> (halt the n-th time, n from 1 to 1000000).");
            assertThat(dir.resolve("broker")).doesNotExist();
        } finally {
            System.clearProperty("edgesync.fault.halt-at");
        }
    }

    @Test
    void shouldRefuseToStartWithoutADeviceKeyBeforeOpeningAnything() throws Exception {
        Map<String, String> props = props("edgesync.device.key", "");

        Throwable failure = catchThrowable(() -> EdgeRuntime.start(props).close());

        assertThat(root(failure)).hasMessage("edgesync.device.key is empty, but the device needs the key it was given at enrolment:"
                + " set the environment variable EDGESYNC_DEVICE_KEY or edgesync.device.key.file.");
        assertThat(dir.resolve("broker")).doesNotExist();
    }

    @Test
    void shouldRefuseAnHttpsCloudWithoutATrustStore() throws Exception {
        Map<String, String> props = props("edgesync.cloud.url", "https://sync.example.com");

        Throwable failure = catchThrowable(() -> EdgeRuntime.start(props).close());

        assertThat(root(failure)).hasMessage("edgesync.cloud.truststore.file is empty, but must name the PKCS12 file with the CA"
                + " certificate of the cloud when edgesync.cloud.url is https (https://sync.example.com).");
        assertThat(dir.resolve("broker")).doesNotExist();
    }
}
