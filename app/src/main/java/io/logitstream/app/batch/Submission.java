package io.logitstream.app.batch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.app.BrokerReachability;
import io.logitstream.app.KafkaEndpoint;
import io.logitstream.app.runs.TopicReader;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InterruptException;

/**
 * One submit of a batch file: index the file, resume from its state file, follow the answers,
 * send the requests not yet acknowledged, wait for every answer, write the results in input order.
 * Stopped ({@link #stop} or an interrupt), it stops sending, waits for the broker to acknowledge
 * what is in flight, saves its state and returns {@link #STOPPED}; run again, it goes on from there.
 */
public final class Submission {

    /** Exit statuses. */
    public static final int ALL_OK = 0;
    public static final int INCOMPLETE = 1;
    public static final int SOME_ERRORS = 2;
    public static final int STOPPED = 130;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    private static final long TICK_MS = 250;
    private static final int MAX_PROBLEMS_SHOWN = 20;

    /**
     * @param model      the model of lines that name none (may be null)
     * @param awaitAnswers false: only send (and report the send rate)
     * @param idleLimit  give up waiting when no answer came for this long
     * @param maxRate    requests per second at most (0: as fast as the broker takes them)
     */
    public record Options(Path input, String run, String model, Path out, boolean awaitAnswers, Duration idleLimit,
            double maxRate) {
    }

    private final KafkaEndpoint endpoint;
    private final Topics topics;
    private final Options options;
    private final PrintStream stdout;
    private final ProgressPrinter progress;
    private final StopSignal stop = new StopSignal();
    private volatile Exception fatalSendError;

    public Submission(KafkaEndpoint endpoint, Topics topics, Options options, PrintStream stdout, PrintStream stderr) {
        this.endpoint = endpoint;
        this.topics = topics;
        this.options = options;
        this.stdout = stdout;
        this.progress = new ProgressPrinter(stderr);
    }

    /** The default results file: {@code RUN.results.jsonl} beside the input. */
    public static Path defaultOut(Path input, String run) {
        return input.toAbsolutePath().resolveSibling(run + ".results.jsonl");
    }

    /** Asks a running {@link #run} to stop sending, save its state and return. */
    public void stop() {
        stop.request();
    }

    public int run() throws IOException {
        RequestLineParser parser = new RequestLineParser(options.run(), options.model());
        BatchIndex index = BatchIndex.scan(options.input(), parser);
        SubmitState state = SubmitState.loadOrCreate(SubmitState.fileFor(options.out(), options.run()),
                options.run(), options.input(), index.lines());
        RunCounters counters = new RunCounters(index.requests() + index.problems().size(), index.requests());
        counters.sent.set(state.ackedCount());
        reportProblems(index, counters);
        ProgressMeter meter = new ProgressMeter(options.run(), System::currentTimeMillis);
        Path spoolFile = options.out().toAbsolutePath().resolveSibling("." + options.run() + ".results.spool");
        BrokerReachability.await(endpoint.bootstrapServers(), CONNECT_TIMEOUT);
        try (ResultSpool spool = new ResultSpool(spoolFile, index.lines())) {
            AnswerCollector collector = options.awaitAnswers() ? new AnswerCollector(
                    new TopicReader(endpoint, List.of(topics.results(), topics.deadLetters()), CONNECT_TIMEOUT,
                            "logitstream-submit-collect"),
                    topics, new RestSchemaRegistryClient(endpoint.registryUrl()), options.run(),
                    index.lineByRequestId(), spool, counters).start() : null;
            try {
                long started = System.nanoTime();
                int sentHere = send(parser, index, state, counters, spool, meter);
                double seconds = (System.nanoTime() - started) / 1e9;
                state.save();
                if (fatalSendError != null) {
                    throw new IllegalStateException("sending stopped at " + state.ackedCount() + " of "
                            + index.requests() + " requests: " + fatalSendError.getMessage()
                            + "; run the same command again to send the rest", fatalSendError);
                }
                if (stopped()) {
                    progress.finish(meter.line(counters));
                    progress.message("stopped; " + state.ackedCount() + " of " + index.requests() + " requests are"
                            + " on the broker (state in " + state.file() + "); run the same command again to go on");
                    return STOPPED;
                }
                if (!options.awaitAnswers()) {
                    summary(counters, sentHere, seconds, null);
                    return ALL_OK;
                }
                AnswerWait.Outcome waited = AnswerWait.await(counters, collector, meter, progress,
                        options.idleLimit(), stop);
                if (waited == AnswerWait.Outcome.STOPPED) {
                    progress.message("stopped while waiting; run the same command again to collect the answers");
                    return STOPPED;
                }
                boolean complete = waited == AnswerWait.Outcome.COMPLETE;
                if (!complete) {
                    progress.message("no answer for " + options.idleLimit().toSeconds() + " s: the missing ones"
                            + " are written as " + AnswerLines.NO_RESULT + " (is a worker serving the model?)");
                }
                writeResults(index, spool);
                state.collected(spool.count());
                state.complete(complete);
                state.save();
                summary(counters, sentHere, seconds, options.out());
                return !complete ? INCOMPLETE : counters.errors() > 0 ? SOME_ERRORS : ALL_OK;
            } finally {
                if (collector != null) {
                    closeQuietly(collector);
                }
            }
        }
    }

