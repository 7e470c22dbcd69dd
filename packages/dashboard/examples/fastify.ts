// The dashboard in a Fastify app: a plugin scope whose routes hand the raw request and
// response to the dashboard (`reply.hijack()`), and whose body parser leaves the body unread
// so the dashboard reads its own form posts.
import type { Dashboard } from "@troupe/dashboard";
import Fastify, { type FastifyInstance } from "fastify";
import { BASE_PATH, exampleDashboard, isMain } from "./setup.js";

/** A Fastify app with its own routes and the dashboard under the base path. */
export function fastifyApp(dashboard: Dashboard): FastifyInstance {
  const app = Fastify();
  app.get("/health", async () => "ok");
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
    const handler = (request: { raw: Parameters<Dashboard>[0] }, reply: { hijack(): void; raw: Parameters<Dashboard>[1] }) => {
      reply.hijack();
      dashboard(request.raw, reply.raw);
    };
    scope.all(BASE_PATH, handler);
    scope.all(`${BASE_PATH}/*`, handler);
  });
  return app;
}

if (isMain(import.meta.url)) await fastifyApp(exampleDashboard()).listen({ port: 9292, host: "127.0.0.1" });
