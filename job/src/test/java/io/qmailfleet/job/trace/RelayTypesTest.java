package io.qmailfleet.job.trace;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.qmailfleet.job.model.RelayRef;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

/**
 * The relay trace's stream and state types are Flink POJOs whose serializers build without Kryo;
 * the relay linker's inputs and state ({@link RelayOffer}, {@link RelayReception}) have hand-written
 * serializers instead, named by their classes' {@code @TypeInfo}.
 */
class RelayTypesTest {
    @Test
    void everyRelayTypeIsAPojoWithoutGenericFields() {
        SerializerConfigImpl noKryo = new SerializerConfigImpl();
        noKryo.setGenericTypes(false);
        for (Class<?> c : List.of(RelayRef.class, RelayHop.class, RelayMatch.class)) {
            TypeInformation<?> info = TypeInformation.of(c);
            assertInstanceOf(PojoTypeInfo.class, info, c.getName());
            assertNotNull(info.createSerializer(noKryo), c.getName());
        }
        assertInstanceOf(RelaySideSerializers.OfferType.class, TypeInformation.of(RelayOffer.class));
        assertInstanceOf(RelaySideSerializers.ReceptionType.class, TypeInformation.of(RelayReception.class));
        assertNotNull(TypeInformation.of(RelayOffer.class).createSerializer(noKryo));
        assertNotNull(TypeInformation.of(RelayReception.class).createSerializer(noKryo));
    }
}
