// The example programs are the product of this package (src/*.ts, run with node); these are the
// helpers they share, exported for the tests and for anyone who wants the tutorial's output format.
export { parseDuration } from "./lib/cli.js";
export { fields, formatMap, podTable, prettyPrint, table } from "./lib/format.js";
