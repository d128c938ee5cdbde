package io.logitstream.worker.kafka;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What one polled batch produced; committed atomically with the offsets that consumed it. */
record BatchOutcome(List<ScoringResult> results, List<DeadLetter> deadLetters,
        Map<TopicPartition, OffsetAndMetadata> nextOffsets) {
}
