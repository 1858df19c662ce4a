package org.edgesync.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategySupport;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.ResourceAware;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules every route file keeps: a kebab-case route id, and a {@code routeConfigurationId} that names a route
 * configuration of an {@code *-error-handling.camel.yaml} file. Camel itself accepts a routeConfigurationId that
 * names nothing and then runs the route without its error handling, so a typo there would silently change what a
 * failure does; the runtime therefore checks every route as it is added.
 */
public final class RouteRules {

    /** Lower-case words of letters and digits joined by single hyphens, e.g. {@code poll-changes}. */
    public static final Pattern KEBAB_CASE = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    /** The name every file holding route configurations ends with. */
    public static final String ERROR_HANDLING_SUFFIX = "-error-handling.camel.yaml";

    private RouteRules() {
    }

    /** Checks each route of the context when it is added, before any route is created or started. */
    public static void install(CamelContext context) {
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        model.addModelLifecycleStrategy(new ModelLifecycleStrategySupport() {
            @Override
            public void onAddRouteDefinition(RouteDefinition route) {
                Map<String, String> configurations = new LinkedHashMap<>();
                model.getRouteConfigurationDefinitions().forEach(c -> configurations.put(c.getId(), location(c)));
                check(route, configurations, false);
            }
        });
    }

    /**
     * @param configurations the id of every route configuration, mapped to the file that defines it (null if unknown)
     * @param requireErrorHandling also require a routeConfigurationId, defined in an {@value #ERROR_HANDLING_SUFFIX} file
     * @throws RouteRuleException naming the file, the route and what is allowed
     */
    public static void check(RouteDefinition route, Map<String, String> configurations, boolean requireErrorHandling) {
        String id = route.getRouteId();
        if (id == null || !KEBAB_CASE.matcher(id).matches()) {
            throw new RouteRuleException(where(route) + " has route id \"" + id + "\", but a route id must be kebab-case"
                    + " (lower-case letters and digits joined by hyphens, e.g. poll-changes).");
        }
        String configurationId = route.getRouteConfigurationId();
        if (configurationId == null || configurationId.isBlank()) {
            if (requireErrorHandling) {
                throw new RouteRuleException(where(route) + " has no routeConfigurationId, but every route must name"
                        + " its error handling, a routeConfiguration of a *" + ERROR_HANDLING_SUFFIX + " file.");
            }
            return;
        }
        if (!configurations.containsKey(configurationId)) {
            throw new RouteRuleException(where(route) + " names routeConfigurationId \"" + configurationId
                    + "\", which no route configuration has; allowed: " + String.join(", ", configurations.keySet()) + ".");
        }
        String location = configurations.get(configurationId);
        String file = location == null ? null : location.substring(location.lastIndexOf('/') + 1);
        if (requireErrorHandling && (file == null || !file.endsWith(ERROR_HANDLING_SUFFIX))) {
            throw new RouteRuleException(where(route) + " names routeConfigurationId \"" + configurationId
                    + "\" of " + file + ", but error handling must live in a *" + ERROR_HANDLING_SUFFIX + " file.");
        }
    }

    private static String where(RouteDefinition route) {
        String file = location(route);
        String line = route.getLineNumber() > 0 ? ", line " + route.getLineNumber() + "," : "";
        return file == null ? "Route \"" + route.getRouteId() + "\"" : "Route file " + file + line;
    }

    /** The file of a route or route configuration, when Camel recorded it. */
    public static String location(ResourceAware node) {
        Resource resource = node.getResource();
        return resource == null ? null : resource.getLocation().replaceFirst("^file:", "");
    }
}
