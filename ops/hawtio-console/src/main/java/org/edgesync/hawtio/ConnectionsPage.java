package org.edgesync.hawtio;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The console's front page. Hawtio 4 keeps its remote connections in the browser's local storage, so this page
 * writes the configured endpoints there (same origin as Hawtio) and links each to Hawtio already connected:
 * {@code /?open=edge} goes straight to the edge.
 */
final class ConnectionsPage extends HttpServlet {

    private final List<JolokiaTarget> targets;

    ConnectionsPage(List<JolokiaTarget> targets) {
        this.targets = List.copyOf(targets);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/".equals(request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo()))) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        response.setContentType("text/html;charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.getWriter().write(html());
    }

    String html() {
        // Names match [a-z0-9-] and URLs were parsed and rebuilt, so neither can break out of the markup or script.
        String connections = targets.stream().map(t -> "\"" + t.name() + "\":{\"id\":\"" + t.name() + "\",\"name\":\""
                        + t.name() + "\",\"scheme\":\"" + t.scheme() + "\",\"host\":\"" + t.host() + "\",\"port\":"
                        + t.port() + ",\"path\":\"" + t.path() + "\"}")
                .collect(Collectors.joining(",", "{", "}"));
        String links = targets.stream().map(t -> "<li><a id=\"open-" + t.name() + "\" href=\"hawtio/?con=" + t.name()
                        + "\">" + t.name() + "</a> <code>" + t.url() + "</code></li>")
                .collect(Collectors.joining("\n"));
        return """
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"><title>EdgeSync consoles</title></head>
                <body style="font-family: sans-serif; margin: 2em">
                <h1>EdgeSync consoles</h1>
                <p>Hawtio, connected read-only through Jolokia to:</p>
                <ul>
                %s
                </ul>
                <p>Camel: routes, route diagrams with exchange counts. JMX: the edge broker's queues under
                <code>org.apache.activemq.artemis</code>.</p>
                <script>
                  const preset = %s;
                  const key = 'connect.connections';
                  const saved = JSON.parse(localStorage.getItem(key) || '{}');
                  localStorage.setItem(key, JSON.stringify(Object.assign(saved, preset)));
                  const open = new URLSearchParams(location.search).get('open');
                  if (open && Object.prototype.hasOwnProperty.call(preset, open)) {
                    location.replace('hawtio/?con=' + encodeURIComponent(open));
                  }
                </script>
                </body></html>
                """.formatted(links, connections);
    }
}
