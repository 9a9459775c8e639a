// The ESM entry, with a top-level await as the tutorial has it: `node main.js <namespace>`.
import { controller, informers } from "./toolkit.js";
import { tutorial } from "./tutorial.js";

const result = await tutorial(process.argv[2] ?? "default");
const toolkit = Object.keys(informers).length > 0 && Object.keys(controller).length > 0;
console.log(JSON.stringify({ ...result, toolkit }));
