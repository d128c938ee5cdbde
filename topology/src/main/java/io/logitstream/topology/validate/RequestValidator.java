package io.logitstream.topology.validate;

import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.schema.TeacherParams;
import io.logitstream.schema.TokenSelection;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a decoded request against the contract: required fields, exactly one input, parameters
 * that belong to the task, and value ranges. It reports every problem at once, so a producer can
 * fix a request in one round trip. It knows nothing of models: whether the prompt fits a model's
 * context is the worker's question.
 */
public final class RequestValidator {

    public static final int MAX_REQUEST_ID_LENGTH = 256;
    /**
     * A sanity bound only: top_logprobs may go up to the vocabulary size, which the topology does
     * not know; the worker checks it against the model's vocabulary and the results topic's size.
     */
    public static final int MAX_TOP_LOGPROBS = 1_000_000;
    public static final int MAX_CHOICES = 64;
    public static final int MAX_TEACHER_TOP_K = 1024;
    public static final int MAX_NEW_TOKENS = 32_768;
    public static final int MAX_STOP_STRINGS = 16;
    /** Token ids plus token strings of logprobs_of together. */
    public static final int MAX_SELECTED_TOKENS = 1024;
    /** session_id and prefix_key: names, not prompts (a prompt prefix goes in prefix_route_chars). */
    public static final int MAX_AFFINITY_KEY_LENGTH = 256;

    /** Whether a request_id can be remembered for dedupe: present and within the length limit. */
    public static boolean isUsableRequestId(String requestId) {
        return requestId != null && !requestId.isBlank() && requestId.length() <= MAX_REQUEST_ID_LENGTH;
    }

    /** Validates {@code request}; the result lists every violation found. */
    public Validation validate(PromptRequest request) {
        List<String> problems = new ArrayList<>();
        checkIdentity(request, problems);
        checkInput(request, problems);
        checkTaskParameters(request, problems);
        checkAffinity(request, problems);
        ImageInputRules.check(request, problems);
        return new Validation(problems);
    }

    private static void checkIdentity(PromptRequest r, List<String> problems) {
        if (r.getRequestId() == null || r.getRequestId().isBlank()) {
            problems.add("request_id is required");
        } else if (r.getRequestId().length() > MAX_REQUEST_ID_LENGTH) {
            problems.add("request_id is longer than " + MAX_REQUEST_ID_LENGTH + " characters");
        }
        if (r.getModel() == null || r.getModel().isBlank()) {
            problems.add("model is required: name the model pool that should serve the request");
        }
    }

    private static void checkInput(PromptRequest r, List<String> problems) {
        int inputs = (r.getText() != null ? 1 : 0) + (r.getMessages() != null ? 1 : 0)
                + (r.getInputIds() != null ? 1 : 0);
        if (inputs != 1) {
            problems.add("exactly one of text, messages, input_ids must be set, found " + inputs);
        }
        if (r.getText() != null && r.getText().isEmpty()) {
            problems.add("text is empty");
        }
        if (r.getMessages() != null) {
            if (r.getMessages().isEmpty()) {
                problems.add("messages is empty");
            }
            for (int i = 0; i < r.getMessages().size(); i++) {
                ChatMessage m = r.getMessages().get(i);
                if (m.getRole() == null || m.getRole().isBlank()) {
                    problems.add("messages[" + i + "].role is empty");
                }
            }
        }
        if (r.getInputIds() != null) {
            if (r.getInputIds().isEmpty()) {
                problems.add("input_ids is empty");
            } else if (r.getInputIds().stream().anyMatch(id -> id == null || id < 0)) {
                problems.add("input_ids must be non-negative token ids");
            }
        }
        if (r.getAddGenerationPrompt() != null && r.getMessages() == null) {
            problems.add("add_generation_prompt applies to chat messages only");
        }
        Integer top = r.getTopLogprobs();
        if (top != null && (top < 0 || top > MAX_TOP_LOGPROBS)) {
            problems.add("top_logprobs must be between 0 and " + MAX_TOP_LOGPROBS
                    + " (the worker checks it against the model's vocabulary), got " + top);
        }
    }

    private static void checkTaskParameters(PromptRequest r, List<String> problems) {
        Task task = r.getTask();
        if (task == null) {
            problems.add("task is required (SCORE, CHOICE, TEACHER, GENERATE or CLASSIFY)");
            return;
        }
        onlyFor(task, Task.SCORE, r.getContinuation() != null, "continuation", problems);
        onlyFor(task, Task.CHOICE, r.getChoices() != null, "choices", problems);
        onlyFor(task, Task.CHOICE, r.getGoldIndex() != null, "gold_index", problems);
        onlyFor(task, Task.TEACHER, r.getTeacher() != null, "teacher", problems);
        onlyFor(task, Task.GENERATE, r.getGeneration() != null, "generation", problems);
        if (r.getTopLogprobs() != null && (task == Task.CHOICE || task == Task.TEACHER || task == Task.CLASSIFY)) {
            problems.add("top_logprobs applies to SCORE and GENERATE; TEACHER uses teacher.top_k; CLASSIFY returns every label");
        }
        if (r.getLogprobsOf() != null) {
            if (task == Task.SCORE || task == Task.GENERATE) {
                checkTokenSelection(r.getLogprobsOf(), problems);
            } else {
                problems.add("logprobs_of applies to SCORE and GENERATE requests only, but task is " + task);
            }
        }
        switch (task) {
            case SCORE -> {
                if (r.getContinuation() != null && r.getContinuation().isEmpty()) {
                    problems.add("continuation is empty: leave it unset to score the input itself");
                }
            }
            case CHOICE -> checkChoices(r, problems);
            case TEACHER -> checkTeacher(r.getTeacher(), problems);
            case GENERATE -> checkGeneration(r.getGeneration(), problems);
            case CLASSIFY -> { } // input only: the worker checks that its model has a score head
        }
    }

