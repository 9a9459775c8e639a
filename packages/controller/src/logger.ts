// The log sink of the toolkit (client-go logs through klog): leader election, the event broadcaster
// and the Controller runner report what they do here. The default writes klog-like lines to stderr.

/** Where the toolkit logs. `fields` are structured key/values (klog's InfoS/ErrorS). */
export interface Logger {
  /** What happened (acquired a lease, started workers ...). */
  info(message: string, fields?: Record<string, unknown>): void;
  /** What failed; `fields.err` holds the error when there is one. */
  error(message: string, fields?: Record<string, unknown>): void;
}

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  let s = `${level}${new Date().toISOString()} ${message}`;
  for (const [k, v] of Object.entries(fields ?? {})) {
    s += ` ${k}=${typeof v === "string" ? JSON.stringify(v) : v instanceof Error ? JSON.stringify(v.message) : JSON.stringify(v)}`;
  }
  return `${s}\n`;
}

/** A logger writing `I<time> message key="value"` (and `E...` for errors) lines to `out`. */
export function textLogger(out: { write(text: string): unknown }): Logger {
  return {
    info: (message, fields) => out.write(line("I", message, fields)),
    error: (message, fields) => out.write(line("E", message, fields)),
  };
}

/** The default: textLogger(process.stderr). */
export const stderrLogger: Logger = textLogger(process.stderr);

/** Logs nothing. */
export const discardLogger: Logger = { info() {}, error() {} };
