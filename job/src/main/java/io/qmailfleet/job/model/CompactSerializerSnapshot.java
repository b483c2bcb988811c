package io.qmailfleet.job.model;

import java.util.function.Supplier;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;

/**
 * The snapshot of a hand-written serializer without configuration. State written with Flink's POJO
 * serializer of the same class (before the class had its own serializer) is migrated on restore:
 * read with the POJO serializer, written again with this one. A subclass needs a public no-argument
 * constructor (Flink creates snapshots by their class name).
 */
public abstract class CompactSerializerSnapshot<T> extends SimpleTypeSerializerSnapshot<T> {
    private final Class<T> type;

    protected CompactSerializerSnapshot(Supplier<? extends TypeSerializer<T>> serializer, Class<T> type) {
        super(serializer);
        this.type = type;
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> oldSnapshot) {
        if (oldSnapshot instanceof PojoSerializerSnapshot && type.isInstance(oldSnapshot.restoreSerializer().createInstance())) {
            return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
        }
        return super.resolveSchemaCompatibility(oldSnapshot);
    }
}
