package org.edgesync.edge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The edge as a device runs it (EdgeJvm's flags, as the systemd unit): the first start writes the class-data archive
 * when it stops, every later start maps it. Both must start and publish. Mapping the archive changes the order in
 * which the JVM lists a class's methods, and with it the order in which Camel runs the configuration's bean factories;
 * a factory that depended on that order started the first time and failed the second.
 */
class ClassDataSharingIT {

    @TempDir
    Path dir;

    @Test
    void shouldStartAndPublishBothWhenWritingTheArchiveAndWhenMappingIt() throws Exception {
        Path shop = ShopDatabase.create(dir.resolve("shop.db"));
        ShopDatabase.installCapture(shop);
        Path archive = dir.resolve("edge.jsa");
        try (CloudStub cloud = new CloudStub()) {
            Map<String, String> props = Map.of(
                    "edgesync.sqlite.path", shop.toString(),
                    "edgesync.broker.data.dir", dir.resolve("broker").toString(),
                    "edgesync.cloud.url", cloud.url(),
                    "edgesync.device.id", "store-042-pos-1",
                    "edgesync.device.key", TestKeys.encoded("store-042-pos-1"),
                    "edgesync.poll.interval.ms", "100");

            ShopDatabase.execute(shop, "INSERT INTO sales VALUES (1, 'R-1', 100, 1, NULL, NULL)");
            try (EdgeProcess first = EdgeProcess.start(dir, "first", props, Map.of(),
                    EdgeJvm.classDataSharing(archive, EdgeProcess.JAR))) {
                await("first start published").atMost(Timeouts.seconds(60))
                        .until(() -> cloud.acceptedSeqs().contains(1L) || !first.isAlive());
                assertThat(first.isAlive()).as("first start running; output: %s", first.output()).isTrue();
            }
            assertThat(archive).as("archive written when the first start stopped").isNotEmptyFile();

            ShopDatabase.execute(shop, "INSERT INTO sales VALUES (2, 'R-2', 100, 1, NULL, NULL)");
            List<String> mapping = EdgeJvm.classDataSharing(archive, EdgeProcess.JAR);
            assertThat(mapping).as("the second start maps the archive").contains("-XX:SharedArchiveFile=" + archive);
            try (EdgeProcess second = EdgeProcess.start(dir, "second", props, Map.of(), mapping)) {
                await("second start published").atMost(Timeouts.seconds(60))
                        .until(() -> cloud.acceptedSeqs().contains(2L) || !second.isAlive());
                assertThat(second.isAlive()).as("second start running; output: %s", second.output()).isTrue();
            }
            assertThat(new TreeSet<>(cloud.acceptedSeqs())).containsExactlyElementsOf(LongStream.rangeClosed(1, 2).boxed().toList());
        }
        assertThat(Files.size(archive)).isPositive();
    }
}
