// @org/controller/leaderelection: client-go's tools/leaderelection on coordination.k8s.io/v1 Leases.
export {
  type LeaderCallbacks,
  type LeaderElectionConfig,
  LeaderElectionConfigError,
  LeaderElector,
  LeadershipLostError,
  runOrDie,
} from "./leaderelection.js";
export {
  type LeaderElectionRecord,
  LeaseLock,
  type LeaseLockOptions,
  microTime,
  type ResourceLock,
} from "./leaselock.js";
