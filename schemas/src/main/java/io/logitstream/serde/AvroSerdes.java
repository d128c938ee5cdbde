package io.logitstream.serde;

import io.logitstream.registry.SchemaRegistryClient;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Serdes for the contract's records, sharing one registry client (and so one cache). */
public final class AvroSerdes {

    private AvroSerdes() {
    }

    public static <T extends SpecificRecord> Serde<T> of(Class<T> type, SchemaRegistryClient registry) {
        return Serdes.serdeFrom(new AvroSerializer<>(type, registry), new AvroDeserializer<>(type, registry));
    }
}
