import { randomBytes } from "node:crypto";
import { safeEqual, sign } from "./secrets.js";

/** The cookie holding a browser's random CSRF secret. */
export const CSRF_COOKIE = "troupe_dashboard_csrf";
/** The form field (or `x-csrf-token` header) that must carry the token on every POST. */
export const CSRF_FIELD = "_csrf";

/**
 * Signed double-submit CSRF tokens: each browser gets a random cookie (HttpOnly,
 * SameSite=Strict), forms carry an HMAC of it under a key of this dashboard. Another
 * site can neither read the page to learn the token nor make the browser send the cookie.
 */
export class Csrf {
  private readonly key = randomBytes(32);

  /** A new random browser secret, for the cookie. */
  newSecret(): string {
    return randomBytes(24).toString("base64url");
  }

  /** The token forms carry for the browser holding `secret`. */
  token(secret: string): string {
    return sign(this.key, secret);
  }

  /** True when `token` belongs to `secret`. */
  verify(secret: string | undefined, token: string | undefined): boolean {
    if (!secret || !token) return false;
    return safeEqual(token, this.token(secret));
  }
}
