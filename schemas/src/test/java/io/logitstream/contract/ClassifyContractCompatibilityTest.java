package io.logitstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoringResult;
import java.io.IOException;
import java.io.InputStream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * The CLASSIFY task and the classification output are BACKWARD-compatible additions, the registry's
 * rule for these subjects: the current schemas read every record written with the schemas just
 * before them (kept under src/test/resources/contract-before-classify).
 */
class ClassifyContractCompatibilityTest {

    @Test
    void currentSchemasReadRecordsWrittenBeforeClassify() throws IOException {
        Schema.Parser parser = new Schema.Parser();
        for (String common : new String[] {"Task", "ErrorInfo", "TopLogprobs"}) {
            parse(parser, common);
        }
        Schema oldRequest = parse(parser, "PromptRequest");
        Schema oldResult = parse(parser, "ScoringResult");
        Schema oldSummary = parse(parser, "RunSummary");

        assertBackward(PromptRequest.getClassSchema(), oldRequest);
        assertBackward(ScoringResult.getClassSchema(), oldResult);
        assertBackward(RunSummary.getClassSchema(), oldSummary);
        assertThat(ScoringResult.getClassSchema().getField("classification").defaultVal())
                .isEqualTo(org.apache.avro.JsonProperties.NULL_VALUE);
    }

    private static void assertBackward(Schema reader, Schema writer) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertThat(result.getType()).as("%s: %s", reader.getName(), result.getDescription())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static Schema parse(Schema.Parser parser, String name) throws IOException {
        try (InputStream in = ClassifyContractCompatibilityTest.class
                .getResourceAsStream("/contract-before-classify/" + name + ".avsc")) {
            return parser.parse(in);
        }
    }
}
