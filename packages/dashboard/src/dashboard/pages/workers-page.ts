import { workersView } from "../broker-views.js";
import type { DashboardContext, RouteRequest } from "../dashboard-context.js";
import { html, type SafeHtml } from "../html.js";
import { redactSecrets } from "../secrets.js";
import { formatTime, layout } from "./layout.js";

async function workersContent(context: DashboardContext): Promise<SafeHtml> {
  const view = await workersView(context.broker, await context.queueNames());
  if (view.kind === "heartbeats") {
    const rows = view.rows;
    if (rows.length === 0) return html`<p class="empty">No process has sent a heartbeat on this namespace.</p>`;
    return html`<p class="muted">Every process in the broker's heartbeat set: workers, and producers (each send beats too). In flight comes from each one's ack sets.</p>
<table class="workers"><thead><tr><th>Worker id</th><th>Last heartbeat</th><th>Status</th><th>In flight</th></tr></thead><tbody>
${rows.map(
  (row) => html`<tr data-worker="${row.workerId}">
<td class="mono">${row.workerId}${row.workerId === view.ownId ? html` <span class="badge">this dashboard's process</span>` : ""}</td><td>${formatTime(row.lastHeartbeat)}</td>
<td>${row.alive ? html`<span class="badge alive">alive</span>` : html`<span class="badge dead">silent</span>`}</td>
<td>${Object.entries(row.inFlight).map(([queue, n]) => html`<span class="chip">${queue}: ${n}</span> `)}</td>
</tr>`,
)}</tbody></table>`;
  }
  if (view.kind === "consumers") {
    return html`<p class="muted">RabbitMQ tells how many consumers each queue has (one per worker consuming it), not who they are.</p>
<table class="consumers"><thead><tr><th>Queue</th><th>Consumers</th><th>Delay queue consumers</th></tr></thead><tbody>
${view.rows.map((row) => html`<tr data-queue="${row.queueName}"><th scope="row">${row.queueName}</th><td data-stat="consumers">${row.queue}</td><td>${row.delayQueue}</td></tr>`)}
</tbody></table>`;
  }
  return html`<p class="empty">This broker does not report its workers.</p>`;
}

/** The workers page: Redis heartbeats, or RabbitMQ's consumer counts. */
export async function workersPage(context: DashboardContext, request: RouteRequest): Promise<SafeHtml> {
  let content: SafeHtml;
  try {
    content = await workersContent(context);
  } catch (error) {
    content = html`<p class="error">${redactSecrets(String((error as Error)?.message ?? error))}</p>`;
  }
  return layout(context, request, "Workers", html`<h1>Workers</h1>${content}`);
}
