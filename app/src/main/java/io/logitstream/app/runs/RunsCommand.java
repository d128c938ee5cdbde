package io.logitstream.app.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code logitstream runs [RUN]}: the topology's run summaries, read over its HTTP queries. */
@Command(name = "runs", mixinStandardHelpOptions = true,
        description = {"Print the run summaries the topology keeps (GET /runs of its query server, or of the"
                + " gateway): a table of every run, or with RUN that run's full summary.",
            "Exit status: 0 printed, 1 no such run or the server did not answer."})
public final class RunsCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN", description = "A run id: print its whole summary.")
    String run;

    @Option(names = "--url", defaultValue = "${env:LOGITSTREAM_RUNS_URL:-http://localhost:8091}",
            description = "The topology's query server, or the gateway (env LOGITSTREAM_RUNS_URL; default"
                    + " ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--json", description = "Print the JSON as the server answers it.")
    boolean json;

    @Option(names = "--timeout", defaultValue = "15", description = "Seconds to wait for the answer (default"
            + " ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() {
        PrintStream out = System.out;
        String path = run == null ? "/runs" : "/runs/" + URLEncoder.encode(run, StandardCharsets.UTF_8)
                .replace("+", "%20");
        JsonNode answer;
        try {
            answer = get(path);
        } catch (IOException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        if (json) {
            out.println(answer.toPrettyString());
        } else if (run == null) {
            RunsTable.printList(answer.path("runs"), out);
        } else {
            RunsTable.printRun(answer, out);
        }
        return 0;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        URI target = URI.create(url.toString().replaceAll("/+$", "") + path);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> response;
        try {
            response = client.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(timeoutSeconds)).GET()
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException("cannot reach " + target + " (" + e + "); is the topology running? Its query"
                    + " server is logitstream.topology.http.port (8091); --url or LOGITSTREAM_RUNS_URL point elsewhere", e);
        }
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.statusCode() + " from " + target + ": "
                    + body.path("error").path("message").asText(response.body()));
        }
        return body;
    }
}
