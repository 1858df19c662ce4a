package org.edgesync.edge.config;

import org.edgesync.routes.StartupFailure;
import org.edgesync.routes.RouteRules;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.FromDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.spi.EndpointUriFactory;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.edgesync.edge.EdgeMain;
import org.edgesync.edge.EdgeRuntime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Build-time check of the edge's route files: each loads through Camel's YAML routes loader with the real
 * edge.properties (as EdgeMain loads them), every route id is kebab-case, every route names its error handling in
 * an *-error-handling file, and every endpoint option is one its component has. Fast: nothing is started.
 */
class EdgeRouteFilesTest {

    private static final Path ROUTES = EdgeRuntime.CONFIG_DIR.resolve("edge").resolve("routes").toAbsolutePath().normalize();

    private CamelContext context;
    /** Route configuration id to the file that defines it (Camel's YAML DSL does not record it). */
    private final Map<String, String> configurationFiles = new LinkedHashMap<>();

    @BeforeEach
    void loadEveryRouteFile() throws Exception {
        context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation(EdgeMain.propertiesLocation(EdgeRuntime.CONFIG_DIR));
        for (Path file : routeFiles()) {
            try {
                PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.resolveResource(context, "file:" + file));
                model().getRouteConfigurationDefinitions()
                        .forEach(c -> configurationFiles.putIfAbsent(c.getId(), file.getFileName().toString()));
            } catch (Exception e) {
                fail("Route file " + file.getFileName() + " does not load: " + StartupFailure.sentence(e, context), e);
            }
        }
    }

    @AfterEach
    void closeContext() throws Exception {
        context.close();
    }

    private static List<Path> routeFiles() throws Exception {
        try (Stream<Path> files = Files.list(ROUTES)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".camel.yaml")).sorted().toList();
        }
    }

    private Model model() {
        return context.getCamelContextExtension().getContextPlugin(Model.class);
    }

    private List<RouteDefinition> routes() {
        return model().getRouteDefinitions();
    }

    @Test
    void shouldLoadTheFlowsTheEdgeRuns() {
        assertThat(routes()).extracting(RouteDefinition::getRouteId).contains("poll-changes", "forward-batches");
    }

    @Test
    void shouldGiveEveryRouteAKebabCaseIdAndErrorHandlingOfAnErrorHandlingFile() {
        for (RouteDefinition route : routes()) {
            RouteRules.check(route, configurationFiles, true);
        }
        assertThat(configurationFiles).as("route configurations and their files").isNotEmpty()
                .allSatisfy((id, file) -> assertThat(file).endsWith(RouteRules.ERROR_HANDLING_SUFFIX));
    }

    @Test
    void shouldUseOnlyEndpointOptionsTheirComponentsHave() throws Exception {
        List<String> unknown = new ArrayList<>();
        for (RouteDefinition route : routes()) {
            List<String> uris = new ArrayList<>();
            FromDefinition from = route.getInput();
            uris.add(from.getEndpointUri());
            ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), SendDefinition.class)
                    .forEach(to -> uris.add(((SendDefinition<?>) to).getEndpointUri()));
            for (String uri : uris) {
                unknown.addAll(EndpointOptions.unknown(context, context.resolvePropertyPlaceholders(uri))
                        .stream().map(o -> route.getResource().getLocation() + " route " + route.getRouteId() + ": " + o).toList());
            }
        }
        assertThat(unknown).as("endpoint options no component has").isEmpty();
    }

    /** The options of an endpoint URI that its component does not have. */
    static final class EndpointOptions {

        static List<String> unknown(CamelContext context, String uri) {
            String scheme = uri.substring(0, uri.indexOf(':'));
            EndpointUriFactory factory = context.getCamelContextExtension().getEndpointUriFactory(scheme);
            assertThat(factory).as("component of " + uri).isNotNull();
            int query = uri.indexOf('?');
            if (query < 0 || factory.isLenientProperties()) {
                return List.of();
            }
            List<String> unknown = new ArrayList<>();
            for (String pair : uri.substring(query + 1).split("&")) {
                String option = pair.replaceFirst("=.*", "");
                boolean prefixed = factory.multiValuePrefixes().keySet().stream().anyMatch(option::startsWith);
                if (!factory.propertyNames().contains(option) && !prefixed) {
                    unknown.add(scheme + " option " + option);
                }
            }
            return unknown;
        }
    }
}
