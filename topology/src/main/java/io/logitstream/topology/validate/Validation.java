package io.logitstream.topology.validate;

import java.util.List;

/** The outcome of validating one request: valid, or the list of what is wrong. */
public record Validation(List<String> problems) {

    public Validation {
        problems = List.copyOf(problems);
    }

    public boolean isValid() {
        return problems.isEmpty();
    }

    /** One line for a dead letter: every problem, separated by semicolons. */
    public String message() {
        return "Invalid request: " + String.join("; ", problems);
    }
}
