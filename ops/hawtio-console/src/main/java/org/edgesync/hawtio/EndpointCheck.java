package org.edgesync.hawtio;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * Asks each endpoint for its Jolokia version once at start, with the console's credentials, so a wrong password or a
 * missing SSH tunnel shows in the terminal instead of as an empty console.
 */
final class EndpointCheck {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String authorization;

    EndpointCheck(String user, String password) {
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** One line: whether the endpoint answers and, if not, what to do about it. */
    String describe(JolokiaTarget target) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(target.url())
                    .timeout(Duration.ofSeconds(5))
                    .header("Authorization", authorization)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"version\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return switch (response.statusCode()) {
                case 200 -> "answers";
                case 401, 403 -> "refuses the user or password (HTTP " + response.statusCode() + ")";
                default -> "answers HTTP " + response.statusCode() + ": is " + target.url() + " a Jolokia endpoint?";
            };
        } catch (HttpTimeoutException e) {
            return "does not answer within 5 s";
        } catch (java.io.IOException e) {
            return "not reachable (" + e.getClass().getSimpleName() + "): is it running with EDGESYNC_JOLOKIA_PASSWORD"
                    + " set, and its port forwarded?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not checked";
        }
    }
}
