package org.edgesync.edge.observe;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One scrape of a Prometheus text endpoint, and the values of its samples by name and labels. */
final class Scrape {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String text;

    private Scrape(String text) {
        this.text = text;
    }

    static Scrape of(URI uri) throws Exception {
        HttpResponse<String> response = get(uri);
        if (response.statusCode() != 200) {
            throw new AssertionError("GET " + uri + " answered " + response.statusCode() + ": " + response.body());
        }
        return new Scrape(response.body());
    }

    static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The value of the one sample named {@code name} that carries every given label ({@code key="value"}); NaN when
     * the sample says NaN; AssertionError when there is no such sample.
     */
    double value(String name, String... labels) {
        List<String> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + " ") || line.startsWith(name + "{"))) {
                continue;
            }
            String labelPart = line.startsWith(name + "{") ? line.substring(name.length(), line.indexOf('}') + 1) : "";
            if (Arrays.stream(labels).allMatch(labelPart::contains)) {
                found.add(line);
            }
        }
        if (found.size() != 1) {
            throw new AssertionError("expected one sample " + name + " " + Arrays.toString(labels) + " but found "
                    + found + " in:\n" + text);
        }
        String line = found.get(0);
        String rest = line.substring(line.contains("{") ? line.indexOf('}') + 1 : name.length()).trim();
        return Double.parseDouble(rest.split("\\s+")[0]);
    }

    boolean has(String name) {
        return text.lines().anyMatch(l -> l.startsWith(name + " ") || l.startsWith(name + "{"));
    }

    @Override
    public String toString() {
        return text;
    }
}
