// The informers and the controller toolkit load from their tarballs too (their .d.ts are checked with
// the rest under skipLibCheck: false).
export * as controller from "@org/controller";
export * as informers from "@org/informers";
