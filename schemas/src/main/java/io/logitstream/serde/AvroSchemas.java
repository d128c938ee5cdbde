package io.logitstream.serde;

import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

final class AvroSchemas {

    private AvroSchemas() {
    }

    static Schema of(Class<? extends SpecificRecord> type) {
        return SpecificData.get().getSchema(type);
    }

    static boolean sameRecordName(Schema writer, Schema reader) {
        return writer.getType() == Schema.Type.RECORD && writer.getFullName().equals(reader.getFullName());
    }
}
