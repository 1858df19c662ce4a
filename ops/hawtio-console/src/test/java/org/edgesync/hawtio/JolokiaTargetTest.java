package org.edgesync.hawtio;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JolokiaTargetTest {

    @Test
    void shouldAddressTheEndpointThroughHawtiosProxyPath() {
        JolokiaTarget edge = JolokiaTarget.of("edge", "http://127.0.0.1:8778/jolokia/");

        assertThat(edge.proxyPathPrefix()).isEqualTo("/http/127.0.0.1/8778/jolokia/");
    }

    @Test
    void shouldFillInTheDefaultPortPathAndTrailingSlash() {
        assertThat(JolokiaTarget.of("cloud", "https://Cloud.Example.com").url())
                .hasToString("https://cloud.example.com:443/jolokia/");
        assertThat(JolokiaTarget.of("cloud", "http://127.0.0.1:8788/jolokia").proxyPathPrefix())
                .isEqualTo("/http/127.0.0.1/8788/jolokia/");
    }

    @Test
    void shouldParseNameEqualsUrl() {
        JolokiaTarget target = JolokiaTarget.parse("cloud-2=http://127.0.0.1:8780/jolokia/");

        assertThat(target.name()).isEqualTo("cloud-2");
        assertThat(target.port()).isEqualTo(8780);
    }

    @Test
    void shouldRefuseWhatCouldNotBeAJolokiaEndpointWithOneSentence() {
        assertThatThrownBy(() -> JolokiaTarget.parse("http://127.0.0.1:8780/jolokia/"))
                .hasMessage("--connect is \"http://127.0.0.1:8780/jolokia/\", but must be NAME=URL, e.g."
                        + " cloud-2=http://127.0.0.1:8780/jolokia/.");
        assertThatThrownBy(() -> JolokiaTarget.of("edge", "ftp://127.0.0.1/jolokia/"))
                .hasMessageContaining("The Jolokia URL of edge is \"ftp://127.0.0.1/jolokia/\", but must be an http(s) URL");
        assertThatThrownBy(() -> JolokiaTarget.of("edge", "http://ops:secret@127.0.0.1:8778/jolokia/"))
                .hasMessageContaining("no user");
        assertThatThrownBy(() -> JolokiaTarget.of("edge", "http://127.0.0.1:8778/jolokia/../admin/"))
                .hasMessageContaining("must not contain \"..\"");
        assertThatThrownBy(() -> JolokiaTarget.of("Edge<script>", "http://127.0.0.1:8778/jolokia/"))
                .hasMessageStartingWith("The connection name \"Edge<script>\" is not allowed");
    }
}
