package io.logitstream.gateway.metrics;

import java.util.List;

/**
 * The {@code endpoint} label of an HTTP request: its route template, so that ids in paths
 * ({@code /v1/models/gpt2}, {@code /runs/eval-1}) do not make a series each; any path not
 * listed is {@value #OTHER}. A new route adds its template here.
 */
final class EndpointLabel {

    static final String OTHER = "other";
    private static final String ID = "{id}";
    static final List<String> TEMPLATES = List.of("/", "/v1/models", "/v1/models/" + ID, "/v1/completions",
            "/v1/chat/completions", "/runs", "/runs/" + ID, "/results/" + ID, "/runs-ui");

    private EndpointLabel() {
    }

    static String of(String path) {
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        for (String template : TEMPLATES) {
            if (template.endsWith(ID)) {
                String prefix = template.substring(0, template.length() - ID.length());
                if (trimmed.startsWith(prefix) && trimmed.length() > prefix.length()) {
                    return template;
                }
            } else if (trimmed.equals(template)) {
                return template;
            }
        }
        return OTHER;
    }
}