    /** Lines that are not requests are answered at once, with an error line; the first few are shown. */
    private void reportProblems(BatchIndex index, RunCounters counters) {
        int shown = 0;
        for (Map.Entry<Integer, String> problem : index.problems().entrySet()) {
            counters.answered(false);
            if (shown++ < MAX_PROBLEMS_SHOWN) {
                progress.message("line " + problem.getKey() + ": " + problem.getValue());
            }
        }
        if (shown > MAX_PROBLEMS_SHOWN) {
            progress.message("... and " + (shown - MAX_PROBLEMS_SHOWN) + " more lines that are not requests"
                    + " (each has an " + AnswerLines.INVALID_LINE + " line in the results)");
        }
    }

    private int send(RequestLineParser parser, BatchIndex index, SubmitState state, RunCounters counters,
            ResultSpool spool, ProgressMeter meter) throws IOException {
        int sentHere = 0;
        long started = System.nanoTime();
        long nextTick = 0;
        try (BatchProducer producer = new BatchProducer(endpoint, topics.prompts(), CONNECT_TIMEOUT);
                BufferedReader reader = BatchIndex.open(options.input())) {
            int line = 0;
            for (String text = reader.readLine(); text != null && !stopped(); text = reader.readLine()) {
                line++;
                if (!index.isRequest(line) || state.isAcked(line)) {
                    continue;
                }
                if (!pace(started, sentHere)) {
                    break;
                }
                RequestLineParser.ParsedLine parsed = parser.parse(line, text);
                int sentLine = line;
                try {
                    producer.send(parsed.request(), (meta, error) -> acknowledged(sentLine,
                            parsed.request().getRequestId(), error, state, counters, spool));
                } catch (InterruptException e) {
                    stop.request(); // interrupted while waiting for buffer space: not sent
                    break;
                }
                sentHere++;
                if (System.nanoTime() >= nextTick) {
                    nextTick = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TICK_MS);
                    progress.tick(meter.line(counters));
                    state.save();
                }
            }
            if (Thread.interrupted()) { // clear it: flushing what is in flight must not be cut short
                stop.request();
            }
            producer.flush();
        }
        return sentHere;
    }

    /** Waits until request {@code count} of this session is due under --max-rate; false when stopped meanwhile. */
    private boolean pace(long startedNanos, int count) {
        if (options.maxRate() <= 0) {
            return true;
        }
        long due = startedNanos + (long) (count * 1e9 / options.maxRate());
        try {
            while (!stopped() && System.nanoTime() < due) {
                TimeUnit.NANOSECONDS.sleep(Math.min(due - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(50)));
            }
        } catch (InterruptedException e) {
            stop.request();
        }
        return !stopped();
    }

    private void acknowledged(int line, String requestId, Exception error, SubmitState state, RunCounters counters,
            ResultSpool spool) {
        if (error == null) {
            state.acked(line);
            counters.acknowledged();
        } else if (BatchProducer.isRecordError(error)) {
            progress.message("line " + line + ": the broker refused the request: " + error.getMessage());
            try {
                if (spool.put(line, AnswerLines.sendFailed(line, requestId, error.getMessage()))) {
                    counters.answered(false);
                }
            } catch (IOException e) {
                fatalSendError = e;
            }
        } else if (fatalSendError == null) {
            fatalSendError = error;
        }
    }

    private void writeResults(BatchIndex index, ResultSpool spool) throws IOException {
        Map<Integer, String> missingIds = new HashMap<>();
        index.lineByRequestId().forEach((id, line) -> {
            if (!spool.has(line)) {
                missingIds.put(line, id);
            }
        });
        spool.writeInOrder(options.out(), line -> {
            if (index.isBlank(line)) {
                return null;
            }
            String problem = index.problem(line);
            if (problem != null) {
                return AnswerLines.invalidLine(line, problem);
            }
            return AnswerLines.unanswered(line, missingIds.get(line), "no answer within "
                    + options.idleLimit().toSeconds() + " s of the last one; submit again to go on waiting");
        });
    }

    private void summary(RunCounters counters, int sentHere, double seconds, Path out) {
        ObjectNode line = JsonNodeFactory.instance.objectNode();
        line.put("run", options.run());
        line.put("requests", counters.toSend);
        line.put("sent_now", sentHere);
        line.put("send_seconds", Math.round(seconds * 1000) / 1000.0);
        line.put("send_rate_per_s", seconds > 0 ? Math.round(sentHere / seconds) : 0);
        if (out != null) {
            line.put("answered", counters.done());
            line.put("errors", counters.errors());
            line.put("duplicate_notices", counters.duplicateNotices());
            line.put("results", out.toAbsolutePath().toString());
        }
        progress.message(String.format(Locale.ROOT, "%s: sent %d requests in %.2f s (%.0f/s)%s", options.run(),
                sentHere, seconds, seconds > 0 ? sentHere / seconds : 0.0,
                out == null ? "" : "; " + counters.done() + " answered, " + counters.errors() + " errors -> " + out));
        stdout.println(line);
        stdout.flush();
    }

    private boolean stopped() {
        return stop.isSet() || fatalSendError != null;
    }

    private static void closeQuietly(AnswerCollector collector) {
        try {
            collector.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
