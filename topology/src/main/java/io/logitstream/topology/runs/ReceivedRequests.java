package io.logitstream.topology.runs;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoringResult;
import io.logitstream.topology.route.Inspection;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Counts the requests of each run as the routing decides about them: a routed request or one
 * answered with an error result (unknown model) is one request of its run. A duplicate is not (its
 * original was counted), nor is a dead-lettered record (undecodable: no run to count it in; invalid:
 * its dead letter is its answer, and a run's answers are read from the results topic).
 */
public final class ReceivedRequests implements Processor<byte[], Inspection, String, RunSummary> {

    private ProcessorContext<String, RunSummary> context;

    @Override
    public void init(ProcessorContext<String, RunSummary> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], Inspection> record) {
        String runId = runOf(record.value());
        if (runId != null && !runId.isEmpty()) {
            context.forward(new Record<>(runId, RunContribution.received(runId, record.timestamp()),
                    record.timestamp()));
        }
    }

    private static String runOf(Inspection inspection) {
        if (inspection instanceof Inspection.Accepted accepted) {
            return accepted.request().getRunId();
        }
        if (inspection instanceof Inspection.Answered answered) {
            ScoringResult result = answered.result();
            boolean duplicate = result.getError() != null && ErrorCodes.DUPLICATE.equals(result.getError().getCode());
            return duplicate ? null : result.getRunId();
        }
        return null;
    }
}
