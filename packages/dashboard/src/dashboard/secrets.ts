import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { redactUrl } from "@troupe/core";

/**
 * Compares two secrets in constant time. Both sides are hashed first, so the
 * comparison takes the same time whatever their lengths (`timingSafeEqual`
 * alone needs equal lengths and would leak the length by refusing).
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** An HMAC-SHA256 of `data` under `key`, base64url. */
export function sign(key: string | Buffer, data: string): string {
  return createHmac("sha256", key).update(data).digest("base64url");
}

/** Text with every `scheme://user:password@` password replaced by `***`, wherever it appears. */
export function redactSecrets(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url));
}
