package org.edgesync.hawtio;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsoleSettingsTest {

    private static final Map<String, String> ENV = Map.of(ConsoleSettings.PASSWORD_ENV, "a-long-enough-password");

    @TempDir
    Path dir;

    private Path war() throws IOException {
        return Files.writeString(dir.resolve("hawtio-default.war"), "war");
    }

    @Test
    void shouldConnectToTheLocalEdgeAndCloudOnALoopbackPortByDefault() throws IOException {
        ConsoleSettings settings = ConsoleSettings.parse(List.of(), ENV::get, war());

        assertThat(settings.host().isLoopbackAddress()).isTrue();
        assertThat(settings.port()).isEqualTo(8090);
        assertThat(settings.user()).isEqualTo("edgesync-ops");
        assertThat(settings.targets()).extracting(JolokiaTarget::name).containsExactly("edge", "cloud");
        assertThat(settings.targets()).extracting(t -> t.url().toString())
                .containsExactly(ConsoleSettings.DEFAULT_EDGE, ConsoleSettings.DEFAULT_CLOUD);
    }

    @Test
    void shouldTakeEndpointsFromTheCommandLine() throws IOException {
        ConsoleSettings settings = ConsoleSettings.parse(List.of("--port", "0", "--edge", "http://127.0.0.1:9001/jolokia/",
                "--cloud", "http://127.0.0.1:9002/jolokia/", "--connect", "cloud-2=http://127.0.0.1:9003/jolokia/",
                "--user", "ops"), ENV::get, war());

        assertThat(settings.port()).isZero();
        assertThat(settings.user()).isEqualTo("ops");
        assertThat(settings.targets()).extracting(JolokiaTarget::port).containsExactly(9001, 9002, 9003);
    }

    @Test
    void shouldNeverShowThePassword() throws IOException {
        assertThat(ConsoleSettings.parse(List.of(), ENV::get, war()).toString())
                .doesNotContain("a-long-enough-password").contains("password=(not shown)");
    }

    @Test
    void shouldRefuseToStartWithoutThePassword() throws IOException {
        Path war = war();
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of(), name -> null, war))
                .hasMessage("The environment variable EDGESYNC_JOLOKIA_PASSWORD is not set, but must hold the Jolokia"
                        + " password of the edge and the cloud.");
    }

    @Test
    void shouldNameTheWrongOption() throws IOException {
        Path war = war();
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of("--port", "80800"), ENV::get, war))
                .hasMessage("--port is \"80800\", but must be a whole number from 0 to 65535.");
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of("--verbose"), ENV::get, war))
                .hasMessage("Unknown option \"--verbose\".");
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of("--edge"), ENV::get, war))
                .hasMessage("--edge needs a value.");
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of("--connect", "edge=http://127.0.0.1:1/jolokia/"), ENV::get, war))
                .hasMessageStartingWith("Two connections have the same name");
        assertThatThrownBy(() -> ConsoleSettings.parse(List.of(), ENV::get, dir.resolve("missing.war")))
                .hasMessageStartingWith("The Hawtio war \"" + dir.resolve("missing.war") + "\" does not exist");
    }
}
