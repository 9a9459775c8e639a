// The metav1.Status bodies of the API server's errors, worded as apimachinery's api/errors words
// them, and the ApiError the fake's server throws internally to answer with one.
import type { Status } from "@org/rest";

type Cause = { reason: string; message: string; field: string };

/** An error response of the fake server: the HTTP code is the Status's. */
export class ApiError extends Error {
  override name = "ApiError";
  readonly status: Status;
  constructor(status: Status) {
    super(status.message);
    this.status = status;
  }
}

/** "configmaps" or "deployments.apps": how the server names a group/resource in messages. */
export function qualified(group: string, resourceOrKind: string): string {
  return group === "" ? resourceOrKind : `${resourceOrKind}.${group}`;
}

function failure(code: number, reason: string, message: string, details?: Status["details"]): ApiError {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason };
  if (details !== undefined) s.details = details;
  s.code = code;
  return new ApiError(s);
}

function details(group: string, kind: string, name: string): NonNullable<Status["details"]> {
  const d: NonNullable<Status["details"]> = {};
  if (name !== "") d.name = name;
  if (group !== "") d.group = group;
  d.kind = kind;
  return d;
}

export function notFound(group: string, resource: string, name: string): ApiError {
  return failure(
    404,
    "NotFound",
    `${qualified(group, resource)} "${name}" not found`,
    details(group, resource, name),
  );
}

export function alreadyExists(group: string, resource: string, name: string): ApiError {
  return failure(
    409,
    "AlreadyExists",
    `${qualified(group, resource)} "${name}" already exists`,
    details(group, resource, name),
  );
}

export const optimisticLockMessage =
  "the object has been modified; please apply your changes to the latest version and try again";

export function conflict(group: string, resource: string, name: string, why: string): ApiError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualified(group, resource)} "${name}": ${why}`,
    details(group, resource, name),
  );
}

/** 409 Conflict of a server-side apply, with one FieldManagerConflict cause per field. */
export function applyConflict(conflicts: { manager: string; field: string }[]): ApiError {
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
  const n = conflicts.length;
  let message = `Apply failed with ${n} conflict${n === 1 ? "" : "s"}: `;
  const parts: string[] = [];
  for (const [manager, fields] of byManager) {
    if (n === 1) parts.push(`conflict with ${manager}: ${fields[0]}`);
    else parts.push(`conflicts with ${manager}:\n${fields.map((f) => `- ${f}`).join("\n")}`);
  }
  message += parts.join("\n");
  return failure(409, "Conflict", message, {
    causes: conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${c.manager}`,
      field: c.field,
    })),
  });
}

/** One cause of a 422: `field: message`, as field.Error renders it. */
export function invalidValue(field: string, value: unknown, detail: string): Cause {
  return {
    reason: "FieldValueInvalid",
    message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
    field,
  };
}
export function required(field: string, detail: string): Cause {
  return { reason: "FieldValueRequired", message: `Required value${detail ? `: ${detail}` : ""}`, field };
}
/** field.NotSupported: the value (JSON) and the supported ones, each quoted. */
export function notSupported(field: string, value: unknown, supported: string[]): Cause {
  return {
    reason: "FieldValueNotSupported",
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((v) => JSON.stringify(v)).join(", ")}`,
    field,
  };
}
/** field.TooLong as 1.36 words it (in bytes). */
export function tooLong(field: string, max: number): Cause {
  return { reason: "FieldValueTooLong", message: `Too long: may not be more than ${max} bytes`, field };
}
export function forbiddenField(field: string, detail: string): Cause {
  return { reason: "FieldValueForbidden", message: `Forbidden: ${detail}`, field };
}

export function invalid(group: string, kind: string, name: string, causes: Cause[]): ApiError {
  // As ErrorList.ToAggregate: the message names each distinct error once.
  const rendered = [...new Set(causes.map((c) => `${c.field}: ${c.message}`))];
  const msg = rendered.length === 1 ? rendered[0]! : `[${rendered.join(", ")}]`;
  return failure(422, "Invalid", `${qualified(group, kind)} "${name}" is invalid: ${msg}`, {
    ...details(group, kind, name),
    causes,
  });
}

export function forbidden(
  group: string,
  resource: string,
  name: string,
  why: string,
  cause?: Cause,
): ApiError {
  const d = details(group, resource, name);
  if (cause !== undefined) d.causes = [cause];
  return failure(403, "Forbidden", `${qualified(group, resource)} "${name}" is forbidden: ${why}`, d);
}

export function badRequest(message: string): ApiError {
  return failure(400, "BadRequest", message);
}

export function expired(message: string): ApiError {
  return failure(410, "Expired", message);
}

export function methodNotAllowed(): ApiError {
  return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

/** A path no route serves: go-restful's 404, which the server writes with empty details. */
export function pathNotFound(): ApiError {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

/** 415 for a patch content type the resource does not accept. */
export function unsupportedMediaType(): ApiError {
  return failure(415, "UnsupportedMediaType", "415: Unsupported Media Type", {});
}

export function tooLargeResourceVersion(): ApiError {
  return failure(504, "Timeout", "Too large resource version", {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });
}

/** A 500 without a reason, as the server sends for a create that carries a resourceVersion. */
export function internalPlain(message: string): ApiError {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, code: 500 };
  return new ApiError(s);
}

/** A JSON patch that cannot be applied: the server's generic 422. */
export function patchFailed(): ApiError {
  return failure(422, "Invalid", "the server rejected our request due to an error in our request", {});
}

export function internal(message: string): ApiError {
  return failure(500, "InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}
