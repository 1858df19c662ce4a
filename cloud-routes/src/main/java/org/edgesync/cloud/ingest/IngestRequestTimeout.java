package org.edgesync.cloud.ingest;

import io.vertx.ext.web.handler.TimeoutHandler;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.MainHttpServer;

/**
 * Bounds how long one request may take on the ingest server, from its first byte to the answer. Without it a client
 * that sends its headers and then stalls its body (a slow-loris, or a shop uplink that dies mid-request) holds a
 * connection and a request slot for ever; Camel's platform-http server has no option for it, so a Vert.x timeout
 * handler goes in front of every route of its router. The answer is 408; the device resends the batch.
 */
public final class IngestRequestTimeout {

    private IngestRequestTimeout() {
    }

    /** Call once the HTTP server is up (its router is in the registry then). */
    public static void install(CamelContext camelContext, long timeoutMs) {
        MainHttpServer server = camelContext.hasService(MainHttpServer.class);
        if (server == null || server.getRouter() == null) {
            throw new IllegalStateException("the ingest HTTP server is not running, so no request timeout can be set");
        }
        server.getRouter().route().order(Integer.MIN_VALUE).handler(TimeoutHandler.create(timeoutMs, 408));
    }
}
