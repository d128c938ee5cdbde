package io.logitstream.app;

import io.logitstream.gateway.Gateway;
import io.logitstream.gateway.GatewaySettings;
import io.logitstream.worker.cli.KafkaOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Serves the OpenAI-compatible HTTP API over the cluster's topics until Ctrl-C. */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = {"OpenAI-compatible HTTP gateway (like vLLM's server): POST /v1/completions,"
                + " POST /v1/chat/completions (streaming too), GET /v1/models; each HTTP request becomes"
                + " PromptRequests on llm.prompts, answered from llm.results, llm.dlq and llm.tokens.",
            "Also GET /runs, /runs/{id}, /results/{request_id} (from the topology) and the runs page, /runs-ui."})
public final class GatewayCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--port", description = "Port to listen on (default " + GatewaySettings.DEFAULT_PORT
            + ", or logitstream.gateway.port in --config).")
    Integer port;

    @Option(names = "--host", description = "Address to listen on (default 0.0.0.0: every interface).")
    String host;

    @Option(names = "--models", split = ",", description = "Models requests may name and /v1/models lists (default:"
            + " every model with a request topic, the pools the topology routes to).")
    List<String> models;

    @Option(names = "--timeout", description = "Seconds an HTTP request waits for its answer before a 504 (default "
            + "120).")
    Long timeoutSeconds;

    @Option(names = "--topology-url", description = "The topology's query server, which GET /runs, /runs/{id} and"
            + " /results/{request_id} are passed on to (default " + GatewaySettings.DEFAULT_TOPOLOGY_URL + ", or "
            + GatewaySettings.TOPOLOGY_URL_KEY + " in --config).")
    URI topologyUrl;

    @Override
    public Integer call() throws Exception {
        GatewaySettings settings = settings();
        BrokerReachability.await(settings.bootstrapServers(), Duration.ofSeconds(30));
        Gateway gateway = Gateway.start(settings);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stop.countDown();
        }, "gateway-shutdown"));
        System.out.println("OpenAI-compatible gateway on " + gateway.url() + ", runs page on "
                + gateway.url().resolve("/runs-ui") + ", Prometheus metrics on " + gateway.metricsUrl()
                + " (Ctrl-C stops it)");
        stop.await();
        return 0;
    }

    /** The settings of the flags, over those of --config / the environment. */
    GatewaySettings settings() {
        GatewaySettings settings = GatewaySettings.from(kafka.settings());
        settings = settings.withListen(host != null ? host : settings.host(), port != null ? port : settings.port());
        if (models != null) {
            settings = settings.withModels(models);
        }
        if (timeoutSeconds != null) {
            settings = settings.withRequestTimeout(Duration.ofSeconds(timeoutSeconds));
        }
        if (topologyUrl != null) {
            settings = settings.withTopologyUrl(topologyUrl);
        }
        return settings;
    }
}
