// @org/controller/events: client-go's tools/events (events.k8s.io/v1).
export {
  EventBroadcaster,
  type EventBroadcasterOptions,
  type EventObject,
  type EventRecorder,
  EventTypeNormal,
  EventTypeWarning,
  getReference,
  newBroadcaster,
} from "./events.js";
