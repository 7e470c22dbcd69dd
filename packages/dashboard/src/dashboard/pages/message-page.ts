import { Message, ResultFailure, ResultMissing } from "@troupe/core";
import type { StatusRecord, StatusTransition } from "../../status/status-store.js";
import type { DashboardContext, RouteRequest } from "../dashboard-context.js";
import { html, type SafeHtml } from "../html.js";
import { redactSecrets } from "../secrets.js";
import { formatTime, layout } from "./layout.js";
import { ms } from "./queues-page.js";

/** JSON text pretty-printed; a preview cut at its length limit is not JSON and is shown as it is. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function transitionItem(transition: StatusTransition, previous: number | undefined): SafeHtml {
  const error = transition.error;
  const after = previous === undefined ? "" : `+${transition.at - previous} ms`;
  return html`<li class="state-${transition.state}">
<span class="badge state-${transition.state}">${transition.state}</span> <time>${formatTime(transition.at)}</time> <span class="muted">${after}</span>
${
  error
    ? html`<div class="error"><strong>${error.type}</strong>: ${error.message}</div>${error.traceback ? html`<pre class="traceback">${error.traceback}</pre>` : ""}`
    : ""
}
</li>`;
}

async function resultSection(context: DashboardContext, record: StatusRecord): Promise<SafeHtml> {
  if (!context.results) return html``;
  let body: SafeHtml;
  try {
    const message = new Message({ queueName: record.queueName, actorName: record.actorName, args: [], messageId: record.messageId });
    const value = await context.results.getResult(message);
    body = html`<pre class="json result">${JSON.stringify(value, null, 2) ?? "null"}</pre>`;
  } catch (error) {
    if (ResultMissing.isInstance(error))
      body = html`<p class="muted">No result stored (not finished, not stored for this actor, or expired).</p>`;
    else if (ResultFailure.isInstance(error)) body = html`<p class="error">Failed: ${error.message}</p>`;
    else body = html`<p class="error">${redactSecrets(String((error as Error)?.message ?? error))}</p>`;
  }
  return html`<h2>Result</h2>${body}`;
}

/** One message: its timeline, arguments, options, errors and tracebacks, and its result. */
export async function messagePage(context: DashboardContext, request: RouteRequest, record: StatusRecord): Promise<SafeHtml> {
  const options = Object.entries(record.options);
  const result = await resultSection(context, record);
  return layout(
    context,
    request,
    `Message ${record.messageId}`,
    html`<h1>Message <code class="message-id">${record.messageId}</code></h1>
<dl class="summary">
<dt>State</dt><dd><span class="badge state-${record.state}" data-state="${record.state}">${record.state}</span></dd>
<dt>Actor</dt><dd>${record.actorName}</dd>
<dt>Queue</dt><dd>${record.queueName}</dd>
<dt>Created</dt><dd>${formatTime(record.createdAt)}</dd>
<dt>Updated</dt><dd>${formatTime(record.updatedAt)}</dd>
<dt>Retries</dt><dd>${record.retries}</dd>
${record.durationMs === undefined ? "" : html`<dt>Last run</dt><dd>${ms(record.durationMs)}</dd>`}
</dl>
<h2>Timeline</h2>
<ol class="timeline">${record.transitions.map((transition, i) => transitionItem(transition, record.transitions[i - 1]?.at))}</ol>
<h2>Arguments</h2>
<pre class="json args">${pretty(record.args)}</pre>
${record.kwargs ? html`<h3>Keyword arguments</h3><pre class="json kwargs">${pretty(record.kwargs)}</pre>` : ""}
<h2>Options</h2>
${
  options.length
    ? html`<table class="options"><tbody>${options.map(([name, value]) => html`<tr><th scope="row">${name}</th><td class="mono">${JSON.stringify(value)}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">None.</p>`
}
${result}`,
  );
}
