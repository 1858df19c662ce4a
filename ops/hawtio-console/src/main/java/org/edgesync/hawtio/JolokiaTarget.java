package org.edgesync.hawtio;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One Jolokia endpoint the console connects to, e.g. the edge's {@code http://127.0.0.1:8778/jolokia/}, under a short
 * name that becomes the Hawtio connection's id and label.
 */
public record JolokiaTarget(String name, URI url) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");

    /** Parses {@code NAME=URL}, as given to {@code --connect}. */
    public static JolokiaTarget parse(String option) {
        int eq = option == null ? -1 : option.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("--connect is \"" + option + "\", but must be NAME=URL, e.g."
                    + " cloud-2=http://127.0.0.1:8780/jolokia/.");
        }
        return of(option.substring(0, eq), option.substring(eq + 1));
    }

    public static JolokiaTarget of(String name, String url) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("The connection name \"" + name + "\" is not allowed: use 1-40 lowercase"
                    + " letters, digits and -, starting with a letter or digit.");
        }
        URI uri;
        try {
            uri = new URI(url == null ? "" : url.trim());
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || uri.getUserInfo() != null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("The Jolokia URL of " + name + " is \"" + url + "\", but must be an"
                    + " http(s) URL with a host and no user, query or fragment, e.g. http://127.0.0.1:8778/jolokia/.");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/jolokia/" : uri.getRawPath();
        if (path.contains("..") || path.contains("//")) {
            throw new IllegalArgumentException("The Jolokia URL of " + name + " is \"" + url + "\", but its path must"
                    + " not contain \"..\" or \"//\".");
        }
        if (!path.endsWith("/")) {
            path += "/";
        }
        int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
        try {
            uri = new URI(uri.getScheme(), null, uri.getHost().toLowerCase(Locale.ROOT), port, path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("The Jolokia URL of " + name + " is \"" + url + "\", which is not a valid URL.");
        }
        return new JolokiaTarget(name, uri);
    }

    public String scheme() {
        return url.getScheme();
    }

    public String host() {
        return url.getHost();
    }

    public int port() {
        return url.getPort();
    }

    public String path() {
        return url.getRawPath();
    }

    /**
     * Where Hawtio's proxy servlet sends a request for this target: Hawtio encodes the target in the path after
     * {@code /proxy}, as {@code /SCHEME/HOST/PORT/PATH}.
     */
    public String proxyPathPrefix() {
        return "/" + scheme() + "/" + host() + "/" + port() + path();
    }
}
