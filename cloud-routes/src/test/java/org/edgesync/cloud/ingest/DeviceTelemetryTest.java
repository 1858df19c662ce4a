package org.edgesync.cloud.ingest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceTelemetryTest {

    @Test
    void shouldKeepWellFormedValues() {
        assertThat(DeviceTelemetry.parse(" 42 ", "1500", "0", "0.1.0-SNAPSHOT", "9f86d081884c"))
                .isEqualTo(new DeviceTelemetry(42L, 1500L, 0, "0.1.0-SNAPSHOT", "9f86d081884c"));
    }

    @Test
    void shouldDropEachMalformedValueOnItsOwn() {
        DeviceTelemetry t = DeviceTelemetry.parse("-1", "1e3", "2147483648", "x".repeat(65), "a b");

        assertThat(t).isEqualTo(DeviceTelemetry.NONE);
        assertThat(t.isEmpty()).isTrue();
        assertThat(DeviceTelemetry.parse("9999999999999999999", "7", null, "", "ok"))
                .isEqualTo(new DeviceTelemetry(null, 7L, null, null, "ok"));
    }
}
