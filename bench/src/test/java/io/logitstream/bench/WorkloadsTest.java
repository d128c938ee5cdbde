package io.logitstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadsTest {
    @Test
    void aClassifierGetsTheScorePromptsClassifiedAndNoGeneration() {
        List<Workload> all = Workloads.create(7, Workloads.Reps.quick());
        List<Workload> cls = Workloads.forClassifier(all);

        assertThat(cls).extracting(Workload::name).containsExactly("classify b1", "classify b32");
        assertThat(cls).extracting(Workload::kind).containsOnly(Workload.Kind.CLASSIFY);
        // the same prompts, repetitions and warm-up as score b1 / score b32, so the rows compare
        assertThat(cls.get(1).seqs()).isSameAs(all.get(1).seqs());
        assertThat(cls.get(1).reps()).isEqualTo(all.get(1).reps());
        assertThat(cls.get(1).warmupSeqs()).isSameAs(all.get(1).warmupSeqs());
        assertThat(cls.get(1).countedTokens(32)).isEqualTo(all.get(1).promptTokens());
    }
}
