package org.edgesync.edge;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeliverySettingsTest {

    @Test
    void shouldAcceptTheShippedDefaults() {
        DeliverySettings settings = DeliverySettings.of("0", "2", "10000");

        assertThat(settings.pollInitialDelayMs()).isZero();
        assertThat(settings.batchesInFlight()).isEqualTo(2);
        assertThat(settings.maxRedeliveryDelayMs()).isEqualTo(10_000);
    }

    @Test
    void shouldNameKeyValueAndRangeForANegativeInitialDelay() {
        assertThatThrownBy(() -> DeliverySettings.of("-5", "2", "10000"))
                .hasMessage("edgesync.poll.initial.delay.ms is \"-5\", but must be a whole number from 0 to 3600000.");
    }

    @Test
    void shouldRefuseNoBatchInFlight() {
        assertThatThrownBy(() -> DeliverySettings.of("0", "0", "10000"))
                .hasMessage("edgesync.forward.batches.in.flight is \"0\", but must be a whole number from 1 to 8.");
    }

    @Test
    void shouldRefuseAMaxRedeliveryDelayBelowTheFirstRedeliveryDelay() {
        assertThatThrownBy(() -> DeliverySettings.of("0", "2", "500"))
                .hasMessage("edgesync.broker.max.redelivery.delay.ms is \"500\", but must be a whole number from 1000 to 3600000.");
    }
}
