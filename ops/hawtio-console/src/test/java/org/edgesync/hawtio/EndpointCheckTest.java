package org.edgesync.hawtio;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

class EndpointCheckTest {

    @Test
    void shouldTellTheOperatorWhenAnEndpointIsNotThere() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        String answer = new EndpointCheck("ops", "a-long-enough-password")
                .describe(JolokiaTarget.of("edge", "http://127.0.0.1:" + closedPort + "/jolokia/"));

        assertThat(answer).startsWith("not reachable").contains("EDGESYNC_JOLOKIA_PASSWORD", "port forwarded");
    }
}
