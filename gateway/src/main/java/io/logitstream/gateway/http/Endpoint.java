package io.logitstream.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * One route's handler. It answers either before returning or later, from another thread (then it
 * closes the exchange itself); an {@link io.logitstream.gateway.openai.ApiError} thrown before
 * answering becomes the error answer.
 */
interface Endpoint {

    void handle(HttpExchange exchange) throws IOException;
}
