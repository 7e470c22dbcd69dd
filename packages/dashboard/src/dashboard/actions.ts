import { canPauseQueues } from "@troupe/core";
import type { DashboardContext, RouteRequest } from "./dashboard-context.js";
import { redirect, sendJson } from "./http.js";
import { enc } from "./pages/layout.js";

/** The queue a form names, if the dashboard shows it: forms cannot reach queues it does not list. */
async function formQueue(context: DashboardContext, request: RouteRequest, field = "queue"): Promise<string | undefined> {
  const name = request.form.get(field) ?? undefined;
  return name !== undefined && (await context.queueNames()).includes(name) ? name : undefined;
}

function done(context: DashboardContext, request: RouteRequest, page: string, notice: string, json: Record<string, number>): void {
  if (request.wantsJson) sendJson(request.res, 200, json);
  else {
    const count = Object.values(json)[0];
    redirect(request.res, `${context.base}${page}${page.includes("?") ? "&" : "?"}notice=${notice}&count=${count}`);
  }
}

function badRequest(request: RouteRequest, message: string): void {
  sendJson(request.res, 400, { error: message });
}

/** POST queues/pause and queues/resume. */
export async function pauseOrResume(context: DashboardContext, request: RouteRequest, pause: boolean): Promise<void> {
  const broker = context.broker;
  if (!canPauseQueues(broker)) return badRequest(request, "this broker cannot pause queues");
  const queue = await formQueue(context, request);
  if (!queue) return badRequest(request, "unknown queue");
  if (pause) await broker.pauseQueue(queue);
  else await broker.resumeQueue(queue);
  done(context, request, "", pause ? "paused" : "resumed", { changed: 1 });
}

/** POST dead-letters/requeue: the oldest `limit` (form or query), or all. */
export async function requeue(context: DashboardContext, request: RouteRequest): Promise<void> {
  const queue = await formQueue(context, request);
  if (!queue) return badRequest(request, "unknown queue");
  const text = request.form.get("limit") ?? request.url.searchParams.get("limit");
  const limit = text === null ? undefined : Number(text);
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) return badRequest(request, "limit must be a positive integer");
  const moved = await context.broker.requeueDeadLetters(queue, limit === undefined ? {} : { limit });
  done(context, request, `dead-letters?queue=${enc(queue)}`, "requeued", { moved });
}

/** POST dead-letters/purge. */
export async function purge(context: DashboardContext, request: RouteRequest): Promise<void> {
  const queue = await formQueue(context, request);
  if (!queue) return badRequest(request, "unknown queue");
  const purged = await context.broker.purgeDeadLetters(queue);
  done(context, request, `dead-letters?queue=${enc(queue)}`, "purged", { purged });
}

/** POST dead-letters/bulk: the form's fallback without script, all selected queues in one request. */
export async function bulk(context: DashboardContext, request: RouteRequest): Promise<void> {
  const known = new Set(await context.queueNames());
  const queues = request.form.getAll("queues").filter((name) => known.has(name));
  const action = request.form.get("action");
  if (action !== "requeue" && action !== "purge") return badRequest(request, "action must be requeue or purge");
  let count = 0;
  for (const queue of queues) {
    count += action === "requeue" ? await context.broker.requeueDeadLetters(queue) : await context.broker.purgeDeadLetters(queue);
  }
  done(context, request, "dead-letters", action === "requeue" ? "requeued" : "purged", { count });
}
