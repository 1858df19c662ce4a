package org.edgesync.edge;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FailureMessagesTest {

    private final FailureMessages messages = new FailureMessages();

    @Test
    void shouldExplainAFullBrokerFromTheInnermostCause() {
        Exception failure = new RuntimeException("Uncategorized exception occurred during JMS processing",
                new IllegalStateException("wrapper", new IllegalStateException("AMQ229102: Address \"edgesync.batches\" is full.")));

        assertThat(messages.describe(failure)).isEqualTo("the broker refuses new batches because edgesync.broker.max.queued.bytes"
                + " is reached or the disk is above max-disk-usage (AMQ229102: Address \"edgesync.batches\" is full.)");
    }

    @Test
    void shouldRecogniseTheClientSideRefusalToo() {
        assertThat(messages.describe(new IllegalStateException("AMQ219058: Address \"edgesync.batches\" is full. Message encode size = 8421B")))
                .startsWith("the broker refuses new batches");
    }

    @Test
    void shouldPassOtherCausesThrough() {
        assertThat(messages.describe(new RuntimeException("x", new java.sql.SQLException("[SQLITE_BUSY] database is locked"))))
                .isEqualTo("[SQLITE_BUSY] database is locked");
    }
}
