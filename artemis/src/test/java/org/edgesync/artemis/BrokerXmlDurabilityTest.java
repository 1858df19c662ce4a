package org.edgesync.artemis;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.DiskFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.PageFullMessagePolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Guards the shipped broker.xml: a change that weakens durability must fail the build. */
class BrokerXmlDurabilityTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldPersistAndSyncEveryJournalWrite() throws Exception {
        Configuration config = EdgeBroker.loadConfiguration(dataDir, 0);

        assertThat(config.isPersistenceEnabled()).as("persistence-enabled").isTrue();
        assertThat(config.isJournalDatasync()).as("journal-datasync").isTrue();
        assertThat(config.isJournalSyncTransactional()).as("journal-sync-transactional").isTrue();
        assertThat(config.isJournalSyncNonTransactional()).as("journal-sync-non-transactional").isTrue();
        assertThat(config.getJournalType()).as("journal-type").isEqualTo(JournalType.NIO);
    }

    @Test
    void shouldNeverDeadLetterABatchBecauseTheCloudWasDown() throws Exception {
        AddressSettings batches = EdgeBroker.loadConfiguration(dataDir, 0)
                .getAddressSettings().get(EdgeBroker.BATCH_QUEUE);

        assertThat(batches.getMaxDeliveryAttempts()).as("max-delivery-attempts").isEqualTo(-1);
        assertThat(batches.getRedeliveryDelay()).as("redelivery-delay").isPositive();
        assertThat(batches.getRedeliveryMultiplier()).as("redelivery-delay-multiplier").isGreaterThan(1.0);
        assertThat(batches.getMaxRedeliveryDelay()).as("max-redelivery-delay").isBetween(batches.getRedeliveryDelay(), 300_000L);
        assertThat(batches.getDeadLetterAddress().toString()).isEqualTo(EdgeBroker.DEAD_LETTER_QUEUE);
        assertThat(batches.getExpiryAddress().toString()).as("expiry-address").isEqualTo("edgesync.expired");
        assertThat(batches.getAddressFullMessagePolicy()).isEqualTo(AddressFullMessagePolicy.PAGE);
    }

    @Test
    void shouldFitTheMemoryAndDiskOfASmallDevice() throws Exception {
        Configuration config = EdgeBroker.loadConfiguration(dataDir, 0);

        assertThat(config.getGlobalMaxSize()).as("global-max-size").isBetween(1L << 20, 32L << 20);
        assertThat(config.getJournalFileSize()).as("journal-file-size").isLessThanOrEqualTo(10 << 20);
        assertThat(config.getMaxDiskUsage()).as("max-disk-usage").isBetween(50, 95);
    }

    @Test
    void shouldOpenNoNetworkPort() throws Exception {
        assertThat(EdgeBroker.loadConfiguration(dataDir, 0).getAcceptorConfigurations())
                .allSatisfy(acceptor -> assertThat(acceptor.getFactoryClassName()).contains("InVM"));
    }

    @Test
    void shouldRefuseRatherThanBlockOrDropWhenTheQueueOrTheDiskIsFull() throws Exception {
        Configuration config = EdgeBroker.loadConfiguration(dataDir, 0);
        AddressSettings batches = config.getAddressSettings().get(EdgeBroker.BATCH_QUEUE);
        AddressSettings all = config.getAddressSettings().get("#");

        assertThat(batches.getPageLimitBytes()).as("page-limit-bytes").isPositive();
        assertThat(batches.getPageFullMessagePolicy()).as("page-full-policy").isEqualTo(PageFullMessagePolicy.FAIL);
        assertThat(batches.getDiskFullMessagePolicy()).as("disk-full-policy of the batch queue").isEqualTo(DiskFullMessagePolicy.FAIL);
        assertThat(all.getDiskFullMessagePolicy()).as("disk-full-policy of every address").isEqualTo(DiskFullMessagePolicy.FAIL);
        assertThat(all.getAddressFullMessagePolicy()).as("address-full-policy of every address").isEqualTo(AddressFullMessagePolicy.PAGE);
    }

    @Test
    void shouldSplitAQueuedBytesLimitIntoMemoryAndPageFilesThatFail() throws Exception {
        Configuration config = EdgeBroker.loadConfiguration(dataDir, 0);

        EdgeBroker.limitQueuedBytes(config, 1L << 30);

        AddressSettings batches = config.getAddressSettings().get(EdgeBroker.BATCH_QUEUE);
        assertThat(batches.getMaxSizeBytes()).isEqualTo(4L << 20);
        assertThat(batches.getPageSizeBytes()).isEqualTo(1 << 20);
        assertThat(batches.getPageLimitBytes()).isEqualTo((1L << 30) - (4L << 20));
        assertThat(batches.getPageFullMessagePolicy()).isEqualTo(PageFullMessagePolicy.FAIL);
    }

    @Test
    void shouldCapTheRedeliveryBackoffAtTheGivenDelay() throws Exception {
        Configuration config = EdgeBroker.loadConfiguration(dataDir, 0);

        EdgeBroker.limitRedeliveryDelay(config, 5_000);

        AddressSettings batches = config.getAddressSettings().get(EdgeBroker.BATCH_QUEUE);
        assertThat(batches.getMaxRedeliveryDelay()).isEqualTo(5_000);
        assertThat(batches.getRedeliveryDelay()).as("first delay unchanged").isEqualTo(1_000);
        assertThat(batches.getMaxDeliveryAttempts()).as("still forever").isEqualTo(-1);
    }
}
