// apimachinery's util/validation checks that clients need, with the API server's messages: names of
// objects (DNS-1123 subdomains and labels), label keys (qualified names) and label values. Each
// returns what is wrong, as apimachinery's do: an empty list when the value is valid.

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** The server's message for a value that is no DNS-1123 subdomain. */
export const dns1123SubdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
/** The server's message for a value that is no DNS-1123 label. */
export const dns1123LabelMessage =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/** The server's message for a value that is no DNS-1035 label. */
const dns1035LabelMessage =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
/** What the name part of a qualified name (a label key without its prefix) must be. */
export const qualifiedNamePartMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
/** The server's message for a value that is no label value. */
export const labelValueMessage =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** A DNS-1123 subdomain of at most 253 characters: most objects' names (apimachinery's IsDNS1123Subdomain). */
export function isDNS1123Subdomain(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push("must be no more than 253 characters");
  if (!subdomain.test(value)) out.push(dns1123SubdomainMessage);
  return out;
}

/** A DNS-1123 label of at most 63 characters: names of namespaces and services (IsDNS1123Label). */
export function isDNS1123Label(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push("must be no more than 63 characters");
  if (!label.test(value)) out.push(dns1123LabelMessage);
  return out;
}

/** A DNS-1035 label of at most 63 characters, a letter first: a CRD's plural and singular (IsDNS1035Label). */
export function isDNS1035Label(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push("must be no more than 63 characters");
  if (!dns1035.test(value)) out.push(dns1035LabelMessage);
  return out;
}

const utf8 = new TextEncoder();
/** Lengths as Go's len() counts them: UTF-8 bytes. */
const bytes = (s: string) => utf8.encode(s).length;

/**
 * A label or annotation key: an optional DNS subdomain prefix and '/', then a name part
 * (IsQualifiedName). 1.36 words these lengths in bytes, where a name's are in characters.
 */
export function isQualifiedName(value: string): string[] {
  const parts = value.split("/");
  if (parts.length > 2)
    return [
      `a valid label key ${qualifiedNamePartMessage} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  const out: string[] = [];
  const name = parts[parts.length - 1]!;
  if (parts.length === 2) {
    const p = parts[0]!;
    if (p === "") out.push("prefix part must be non-empty");
    else {
      if (bytes(p) > 253) out.push("prefix part must be no more than 253 bytes");
      if (!subdomain.test(p)) out.push(`prefix part ${dns1123SubdomainMessage}`);
    }
  }
  if (name === "") out.push("name part must be non-empty");
  else if (bytes(name) > 63) out.push("name part must be no more than 63 bytes");
  if (!qualifiedNamePart.test(name)) out.push(`name part ${qualifiedNamePartMessage}`);
  return out;
}

/** A label value: empty, or at most 63 bytes of the name-part alphabet (IsValidLabelValue). */
export function isValidLabelValue(value: string): string[] {
  const out: string[] = [];
  if (bytes(value) > 63) out.push("must be no more than 63 bytes");
  if (!labelValue.test(value)) out.push(labelValueMessage);
  return out;
}
