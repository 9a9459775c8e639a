// An entry for a CommonJS bundle (esbuild --format=cjs): CommonJS has no top-level await, so the
// program calls an async function instead.
import { tutorial } from "./tutorial.js";

tutorial(process.argv[2] ?? "default").then(
  (r) => console.log(JSON.stringify(r)),
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
