package org.edgesync.hawtio;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;

/**
 * Sits in front of Hawtio's proxy servlet and adds the Jolokia credentials to requests for the configured endpoints
 * only, so the password stays in this process: the browser never sees it, and Hawtio needs no login per connection.
 *
 * <p>Whoever can open the console can read what the Jolokia user can read. The console therefore listens on
 * 127.0.0.1 by default, and while it does, requests naming another host (a DNS-rebinding page in the operator's
 * browser) get no credentials but a 403.
 */
final class JolokiaCredentialsFilter implements Filter {

    private static final Set<String> LOOPBACK_NAMES = Set.of("127.0.0.1", "localhost", "[::1]");

    private final List<JolokiaTarget> targets;
    private final String authorization;
    private final boolean loopbackOnly;

    JolokiaCredentialsFilter(List<JolokiaTarget> targets, String user, String password, boolean loopbackOnly) {
        this.targets = List.copyOf(targets);
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.loopbackOnly = loopbackOnly;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        if (!isForTarget(request.getPathInfo())) {
            chain.doFilter(req, res);
            return;
        }
        if (loopbackOnly && !LOOPBACK_NAMES.contains(request.getServerName())) {
            ((HttpServletResponse) res).sendError(HttpServletResponse.SC_FORBIDDEN,
                    "The console answers only to 127.0.0.1 or localhost.");
            return;
        }
        chain.doFilter(new WithAuthorization(request, authorization), res);
    }

    private boolean isForTarget(String pathInfo) {
        if (pathInfo == null) {
            return false;
        }
        String path = pathInfo.endsWith("/") ? pathInfo : pathInfo + "/";
        return targets.stream().anyMatch(target -> path.startsWith(target.proxyPathPrefix()));
    }

    /** The browser's request with our Authorization header in place of any it sent. */
    private static final class WithAuthorization extends HttpServletRequestWrapper {
        private static final String HEADER = "Authorization";
        private final String value;

        WithAuthorization(HttpServletRequest request, String value) {
            super(request);
            this.value = value;
        }

        @Override
        public String getHeader(String name) {
            return HEADER.equalsIgnoreCase(name) ? value : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return HEADER.equalsIgnoreCase(name) ? Collections.enumeration(List.of(value)) : super.getHeaders(name);
        }

        @Override
        public Enumeration<String> getHeaderNames() {
            List<String> names = Collections.list(super.getHeaderNames());
            names.removeIf(HEADER::equalsIgnoreCase);
            names.add(HEADER);
            return Collections.enumeration(names);
        }
    }
}
