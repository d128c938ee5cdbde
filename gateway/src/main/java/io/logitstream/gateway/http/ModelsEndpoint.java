package io.logitstream.gateway.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.logitstream.gateway.kafka.ServedModels;
import io.logitstream.gateway.openai.ApiError;
import io.logitstream.gateway.openai.Json;
import java.io.IOException;
import java.util.List;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: the served model pools. */
final class ModelsEndpoint implements Endpoint {

    static final String PATH = "/v1/models";

    private final ServedModels models;

    ModelsEndpoint(ServedModels models) {
        this.models = models;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        List<String> served = models.list().orElseThrow(() -> new ApiError(503, "server_error",
                ApiError.BROKER_UNAVAILABLE, "Cannot list the served models: the broker does not answer"));
        String path = exchange.getRequestURI().getPath();
        if (path.length() > PATH.length() + 1) {
            String id = path.substring(PATH.length() + 1);
            if (!served.contains(id)) {
                throw ApiError.unknownModel(id);
            }
            Replies.json(exchange, 200, model(id));
            return;
        }
        ObjectNode list = Json.object();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        served.forEach(id -> data.add(model(id)));
        Replies.json(exchange, 200, list);
    }

    private static ObjectNode model(String id) {
        ObjectNode model = Json.object();
        model.put("id", id);
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", "logitstream");
        model.put("root", id);
        return model;
    }
}
