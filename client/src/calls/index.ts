// Public surface of the calls folder: what the app shell mounts.
export { CallButtons } from "./CallButtons";
export { CallLayer } from "./CallLayer";
export { CallsProvider, useCallsState } from "./CallsProvider";
export type { ApiFetch, CallsDeps, CallsSocket } from "./deps";
export type { Lang } from "./i18n";
export { MeetingBanner } from "./MeetingBanner";
export { MeetingButton } from "./MeetingButton";
