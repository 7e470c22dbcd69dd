import { MiddlewareError } from "@troupe/core";

/** The metrics exposition server could not start (the port is taken, the host is not local...). */
export class MetricsServerError extends MiddlewareError {}
