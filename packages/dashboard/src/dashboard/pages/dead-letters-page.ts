import type { DeadLetter } from "@troupe/core";
import type { DashboardContext, RouteRequest } from "../dashboard-context.js";
import { html, type SafeHtml } from "../html.js";
import { redactSecrets } from "../secrets.js";
import { csrfField, enc, formatTime, layout } from "./layout.js";

/** Dead letters listed for one queue. */
const LIST_LIMIT = 100;
/** Dead letters one requeue request of the bulk progress moves. */
export const BULK_CHUNK = 100;

function letterRow(context: DashboardContext, letter: DeadLetter): SafeHtml {
  const message = letter.message;
  const traceback = message?.options.traceback;
  const args = message ? JSON.stringify(message.args) : letter.raw;
  return html`<tr data-dead-letter="${letter.id}">
<td>${message ? html`<a class="mono" href="${context.base}messages/${enc(letter.id)}">${letter.id}</a>` : html`<span class="mono">${letter.id}</span> <span class="badge">undecodable</span>`}</td>
<td>${message?.actorName ?? "—"}</td>
<td>${formatTime(letter.deadAt)}</td>
<td class="mono args">${args.length > 200 ? `${args.slice(0, 200)}…` : args}</td>
<td>${typeof traceback === "string" ? html`<details><summary>traceback</summary><pre class="traceback">${traceback}</pre></details>` : ""}</td>
</tr>`;
}

async function letterList(context: DashboardContext, queueName: string): Promise<SafeHtml> {
  try {
    const letters = await context.broker.listDeadLetters(queueName, { limit: LIST_LIMIT });
    if (letters.length === 0) return html`<p class="empty">No dead letters on ${queueName}.</p>`;
    return html`<table class="dead-letters"><thead><tr><th>Message id</th><th>Actor</th><th>Dead since</th><th>Arguments</th><th></th></tr></thead>
<tbody>${letters.map((letter) => letterRow(context, letter))}</tbody></table>
${letters.length === LIST_LIMIT ? html`<p class="muted">The oldest ${LIST_LIMIT} are shown.</p>` : ""}`;
  } catch (error) {
    return html`<p class="error">${redactSecrets(String((error as Error)?.message ?? error))}</p>`;
  }
}

/** Every queue's dead letters with requeue and purge, one queue or several at once with a progress bar. */
export async function deadLettersPage(context: DashboardContext, request: RouteRequest): Promise<SafeHtml> {
  const base = context.base;
  const selected = request.url.searchParams.get("queue") ?? undefined;
  const names = await context.queueNames();
  const counts = await Promise.all(
    names.map(async (queueName) => ({
      queueName,
      count: await context.broker.queueStats(queueName).then(
        (s) => s.deadLetters,
        () => undefined,
      ),
    })),
  );
  const rows = counts.map(
    ({ queueName, count }) => html`<tr data-queue="${queueName}">
<td><input type="checkbox" name="queues" value="${queueName}" data-count="${count ?? 0}" aria-label="select ${queueName}"${count ? "" : html` disabled`}></td>
<th scope="row"><a href="${base}dead-letters?queue=${enc(queueName)}">${queueName}</a></th>
<td data-stat="dead-letters">${count ?? "—"}</td>
<td class="actions">
<button type="submit" formaction="${base}dead-letters/requeue?limit=1" name="queue" value="${queueName}"${count ? "" : html` disabled`}>Requeue oldest</button>
<button type="submit" formaction="${base}dead-letters/requeue" name="queue" value="${queueName}"${count ? "" : html` disabled`}>Requeue all</button>
<button type="submit" formaction="${base}dead-letters/purge" name="queue" value="${queueName}" class="danger"${count ? "" : html` disabled`}>Purge</button>
</td>
</tr>`,
  );
  return layout(
    context,
    request,
    "Dead letters",
    html`<h1>Dead letters</h1>
<form method="post" action="${base}dead-letters/bulk" data-bulk="${base}dead-letters" data-chunk="${BULK_CHUNK}">
${csrfField(request)}
<table class="dead-letter-queues"><thead><tr><th></th><th>Queue</th><th>Dead letters</th><th></th></tr></thead><tbody>${rows}</tbody></table>
<p class="bulk">
<button type="submit" name="action" value="requeue" data-bulk-action="requeue">Requeue selected</button>
<button type="submit" name="action" value="purge" data-bulk-action="purge" class="danger">Purge selected</button>
<progress id="bulk-progress" value="0" max="1" hidden></progress> <output id="bulk-status" aria-live="polite"></output>
</p>
</form>
${selected ? html`<h2>${selected}</h2>${await letterList(context, selected)}` : ""}`,
  );
}
