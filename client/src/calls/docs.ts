// The operators' guide, bundled with the client so the app can link to it on any deployment.
import guide from "../../../docs/OPERATIONS.md?url";

export const operationsGuideUrl: string = `${guide}#meetings`;