    private static void onlyFor(Task task, Task owner, boolean present, String field, List<String> problems) {
        if (present && task != owner) {
            problems.add(field + " applies to " + owner + " requests only, but task is " + task);
        }
    }

    private static void checkChoices(PromptRequest r, List<String> problems) {
        List<String> choices = r.getChoices();
        if (choices == null || choices.isEmpty()) {
            problems.add("choices is required for CHOICE: list the candidate continuations");
            return;
        }
        if (choices.size() > MAX_CHOICES) {
            problems.add("at most " + MAX_CHOICES + " choices, got " + choices.size());
        }
        for (int i = 0; i < choices.size(); i++) {
            if (choices.get(i) == null || choices.get(i).isEmpty()) {
                problems.add("choices[" + i + "] is empty");
            }
        }
        Integer gold = r.getGoldIndex();
        if (gold != null && (gold < 0 || gold >= choices.size())) {
            problems.add("gold_index " + gold + " is outside the " + choices.size() + " choices");
        }
    }

    private static void checkTokenSelection(TokenSelection selection, List<String> problems) {
        List<Integer> ids = selection.getTokenIds() == null ? List.of() : selection.getTokenIds();
        List<String> tokens = selection.getTokens() == null ? List.of() : selection.getTokens();
        int total = ids.size() + tokens.size();
        if (total == 0) {
            problems.add("logprobs_of names no tokens: set token_ids or tokens");
        } else if (total > MAX_SELECTED_TOKENS) {
            problems.add("logprobs_of names " + total + " tokens, at most " + MAX_SELECTED_TOKENS
                    + " (use top_logprobs for a whole distribution)");
        }
        if (ids.stream().anyMatch(id -> id == null || id < 0)) {
            problems.add("logprobs_of.token_ids must be non-negative token ids");
        }
        if (tokens.stream().anyMatch(t -> t == null || t.isEmpty())) {
            problems.add("logprobs_of.tokens must not be empty strings");
        }
    }

    /** Routing names: checked here so a bad one is dead-lettered rather than hashed. */
    private static void checkAffinity(PromptRequest r, List<String> problems) {
        checkAffinityKey("session_id", r.getSessionId(), problems);
        checkAffinityKey("prefix_key", r.getPrefixKey(), problems);
        Integer chars = r.getPrefixRouteChars();
        if (chars != null && chars < 1) {
            problems.add("prefix_route_chars must be >= 1 (leave it unset for no prefix routing), got " + chars);
        }
    }

    private static void checkAffinityKey(String field, String value, List<String> problems) {
        if (value == null) {
            return;
        }
        if (value.isBlank()) {
            problems.add(field + " is blank: leave it unset or give it a name");
        } else if (value.length() > MAX_AFFINITY_KEY_LENGTH) {
            problems.add(field + " is longer than " + MAX_AFFINITY_KEY_LENGTH + " characters");
        }
    }

    private static void checkTeacher(TeacherParams t, List<String> problems) {
        if (t == null || t.getTopK() == null) {
            return;
        }
        if (t.getTopK() < 1 || t.getTopK() > MAX_TEACHER_TOP_K) {
            problems.add("teacher.top_k must be between 1 and " + MAX_TEACHER_TOP_K + ", got " + t.getTopK());
        }
    }

    private static void checkGeneration(GenerationParams g, List<String> problems) {
        if (g == null) {
            return;
        }
        if (g.getMaxNewTokens() != null && (g.getMaxNewTokens() < 1 || g.getMaxNewTokens() > MAX_NEW_TOKENS)) {
            problems.add("generation.max_new_tokens must be between 1 and " + MAX_NEW_TOKENS + ", got "
                    + g.getMaxNewTokens());
        }
        if (g.getTemperature() != null && !(g.getTemperature() > 0f)) {
            problems.add("generation.temperature must be > 0 (use do_sample=false for greedy decoding), got "
                    + g.getTemperature());
        }
        if (g.getTopK() != null && g.getTopK() < 0) {
            problems.add("generation.top_k must be >= 0 (0 disables it), got " + g.getTopK());
        }
        if (g.getTopP() != null && !(g.getTopP() > 0f && g.getTopP() <= 1f)) {
            problems.add("generation.top_p must be in (0, 1], got " + g.getTopP());
        }
        if (g.getRepetitionPenalty() != null && !(g.getRepetitionPenalty() > 0f)) {
            problems.add("generation.repetition_penalty must be > 0, got " + g.getRepetitionPenalty());
        }
        if (g.getNumBeams() != null && g.getNumBeams() < 1) {
            problems.add("generation.num_beams must be >= 1, got " + g.getNumBeams());
        }
        if (g.getStop() != null) {
            if (g.getStop().size() > MAX_STOP_STRINGS) {
                problems.add("generation.stop has more than " + MAX_STOP_STRINGS + " strings");
            }
            if (g.getStop().stream().anyMatch(s -> s == null || s.isEmpty())) {
                problems.add("generation.stop strings must not be empty");
            }
        }
    }
}
