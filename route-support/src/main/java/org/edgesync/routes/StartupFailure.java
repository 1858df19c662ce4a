package org.edgesync.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.FailedToCreateRouteException;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.spi.EndpointUriFactory;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what stopped startup into one sentence an operator can act on: the file and line, or the property key,
 * and what is allowed. Camel reports a bad route file deep in an exception chain (a YAML mark, an endpoint that
 * could not be resolved inside a route that could not be created); the operator needs the one fact at the bottom,
 * placed in the file they edited.
 */
public final class StartupFailure {

    private static final Pattern UNKNOWN_PARAMETERS = Pattern.compile("Unknown parameters=\\[\\{(.*)}]");
    private static final Pattern MISSING_PROPERTY = Pattern.compile("Property with key \\[([^]]+)] not found");
    private static final Pattern ROUTE_SOURCE = Pattern.compile("\\(source: (?:file:)?([^)]+)\\)");

    private StartupFailure() {
    }

    /**
     * The sentence for a configuration mistake, or empty when the failure is not one (a bug, or a failure of the
     * machine): then the caller shows the stack trace too.
     *
     * @param context the runtime's context, to list an endpoint's options; may be null
     */
    public static Optional<String> explain(Throwable failure, CamelContext context) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MarkedYamlEngineException yaml) {
                return Optional.of(yaml(yaml));
            }
            if (t instanceof FailedToCreateRouteException route) {
                return Optional.of(route(route, context));
            }
            if (t.getMessage() != null && MISSING_PROPERTY.matcher(t.getMessage()).find()) {
                return Optional.of(missingProperty(t.getMessage(), null));
            }
            if (t instanceof OperatorMistake || isOwnValidation(t)) {
                return Optional.of(t.getMessage());
            }
        }
        return Optional.empty();
    }

    /** One sentence for any failure: the explanation, else the innermost exception's class and message. */
    public static String sentence(Throwable failure, CamelContext context) {
        return explain(failure, context).orElseGet(() -> {
            Throwable root = failure;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            return root.getClass().getName() + ": " + firstLine(root.getMessage());
        });
    }

    /**
     * EdgeSync's own checks throw an {@link OperatorMistake}, or IllegalArgumentException or IllegalStateException
     * with a sentence meant for the operator and no cause; the same types thrown by a library, or wrapping a cause,
     * are not.
     */
    private static boolean isOwnValidation(Throwable t) {
        // a check states the problem itself; an exception wrapping a cause only passes a failure on
        return (t instanceof IllegalArgumentException || t instanceof IllegalStateException) && t.getMessage() != null
                && t.getCause() == null && t.getStackTrace().length > 0
                && t.getStackTrace()[0].getClassName().startsWith("org.edgesync.");
    }

    private static String yaml(MarkedYamlEngineException e) {
        Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
        String problem = e.getProblem() == null ? firstLine(e.getMessage()) : e.getProblem();
        String place = mark.map(m -> "Route file " + m.getName().replaceFirst("^file:", "") + ", line " + (m.getLine() + 1)
                + ", column " + (m.getColumn() + 1)).orElse("A route file");
        return place + ": " + problem + (e.getContext() == null ? "" : " (" + e.getContext() + ")")
                + "; allowed is YAML in the Camel YAML DSL, as in the route files shipped with EdgeSync.";
    }

    private static String route(FailedToCreateRouteException e, CamelContext context) {
        Matcher source = ROUTE_SOURCE.matcher(String.valueOf(e.getMessage()));
        Path file = source.find() ? Path.of(source.group(1)) : null;
        String where = (file == null ? "Route" : "Route file " + file) + " (route " + e.getRouteId() + ")";
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (MISSING_PROPERTY.matcher(message).find()) {
                return missingProperty(message, file);
            }
            Matcher unknown = UNKNOWN_PARAMETERS.matcher(message);
            if (t instanceof ResolveEndpointFailedException endpoint && unknown.find()) {
                String scheme = endpoint.getUri().replaceFirst(":.*", "");
                String option = unknown.group(1).replaceFirst("=.*", "").replaceFirst(",.*", "").trim();
                return where + lineOf(file, optionLine(option)) + ": endpoint " + scheme
                        + " has no option \"" + option + "\"" + suggestion(context, scheme, option)
                        + "; allowed are the options of the " + scheme + " component, spelt as in its documentation.";
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return where + " cannot be created: " + firstLine(root.getMessage());
    }

    private static String missingProperty(String message, Path file) {
        Matcher missing = MISSING_PROPERTY.matcher(message);
        missing.find();
        String key = missing.group(1);
        String where = file == null ? "The configuration" : "Route file " + file + lineOf(file, line -> line.contains("{{" + key + "}}"));
        return where + " uses property " + key + ", which is not set; set it in the properties file, as -D" + key
                + " or as environment variable " + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_')
                + ", or correct the name.";
    }

    /** ", line N" of the first line of the file that matches, or "" when none does. */
    private static String lineOf(Path file, Predicate<String> matches) {
        if (file == null) {
            return "";
        }
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (matches.test(lines.get(i).trim())) {
                    return ", line " + (i + 1);
                }
            }
        } catch (IOException e) {
            // the sentence is still useful without a line number
        }
        return "";
    }

    /** An option in the uri + parameters form ({@code option: value}) or in a URI query. */
    private static Predicate<String> optionLine(String option) {
        return line -> line.startsWith(option + ":") || line.contains("?" + option + "=") || line.contains("&" + option + "=");
    }

    private static String suggestion(CamelContext context, String scheme, String option) {
        if (context == null) {
            return "";
        }
        try {
            EndpointUriFactory factory = context.getCamelContextExtension().getEndpointUriFactory(scheme);
            if (factory == null) {
                return "";
            }
            Set<String> names = factory.propertyNames();
            return names.stream().min(Comparator.comparingInt(n -> distance(n.toLowerCase(), option.toLowerCase())))
                    .filter(n -> distance(n.toLowerCase(), option.toLowerCase()) <= Math.max(2, option.length() / 3))
                    .map(n -> " (did you mean \"" + n + "\"?)").orElse("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** Levenshtein distance, for the "did you mean" of a misspelt option. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String firstLine(String message) {
        return message == null ? "" : Arrays.stream(message.split("\\R")).findFirst().orElse("").trim();
    }
}
