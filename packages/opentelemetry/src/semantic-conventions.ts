/**
 * The OpenTelemetry messaging semantic-convention names this package emits
 * (semantic conventions 1.27 and later), written out rather than taken from
 * `@opentelemetry/semantic-conventions`, whose messaging names exist only in its
 * unstable entry point.
 */
export const ATTR_MESSAGING_SYSTEM = "messaging.system";
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const ATTR_MESSAGING_MESSAGE_ID = "messaging.message.id";
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = "messaging.batch.message_count";
export const ATTR_ERROR_TYPE = "error.type";

export const METRIC_SENT_MESSAGES = "messaging.client.sent.messages";
export const METRIC_CONSUMED_MESSAGES = "messaging.client.consumed.messages";
export const METRIC_OPERATION_DURATION = "messaging.client.operation.duration";
export const METRIC_PROCESS_DURATION = "messaging.process.duration";

/** The bucket boundaries (seconds) the conventions advise for both duration histograms. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Troupe's own attributes, beside the conventions'. */
export const ATTR_TROUPE_ACTOR = "troupe.actor";
export const ATTR_TROUPE_RETRIES = "troupe.retries";
export const ATTR_TROUPE_OUTCOME = "troupe.outcome";
/** On a link of a process span: `previous_attempt` marks the attempt this retry follows. */
export const ATTR_TROUPE_LINK = "troupe.link";
