// Ready-made transforms (client-go's TransformFunc): run on every object before it is stored.

/**
 * Drops metadata.managedFields (server-side apply bookkeeping, often a third of an object's size and
 * rarely read by controllers). Changes the object in place and returns it.
 */
export function dropManagedFields<T>(obj: T): T {
  const meta = (obj as { metadata?: { managedFields?: unknown } } | null)?.metadata;
  if (meta !== undefined && meta !== null && "managedFields" in meta) delete meta.managedFields;
  return obj;
}
