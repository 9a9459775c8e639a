// The log sink of the toolkit (client-go logs through klog): leader election, the event broadcaster
// and the Controller runner report what they do here. The default writes klog-like lines to stderr.

/** Where the toolkit logs. `fields` are structured key/values (klog's InfoS/ErrorS). */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function line(level: string, message: string, fields?: Record<string, unknown>): string {
  let s = `${level}${new Date().toISOString()} ${message}`;
  for (const [k, v] of Object.entries(fields ?? {})) {
    s += ` ${k}=${typeof v === "string" ? JSON.stringify(v) : v instanceof Error ? JSON.stringify(v.message) : JSON.stringify(v)}`;
  }
  return `${s}\n`;
}

/** Writes `I<time> message key="value"` (and `E...` for errors) lines to stderr. */
export const stderrLogger: Logger = {
  info: (message, fields) => process.stderr.write(line("I", message, fields)),
  error: (message, fields) => process.stderr.write(line("E", message, fields)),
};

/** Logs nothing. */
export const discardLogger: Logger = { info() {}, error() {} };
