package org.edgesync.cloud.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.FreePorts;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The node's Jolokia: on 127.0.0.1, behind basic authentication, read-only except Hawtio's dump operations. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JolokiaAccessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "jolokia-" + UUID.randomUUID();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestDatabase db;
    private CloudNode node;
    private URI jolokia;

    @BeforeAll
    void startNode() {
        db = TestPostgres.newDatabase();
        int port = FreePorts.next();
        node = CloudNode.start(db, Map.of(
                "edgesync.load.cron", "0 0 0 1 1 ? 2099",
                "camel.main.jmxEnabled", "true",
                "edgesync.jolokia.enabled", "true",
                "edgesync.jolokia.port", String.valueOf(port),
                "edgesync.jolokia.password", PASSWORD));
        jolokia = URI.create("http://127.0.0.1:" + port + "/jolokia/");
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    private HttpResponse<String> post(String body, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(jolokia).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (password != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString(("edgesync-ops:" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode call(String body) throws Exception {
        HttpResponse<String> response = post(body, PASSWORD);
        assertThat(response.statusCode()).as(response.body()).isIn(200, 403);
        return JSON.readTree(response.body());
    }

    private static final String CONTEXT_MBEAN = "org.apache.camel:context=edgesync-cloud,type=context,name=\\\"edgesync-cloud\\\"";

    @Test
    void shouldRefuseARequestWithoutOrWithWrongCredentialsWith401() throws Exception {
        String read = "{\"type\":\"version\"}";

        assertThat(post(read, null).statusCode()).isEqualTo(401);
        assertThat(post(read, "wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldListenOnTheLoopbackAddressOnly() {
        assertThat(jolokia.getHost()).isEqualTo("127.0.0.1");
        assertThat(node.camelContext().getPropertiesComponent().resolveProperty("edgesync.jolokia.host")).contains("127.0.0.1");
    }

    @Test
    void shouldAllowReadingAttributes() throws Exception {
        JsonNode response = call("{\"type\":\"read\",\"mbean\":\"" + CONTEXT_MBEAN + "\",\"attribute\":\"State\"}");

        assertThat(response.path("status").asInt()).as(response.toString()).isEqualTo(200);
        assertThat(response.path("value").asText()).isEqualTo("Started");
    }

    @Test
    void shouldDenyWritingAnAttribute() throws Exception {
        JsonNode response = call("{\"type\":\"write\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"Verbose\",\"value\":true}");

        assertThat(response.path("status").asInt()).as(response.toString()).isEqualTo(403);
    }

    @Test
    void shouldDenyAnOperationThatIsNotADump() throws Exception {
        JsonNode stop = call("{\"type\":\"exec\",\"mbean\":\"" + CONTEXT_MBEAN + "\",\"operation\":\"suspend()\"}");
        JsonNode gc = call("{\"type\":\"exec\",\"mbean\":\"java.lang:type=Memory\",\"operation\":\"gc()\"}");

        assertThat(stop.path("status").asInt()).as(stop.toString()).isEqualTo(403);
        assertThat(gc.path("status").asInt()).as(gc.toString()).isEqualTo(403);
        assertThat(node.camelContext().getStatus().isStarted()).isTrue();
    }

    @Test
    void shouldAllowTheDumpOperationsHawtioUsesForRouteDiagrams() throws Exception {
        JsonNode routes = call("{\"type\":\"exec\",\"mbean\":\"" + CONTEXT_MBEAN + "\",\"operation\":\"dumpRoutesAsXml()\"}");
        JsonNode stats = call("{\"type\":\"exec\",\"mbean\":\"" + CONTEXT_MBEAN + "\",\"operation\":\"dumpRoutesStatsAsXml(boolean,boolean)\",\"arguments\":[true,true]}");

        assertThat(routes.path("status").asInt()).as(routes.toString()).isEqualTo(200);
        assertThat(routes.path("value").asText()).contains("ingest-batches");
        assertThat(stats.path("status").asInt()).as(stats.toString()).isEqualTo(200);
        assertThat(stats.path("value").asText()).contains("ingest-batches");
    }
}
