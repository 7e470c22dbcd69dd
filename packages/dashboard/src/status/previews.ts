import { errorTypeName } from "@troupe/core";
import { ARGS_PREVIEW_LENGTH, type StatusError } from "./status-store.js";

const MAX_TRACEBACK = 8_192;

/**
 * JSON text of `value`, cut at `limit` characters (then ending in `…`). The message is
 * JSON already (the broker encodes it whole), so encoding its arguments once more is
 * of the same order and simpler than a bounded encoder.
 */
export function previewJson(value: unknown, limit = ARGS_PREVIEW_LENGTH): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

/** The options a record keeps, as JSON text: every wire option but `traceback`, a value over the preview length as its cut JSON text. */
export function optionsPreview(options: Record<string, unknown>): string {
  if (!("traceback" in options)) {
    // The common case: small options, taken whole.
    const text = JSON.stringify(options);
    if (text.length <= ARGS_PREVIEW_LENGTH) return text;
  }
  const preview: Record<string, unknown> = {};
  for (const key in options) {
    if (key === "traceback" || options[key] === undefined) continue;
    const text = JSON.stringify(options[key]);
    preview[key] = text.length > ARGS_PREVIEW_LENGTH ? previewJson(options[key]) : options[key];
  }
  return JSON.stringify(preview);
}

/** The error of a run as a record holds it; `traceback` is the one `Retries` stored on the message, when it did. */
export function statusError(error: unknown, traceback?: unknown): StatusError {
  const stack = typeof traceback === "string" ? traceback : error instanceof Error ? error.stack : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (stack === undefined || stack === "") return { type: errorTypeName(error), message };
  return { type: errorTypeName(error), message, traceback: stack.length > MAX_TRACEBACK ? `${stack.slice(0, MAX_TRACEBACK)}\n…` : stack };
}
