/**
 * The name an error is reported by, in logs, `onFailure` payloads and stored
 * failures (which Dramatiq reads as the exception type). A subclass that does
 * not set `name` still says `"Error"`, so its constructor's name is used then:
 * `class PaymentDeclined extends Error {}` reports as `PaymentDeclined`.
 * A thrown non-error reports its `typeof`.
 */
export function errorTypeName(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  if (error.name && error.name !== "Error") return error.name;
  return error.constructor?.name || error.name || "Error";
}
