package org.edgesync.cloud.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.apache.camel.component.platform.http.HttpEndpointModel;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import org.edgesync.cloud.testing.CloudNode;
import org.edgesync.cloud.testing.Fixtures;
import org.edgesync.cloud.testing.TestDatabase;
import org.edgesync.cloud.testing.TestPostgres;
import org.edgesync.contract.BatchCodec;
import org.edgesync.contract.Change;
import org.edgesync.contract.ChangeBatch;
import org.edgesync.contract.Operation;
import org.edgesync.contract.auth.RequestSignature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.edgesync.cloud.testing.Fixtures.batch;
import static org.edgesync.cloud.testing.Fixtures.change;
import static org.edgesync.cloud.testing.Fixtures.enrol;
import static org.edgesync.cloud.testing.Fixtures.gzip;
import static org.edgesync.cloud.testing.Fixtures.obj;
import static org.edgesync.cloud.testing.Fixtures.productInserts;
import static org.edgesync.cloud.testing.Fixtures.signedHeaders;

/**
 * Keeps the hand-written OpenAPI document (openapi/edgesync-cloud.yaml) and the running node from drifting apart: a
 * real node serves the document; every HTTP route the node serves (Camel's platform-http consumers on the ingest
 * server and the management endpoints) must be documented with its method, and every documented operation must be
 * served; real requests to every documented operation may only be answered with documented statuses, with bodies
 * that match the documented schemas; and batches built with the contract classes validate against the documented
 * ChangeBatch schema, whose properties are exactly the contract records' components.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiDocumentIT {

    private static final String DOCUMENT = "openapi/edgesync-cloud.yaml";
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final BatchCodec CODEC = new BatchCodec();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestDatabase db;
    private CloudNode node;
    private JsonNode document;

    @BeforeAll
    void start() throws Exception {
        db = TestPostgres.newDatabase();
        // a small change limit, so that 413 can be provoked with a small batch; JMX on as in production (Camel's
        // /observe/info needs it)
        node = CloudNode.start(db, Map.of("edgesync.ingest.max.changes.per.batch", "50", "camel.main.jmxEnabled", "true"));
        enrol(db.dataSource(), "pos-1", "store-1");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(DOCUMENT)) {
            assertThat(in).as(DOCUMENT + " on the class path").isNotNull();
            document = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    @AfterAll
    void stop() {
        if (node != null) {
            node.close();
        }
        db.close();
    }

    @Test
    void shouldServeTheDocumentItselfWithoutAuthentication() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(ingestServer("/api/openapi.yaml")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/yaml"));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(DOCUMENT)) {
            assertThat(response.body()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        assertThat(document.path("openapi").asText()).startsWith("3.1");
    }

    @Test
    void shouldDocumentEveryRouteTheNodeServesAndServeEveryDocumentedOne() {
        PlatformHttpComponent platformHttp = node.camelContext().getComponent("platform-http", PlatformHttpComponent.class);
        Set<String> served = new TreeSet<>();
        for (HttpEndpointModel endpoint : platformHttp.getHttpEndpoints()) {
            served.addAll(operations(endpoint));
        }
        for (HttpEndpointModel endpoint : platformHttp.getHttpManagementEndpoints()) {
            served.addAll(operations(endpoint));
        }
        // what the two Vert.x routers really route, including paths Camel does not register (health/live, /ready)
        served.addAll(routed(node.camelContext().hasService(MainHttpServer.class).getRouter()));
        served.addAll(routed(node.camelContext().hasService(ManagementHttpServer.class).getRouter()));

        assertThat(served).as("operations the node serves (platform-http consumers and management endpoints)")
                .isEqualTo(documentedOperations());
        assertThat(served).contains("POST /api/v1/devices/{deviceId}/batches", "GET /observe/health");
    }

    private static List<String> operations(HttpEndpointModel endpoint) {
        assertThat(endpoint.getVerbs()).as("methods of " + endpoint.getUri() + ": restrict every HTTP route to its"
                + " documented methods (httpMethodRestrict)").isNotBlank();
        return Arrays.stream(endpoint.getVerbs().split(","))
                .map(verb -> verb.trim().toUpperCase(Locale.ROOT) + " " + endpoint.getUri()).toList();
    }

    /** METHOD path of every route of a Vert.x router that has a path (Vert.x ":name" written as "{name}"). */
    private static List<String> routed(Router router) {
        List<String> operations = new ArrayList<>();
        for (Route route : router.getRoutes()) {
            if (route.getPath() == null) {
                continue; // handlers in front of every path: the request timeout, body handlers
            }
            String path = route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            assertThat(route.methods()).as("methods of " + path + ": restrict every HTTP route to its documented"
                    + " methods").isNotEmpty();
            route.methods().forEach(method -> operations.add(method.name() + " " + path));
        }
        return operations;
    }

    private Set<String> documentedOperations() {
        Set<String> operations = new TreeSet<>();
        document.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (METHODS.contains(method)) {
                operations.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }));
        return operations;
    }

    @Test
    void shouldAnswerEveryDocumentedOperationOnlyWithDocumentedStatusesAndBodies() throws Exception {
        Map<String, List<HttpResponse<String>>> answers = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields();
            while (methods.hasNext()) {
                Map.Entry<String, JsonNode> method = methods.next();
                if (!METHODS.contains(method.getKey())) {
                    continue;
                }
                String operationId = method.getValue().path("operationId").asText();
                List<HttpResponse<String>> responses = probe(operationId, path.getKey());
                answers.put(operationId, responses);
                JsonNode documented = method.getValue().path("responses");
                for (HttpResponse<String> response : responses) {
                    String status = String.valueOf(response.statusCode());
                    assertThat(documented.has(status)).as(method.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey()
                            + " answered " + status + " (" + response.body() + "), documented: " + names(documented)).isTrue();
                    assertBodyMatches(documented.path(status), response);
                }
            }
        }
        // the ingest probes reach every refusal a single node can be driven to without faults
        assertThat(answers.get("info")).extracting(HttpResponse::statusCode).containsExactly(200);
        assertThat(answers.get("metrics")).extracting(HttpResponse::body).singleElement().asString()
                .contains("edgesync_cloud_ingest_batches_total", "edgesync_fleet_devices");
        assertThat(answers.get("ingestBatch")).extracting(HttpResponse::statusCode)
                .contains(200, 400, 401, 403, 413, 415, 422);
    }

    /** Real requests for one documented operation; an operation without a probe fails, so a new one gets one. */
    private List<HttpResponse<String>> probe(String operationId, String path) throws Exception {
        return switch (operationId) {
            case "ingestBatch" -> ingestProbes();
            case "openApiDocument" -> List.of(get(ingestServer(path)));
            case "health", "liveness", "readiness", "info", "metrics" -> List.of(get(node.managementUri(path)));
            default -> throw new AssertionError("No probe for documented operation '" + operationId + "' (" + path
                    + "): add one to this test");
        };
    }

    private List<HttpResponse<String>> ingestProbes() throws Exception {
        URI uri = node.ingestUri("pos-1");
        List<HttpResponse<String>> responses = new ArrayList<>();
        byte[] good = gzip(productInserts("pos-1", 1, 3));
        responses.add(signedPost(uri, "pos-1", good, "application/json"));                   // 200
        responses.add(signedPost(uri, "pos-1", good, "application/json"));                   // 200, duplicates
        responses.add(Fixtures.post(uri, null, good));                                        // 401 unsigned
        responses.add(signedPost(uri, "pos-1", gzip(productInserts("pos-2", 4, 4)), "application/json")); // 403
        responses.add(signedPost(uri, "pos-1", "not gzip".getBytes(StandardCharsets.UTF_8), "application/json")); // 400
        responses.add(signedPost(uri, "pos-1", good, "text/plain"));                         // 415
        responses.add(signedPost(uri, "pos-1", gzip(productInserts("pos-1", 10, 70)), "application/json")); // 413
        byte[] notABatch = BatchCodec.gzip("{\"deviceId\":\"pos-1\"}".getBytes(StandardCharsets.UTF_8));
        responses.add(signedPost(uri, "pos-1", notABatch, "application/json"));              // 422
        return responses;
    }

    private HttpResponse<String> signedPost(URI uri, String device, byte[] body, String contentType) throws Exception {
        Map<String, String> headers = new HashMap<>(signedHeaders(device, device, 1, Fixtures.deviceKey(device, 1), body,
                Instant.now().getEpochSecond(), RequestSignature.newNonce()));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType).header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI ingestServer(String path) {
        URI ingest = node.ingestUri("x");
        return URI.create(ingest.getScheme() + "://" + ingest.getAuthority() + path);
    }

    /** A documented JSON body schema must validate the answer's body. */
    private void assertBodyMatches(JsonNode documentedResponse, HttpResponse<String> response) throws Exception {
        JsonNode schema = documentedResponse.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
            return;
        }
        assertThat(validate(schema, JSON.readTree(response.body())))
                .as("body of a " + response.statusCode() + " answer: " + response.body()).isEmpty();
    }

    @Test
    void shouldValidateBatchesOfTheContractClassesAgainstTheDocumentedSchema() throws Exception {
        ChangeBatch batch = batch("pos-1",
                Fixtures.product(1, Operation.INSERT, "p-1", "Tea", 250),
                Fixtures.product(2, Operation.UPDATE, "p-1", "Green tea", 275),
                change(3, "sale_lines", Operation.INSERT, obj().put("sale_id", 7).put("line_no", 1),
                        obj().put("sale_id", 7).put("line_no", 1).put("qty", 2).putNull("note").put("voided", false)),
                Fixtures.product(4, Operation.DELETE, "p-1", null, 0));
        JsonNode json = JSON.readTree(CODEC.encode(batch));

        assertThat(validate(ref("ChangeBatch"), json)).isEmpty();
    }

    @Test
    void shouldRejectWhatTheContractRejects() throws Exception {
        ObjectNode valid = (ObjectNode) JSON.readTree(CODEC.encode(productInserts("pos-1", 1, 2)));

        ObjectNode merge = valid.deepCopy();
        ((ObjectNode) merge.withArray("changes").get(0)).put("op", "merge");
        ObjectNode extraField = valid.deepCopy();
        extraField.put("compressed", true);
        ObjectNode deleteWithRow = valid.deepCopy();
        ((ObjectNode) deleteWithRow.withArray("changes").get(1)).put("op", "delete");
        ObjectNode nestedValue = valid.deepCopy();
        ((ObjectNode) nestedValue.withArray("changes").get(0)).withObject("row").putObject("nested");

        for (ObjectNode invalid : List.of(merge, extraField, deleteWithRow, nestedValue)) {
            assertThat(validate(ref("ChangeBatch"), invalid)).as(invalid.toString()).isNotEmpty();
            assertThat(decodes(invalid)).as("the contract refuses it too: " + invalid).isFalse();
        }
    }

    private static boolean decodes(JsonNode json) {
        try {
            CODEC.decode(json.toString().getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void shouldDocumentExactlyTheFieldsOfTheContractRecords() {
        assertThat(properties("ChangeBatch")).isEqualTo(components(ChangeBatch.class));
        assertThat(properties("Change")).isEqualTo(components(Change.class));
        assertThat(document.at("/components/schemas/Change/properties/op/enum")).extracting(JsonNode::asText)
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Operation.values()).map(Operation::wireName).toList());
    }

    private Set<String> properties(String schema) {
        Set<String> names = new TreeSet<>();
        document.at("/components/schemas/" + schema + "/properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> components(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static JsonNode ref(String schema) {
        return JSON.createObjectNode().put("$ref", "#/components/schemas/" + schema);
    }

    /** Validates with JSON Schema 2020-12 (OpenAPI 3.1's dialect), resolving refs against the document's components. */
    private List<Error> validate(JsonNode schema, JsonNode instance) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", document.path("components"));
        root.setAll((ObjectNode) schema);
        Schema compiled = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(root);
        return compiled.validate(instance);
    }

    private static String names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }
}
