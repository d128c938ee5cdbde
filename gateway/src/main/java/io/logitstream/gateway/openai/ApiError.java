package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.contract.ErrorCodes;

/**
 * An answer that is an error, as OpenAI-compatible servers give it: an HTTP status and
 * {@code {"error": {"message", "type", "code"}}}. {@code code} is LogitStream's error code (the
 * contract's, or one of the gateway's own below), so a client can tell the causes apart.
 */
public final class ApiError extends RuntimeException {

    /** The gateway's own codes, besides the contract's ({@link ErrorCodes}). */
    public static final String TIMEOUT = "TIMEOUT";
    public static final String BROKER_UNAVAILABLE = "BROKER_UNAVAILABLE";
    public static final String TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS";
    public static final String NOT_FOUND = "NOT_FOUND";
    public static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    public static final String INTERNAL = "INTERNAL";

    private final int status;
    private final String type;
    private final String code;
    /** The request field at fault, as OpenAI names it ({@code messages[0].content[1].image_url.url}), or null. */
    private final String param;

    public ApiError(int status, String type, String code, String message) {
        this(status, type, code, message, null);
    }

    private ApiError(int status, String type, String code, String message, String param) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    /** A request the gateway itself refuses (not JSON, a field of the wrong type, an unsupported option). */
    public static ApiError invalid(String message) {
        return new ApiError(400, "invalid_request_error", ErrorCodes.INVALID_REQUEST, message);
    }

    /** {@link #invalid(String)} naming the field at fault in {@code param}; the message starts with it too. */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", ErrorCodes.INVALID_REQUEST, param + ": " + message, param);
    }

    public static ApiError unknownModel(String model) {
        return new ApiError(404, "invalid_request_error", ErrorCodes.UNKNOWN_MODEL, "The model '" + model
                + "' is not served here; GET /v1/models lists the served models");
    }

    public static ApiError timeout(long seconds) {
        return new ApiError(504, "timeout_error", TIMEOUT, "No answer within " + seconds + " s; the request may"
                + " still be computed (is a worker running for this model?)");
    }

    /**
     * The HTTP error for a contract error code, from an ERROR result or a dead letter: what the
     * requester got wrong is a 4xx (the message says what), what failed on the way a 5xx.
     */
    public static ApiError of(String code, String message) {
        return switch (code) {
            case ErrorCodes.INVALID_REQUEST, ErrorCodes.INVALID_INPUT, ErrorCodes.NO_CHAT_TEMPLATE,
                    ErrorCodes.UNSUPPORTED -> new ApiError(400, "invalid_request_error", code, message);
            case ErrorCodes.UNKNOWN_MODEL -> new ApiError(404, "invalid_request_error", code, message);
            case ErrorCodes.CONTEXT_LENGTH_EXCEEDED, ErrorCodes.RESULT_TOO_LARGE ->
                    new ApiError(413, "invalid_request_error", code, message);
            case ErrorCodes.DUPLICATE -> new ApiError(409, "invalid_request_error", code, message);
            default -> new ApiError(500, "server_error", code, message); // ENGINE_ERROR, UNDECODABLE, ...
        };
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}, param null unless one field is at fault. */
    public ObjectNode toJson() {
        ObjectNode body = Json.object();
        ObjectNode error = body.putObject("error");
        error.put("message", getMessage());
        error.put("type", type);
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        error.put("code", code);
        return body;
    }
}
