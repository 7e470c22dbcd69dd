import type { DashboardContext, RouteRequest } from "../dashboard-context.js";
import { html, type SafeHtml } from "../html.js";
import { csrfField } from "./layout.js";

/** Why the form is shown again: a wrong token, or an address refused for its failed logins (for `blockedFor` seconds). */
export type LoginProblem = { wrong: true } | { blockedFor: number };

/** The token form of a dashboard with `auth: { token }`. */
export function loginPage(context: DashboardContext, request: RouteRequest, problem?: LoginProblem): SafeHtml {
  // Kept across a failed attempt, which posts it back.
  const next = request.form.get("next") ?? request.url.searchParams.get("next") ?? "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Troupe</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${context.base}assets/dashboard.css">
</head>
<body class="login">
<main>
<h1>Troupe dashboard</h1>
<form method="post" action="${context.base}login">
${csrfField(request)}
<input type="hidden" name="next" value="${next}">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Log in</button>
${
  problem === undefined
    ? ""
    : "wrong" in problem
      ? html`<p class="error" role="alert">Wrong token.</p>`
      : html`<p class="error" role="alert">Too many failed logins from this address: try again in ${problem.blockedFor} s.</p>`
}
</form>
</main>
</body>
</html>`;
}
