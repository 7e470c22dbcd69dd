import { bulk, pauseOrResume, purge, requeue } from "./actions.js";
import type { DashboardContext, RouteRequest } from "./dashboard-context.js";
import type { SafeHtml } from "./html.js";
import { html } from "./html.js";
import { sendHtml } from "./http.js";
import { deadLettersPage } from "./pages/dead-letters-page.js";
import { layout } from "./pages/layout.js";
import { messagePage } from "./pages/message-page.js";
import { chartsFragment, queuesPage, queueTable } from "./pages/queues-page.js";
import { searchPage } from "./pages/search-page.js";
import { workersPage } from "./pages/workers-page.js";

type Route = (context: DashboardContext, request: RouteRequest) => Promise<void>;

/** A GET route rendering a page (or nothing, when it answered itself, e.g. with a redirect). */
const page =
  (render: (context: DashboardContext, request: RouteRequest) => Promise<SafeHtml | undefined>): Route =>
  async (context, request) => {
    const body = await render(context, request);
    if (body) sendHtml(request.res, 200, body);
  };

/** Read-only pages and the fragments the page script refreshes. */
export const GET_ROUTES: Record<string, Route> = {
  "": page(queuesPage),
  queues: page(queuesPage),
  "fragments/queues": page(queueTable),
  "fragments/charts": page((context) => chartsFragment(context)),
  search: page(searchPage),
  "dead-letters": page(deadLettersPage),
  workers: page(workersPage),
};

/** Everything that changes state: POST only, CSRF-checked before it gets here. */
export const POST_ROUTES: Record<string, Route> = {
  "queues/pause": (context, request) => pauseOrResume(context, request, true),
  "queues/resume": (context, request) => pauseOrResume(context, request, false),
  "dead-letters/requeue": requeue,
  "dead-letters/purge": purge,
  "dead-letters/bulk": bulk,
};

/** GET messages/ID: the message page, or a 404 page naming the id. */
export async function messageRoute(context: DashboardContext, request: RouteRequest, messageId: string): Promise<void> {
  const record = await context.store.get(messageId);
  if (record) return sendHtml(request.res, 200, await messagePage(context, request, record));
  sendHtml(
    request.res,
    404,
    layout(
      context,
      request,
      "Not found",
      html`<h1>Not found</h1><p>No record of message <code>${messageId}</code> (never seen, or its record expired).</p>`,
    ),
  );
}
