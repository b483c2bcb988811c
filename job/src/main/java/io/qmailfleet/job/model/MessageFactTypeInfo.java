package io.qmailfleet.job.model;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The type of every {@link MessageFact} in the job: {@link MessageFactSerializer}. {@code MessageFact} names
 * it with Flink's {@code @TypeInfo} annotation ({@link Factory}), so
 * {@code TypeInformation.of(MessageFact.class)}, output tags, state descriptors and the types Flink
 * extracts from functions are all this type. It is not a POJO type: nothing selects its
 * fields by name (key it with a key selector).
 */
public final class MessageFactTypeInfo extends CompactTypeInfo<MessageFact> {
    private static final long serialVersionUID = 1L;

    public static final MessageFactTypeInfo INSTANCE = new MessageFactTypeInfo();

    /** Flink's type extraction asks this factory for the type of {@code MessageFact} (its {@code @TypeInfo}). */
    public static final class Factory extends TypeInfoFactory<MessageFact> {
        @Override
        public TypeInformation<MessageFact> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }

    private MessageFactTypeInfo() {
        super(MessageFact.class, MessageFactSerializer.INSTANCE);
    }
}
