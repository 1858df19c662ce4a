package org.edgesync.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edge's Jolokia endpoint with the shipped route-config/edge/jolokia-access.xml: bound to 127.0.0.1,
 * basic authentication, reads allowed, writes and operations refused except Camel's read-only dumps.
 */
class JolokiaAccessIT {

    private static final String CONTEXT_MBEAN = "org.apache.camel:context=edgesync-edge,type=context,name=\"edgesync-edge\"";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static EdgeRuntime edge;
    private static CloudStub cloud;
    private static String url;
    private static final String USER = "ops-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PASSWORD = UUID.randomUUID().toString();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startEdge() throws Exception {
        cloud = new CloudStub();
        int port = FreePorts.next();
        edge = EdgeRuntime.start(Map.of(
                "edgesync.sqlite.path", ShopDatabase.create(dir.resolve("shop.db")).toString(),
                "edgesync.broker.data.dir", dir.resolve("broker").toString(),
                "edgesync.cloud.url", cloud.url(),
                "edgesync.device.key", TestKeys.encoded("store-001-pos-1"),
                "edgesync.jolokia.port", Integer.toString(port),
                "edgesync.jolokia.user", USER,
                "edgesync.jolokia.password", PASSWORD,
                "camel.main.jmx-enabled", "true"));
        url = "http://127.0.0.1:" + port + "/jolokia/";
    }

    @AfterAll
    static void stopEdge() throws Exception {
        edge.close();
        cloud.close();
    }

    private HttpResponse<String> post(String body, String user, String password) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The Jolokia status of an authenticated request (Jolokia reports refusals in the JSON). */
    private JsonNode call(Map<String, Object> request) throws Exception {
        HttpResponse<String> response = post(JSON.writeValueAsString(request), USER, PASSWORD);
        assertThat(response.statusCode()).as(response.body()).isIn(200, 403);
        return JSON.readTree(response.body());
    }

    @Test
    void shouldRefuseARequestWithoutOrWithWrongCredentials() throws Exception {
        String read = "{\"type\":\"read\",\"mbean\":\"java.lang:type=Memory\",\"attribute\":\"HeapMemoryUsage\"}";

        assertThat(post(read, null, null).statusCode()).isEqualTo(401);
        assertThat(post(read, USER, PASSWORD + "x").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldAllowReadsOfMetricsAndCamelRoutes() throws Exception {
        assertThat(call(Map.of("type", "read", "mbean", "java.lang:type=Memory", "attribute", "HeapMemoryUsage"))
                .path("status").asInt()).isEqualTo(200);
        JsonNode routes = call(Map.of("type", "search", "mbean", "org.apache.camel:type=routes,*"));
        assertThat(routes.path("status").asInt()).isEqualTo(200);
        assertThat(routes.path("value").toString()).contains("forward-batches", "poll-changes");
    }

    @Test
    void shouldRefuseAnyAttributeWrite() throws Exception {
        JsonNode write = call(Map.of("type", "write", "mbean", "java.lang:type=Memory", "attribute", "Verbose", "value", true));

        assertThat(write.path("status").asInt()).isEqualTo(403);
    }

    @Test
    void shouldRefuseOperationsOtherThanTheDumps() throws Exception {
        assertThat(call(Map.of("type", "exec", "mbean", "java.lang:type=Memory", "operation", "gc")).path("status").asInt())
                .isEqualTo(403);
        assertThat(call(Map.of("type", "exec", "mbean", CONTEXT_MBEAN, "operation", "stop()")).path("status").asInt())
                .isEqualTo(403);
        assertThat(edge.context().getStatus()).isEqualTo(ServiceStatus.Started);
    }

    @Test
    void shouldAllowTheReadOnlyDumpsHawtioDrawsRouteDiagramsFrom() throws Exception {
        JsonNode routes = call(Map.of("type", "exec", "mbean", CONTEXT_MBEAN, "operation", "dumpRoutesAsXml()"));
        JsonNode stats = call(Map.of("type", "exec", "mbean", CONTEXT_MBEAN, "operation", "dumpRoutesStatsAsXml(boolean,boolean)",
                "arguments", java.util.List.of(true, true)));

        assertThat(routes.path("status").asInt()).as(routes.toString()).isEqualTo(200);
        assertThat(routes.path("value").asText()).contains("forward-batches");
        assertThat(stats.path("status").asInt()).as(stats.toString()).isEqualTo(200);
    }

    @Test
    void shouldRefuseToShowTheJvmArgumentsWhereASecretCouldHide() throws Exception {
        assertThat(call(Map.of("type", "read", "mbean", "java.lang:type=Runtime", "attribute", "InputArguments"))
                .path("status").asInt()).isEqualTo(403);
    }
}
