import { CSRF_FIELD } from "../csrf.js";
import type { DashboardContext, RouteRequest } from "../dashboard-context.js";
import { html, type SafeHtml } from "../html.js";

const NAV = [
  ["", "Queues"],
  ["search", "Search"],
  ["dead-letters", "Dead letters"],
  ["workers", "Workers"],
] as const;

/** The hidden CSRF field every form carries. */
export function csrfField(request: RouteRequest): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${request.csrfToken}">`;
}

/** Notices a redirect after a POST may carry (`?notice=`): fixed texts, so a link cannot put words on the page. */
const NOTICES: Record<string, string> = {
  paused: "Paused: workers stop fetching this queue within their idle tick.",
  resumed: "Resumed.",
  requeued: "Dead letters requeued.",
  purged: "Dead letters purged.",
  "not-found": "No record of that message id.",
};

/** A whole page: header with navigation, the broker, the content. */
export function layout(context: DashboardContext, request: RouteRequest, title: string, content: SafeHtml): SafeHtml {
  const base = context.base;
  const current = request.path.split("/")[0];
  const notice = NOTICES[request.url.searchParams.get("notice") ?? ""];
  const count = request.url.searchParams.get("count");
  const logout = context.authenticator.usesLogin
    ? html`<form method="post" action="${base}logout" class="logout">${csrfField(request)}<button type="submit">Log out</button></form>`
    : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${request.csrfToken}">
<title>${title} · Troupe</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}assets/dashboard.css">
<script src="${base}assets/dashboard.js" defer></script>
</head>
<body>
<header>
<a class="brand" href="${base}">Troupe</a>
<nav>${NAV.map(([path, label]) => html`<a href="${base}${path}"${current === path ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>
<span class="broker" title="broker">${context.brokerLabel}</span>
${logout}
</header>
<main>
${notice ? html`<p class="notice" role="status">${notice}${count !== null && /^\d+$/.test(count) ? ` (${count})` : ""}</p>` : ""}
${content}
</main>
</body>
</html>`;
}

/** `ms` as an ISO time (UTC), for tables and timelines. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  return new Date(ms).toISOString().replace("T", " ").replace("Z", " UTC");
}

/** A path segment or query value, encoded for a URL attribute. */
export const enc = encodeURIComponent;
