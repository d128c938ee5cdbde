package io.logitstream.topology.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Asks another instance of the application for what its stores hold ({@code ?local=true}, so it
 * answers from its own stores and never forwards again).
 */
public class PeerClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** {@code pathAndQuery} already encoded, starting with '/'. */
    public QueryAnswer get(HostInfo peer, String pathAndQuery) {
        URI uri = URI.create("http://" + peer.host() + ":" + peer.port() + pathAndQuery);
        try {
            HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new QueryAnswer(response.statusCode(), JSON.readTree(response.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable(uri, e);
        } catch (IOException | RuntimeException e) {
            return unreachable(uri, e);
        }
    }

    private static QueryAnswer unreachable(URI uri, Exception e) {
        return QueryAnswer.error(502, QueryAnswer.PEER_UNREACHABLE, "The instance that holds it, " + uri.getHost() + ":"
                + uri.getPort() + ", did not answer (" + e + "); is its " + RunSettings.ADVERTISED_HOST_KEY
                + " reachable from here?");
    }
}
