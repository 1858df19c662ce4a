package org.edgesync.edge;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EdgeSettingsTest {

    private static EdgeSettings settings(String batchSize, String interval, String url) {
        return EdgeSettings.of("store-001-pos-1", "data/shop.db", "products, sales ,sale_lines", interval,
                batchSize, url, "5000", "30000", "data/broker", "1073741824");
    }

    @Test
    void shouldAcceptTheShippedDefaults() {
        EdgeSettings s = settings("500", "1000", "http://localhost:8080");

        assertThat(s.captureTables()).containsExactly("products", "sales", "sale_lines");
        assertThat(s.pollBatchSize()).isEqualTo(500);
    }

    @Test
    void shouldNameKeyValueAndAllowedRangeForANonNumericBatchSize() {
        assertThatThrownBy(() -> settings("lots", "1000", "http://localhost:8080"))
                .hasMessage("edgesync.poll.batch.size is \"lots\", but must be a whole number from 1 to 10000.");
    }

    @Test
    void shouldRefuseABatchSizeOfZero() {
        assertThatThrownBy(() -> settings("0", "1000", "http://localhost:8080"))
                .hasMessage("edgesync.poll.batch.size is \"0\", but must be a whole number from 1 to 10000.");
    }

    @Test
    void shouldRefuseACloudUrlWithATrailingSlash() {
        assertThatThrownBy(() -> settings("500", "1000", "http://cloud/"))
                .hasMessageStartingWith("edgesync.cloud.url is \"http://cloud/\", but must be an http:// or https:// URL");
    }

    @Test
    void shouldRefuseANegativeInterval() {
        assertThatThrownBy(() -> settings("500", "-1", "http://cloud"))
                .hasMessage("edgesync.poll.interval.ms is \"-1\", but must be a whole number from 10 to 3600000.");
    }

    @Test
    void shouldRefuseAQueuedBytesLimitTooSmallForABatch() {
        assertThatThrownBy(() -> EdgeSettings.of("store-001-pos-1", "data/shop.db", "sales", "1000", "500",
                "http://cloud", "5000", "30000", "data/broker", "1000"))
                .hasMessage("edgesync.broker.max.queued.bytes is \"1000\", but must be a whole number from 262144 to 1099511627776.");
    }
}
