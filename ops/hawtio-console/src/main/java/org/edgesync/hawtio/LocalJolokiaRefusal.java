package org.edgesync.hawtio;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Refuses Hawtio's own Jolokia agent ({@code /hawtio/jolokia}): it would expose the console's JVM with no password and
 * no access policy (operations included), and the console has nothing of its own to show.
 */
final class LocalJolokiaRefusal implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException {
        ((HttpServletResponse) response).sendError(HttpServletResponse.SC_FORBIDDEN,
                "This console shows only the EdgeSync endpoints it was started with.");
    }
}
