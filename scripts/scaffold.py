import json, os, sys
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pkgs = {
 "broker-redis": dict(desc="Redis broker for Troupe, wire-compatible with Dramatiq's RedisBroker.", deps={"ioredis": "^5.8.2"}, services=["redis"]),
 "results-redis": dict(desc="Redis result backend for Troupe, compatible with Dramatiq's RedisBackend.", deps={"ioredis": "^5.8.2"}, services=["redis"]),
 "broker-rabbitmq": dict(desc="RabbitMQ broker for Troupe, wire-compatible with Dramatiq's RabbitmqBroker.", deps={"amqplib": "^0.10.9"}, dev={"@types/amqplib": "^0.10.7"}, services=["rabbitmq"]),
 "results-memcached": dict(desc="Memcached result backend for Troupe, compatible with Dramatiq's MemcachedBackend.", deps={"memjs": "^1.3.2"}, dev={"@types/memjs": "^1.3.3"}, services=["memcached"]),
 "rate-limit": dict(desc="Distributed rate limiters for Troupe: concurrent, bucket, window; Redis and Memcached backends.", peers_opt={"ioredis": "^5.8.2", "memjs": "^1.3.2"}, dev={"ioredis": "^5.8.2", "memjs": "^1.3.2", "@types/memjs": "^1.3.3"}, services=["redis", "memcached"], subpaths=["redis", "memcached"]),
 "prometheus": dict(desc="Prometheus metrics for Troupe workers, aggregated across processes.", deps={"prom-client": "^15.1.3"}, services=["redis"]),
 "cli": dict(desc="The troupe command: run and operate Troupe workers.", bin=True, services=["redis", "rabbitmq"]),
 "testkit": dict(desc="Conformance suites every Troupe broker, result backend and rate-limiter backend must pass.", peers={"vitest": ">=3"}, dev={}),
}
for name, p in pkgs.items():
    d = os.path.join(root, "packages", name)
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    os.makedirs(os.path.join(d, "test"), exist_ok=True)
    entries = ["index"] + p.get("subpaths", [])
    exports = {}
    for e in entries:
        key = "." if e == "index" else "./" + e
        exports[key] = {"import": {"types": f"./dist/{e}.d.ts", "default": f"./dist/{e}.js"},
                        "require": {"types": f"./dist/{e}.d.cts", "default": f"./dist/{e}.cjs"}}
    exports["./package.json"] = "./package.json"
    pj = {
      "name": f"@troupe/{name}", "version": "0.1.0", "description": p["desc"], "license": "MIT",
      "type": "module", "sideEffects": False, "engines": {"node": ">=20"},
      "files": ["dist", "README.md"],
      "main": "./dist/index.cjs", "module": "./dist/index.js", "types": "./dist/index.d.cts",
      "exports": exports,
      "scripts": {"build": "tsup", "typecheck": "tsc -p tsconfig.json", "test": "vitest run",
                  "lint:package": "publint --strict && attw --pack . --profile node16"},
      "peerDependencies": {"@troupe/core": "workspace:^", **p.get("peers", {}), **p.get("peers_opt", {})},
      "devDependencies": {"@troupe/core": "workspace:*", **({"@troupe/testkit": "workspace:*"} if name != "testkit" else {}), **p.get("dev", {})},
      "publishConfig": {"access": "public"},
    }
    if p.get("peers_opt"):
        pj["peerDependenciesMeta"] = {k: {"optional": True} for k in p["peers_opt"]}
    if p.get("deps"): pj["dependencies"] = p["deps"]
    if p.get("bin"): pj["bin"] = {"troupe": "./dist/bin.js"}
    path = os.path.join(d, "package.json")
    if not os.path.exists(path):
        open(path, "w").write(json.dumps(pj, indent=2) + "\n")
    open(os.path.join(d, "tsconfig.json"), "w").write(json.dumps({"extends": "../../tsconfig.base.json", "include": ["src", "test"]}, indent=2) + "\n")
    entry = json.dumps([f"src/{e}.ts" for e in entries] + (["src/bin.ts"] if p.get("bin") else []))
    open(os.path.join(d, "tsup.config.ts"), "w").write(
      'import { defineConfig } from "tsup";\nimport { tsupBase } from "../../tsup.base";\n\n'
      f'export default defineConfig({{ ...tsupBase, entry: {entry} }});\n')
    svc = p.get("services", [])
    open(os.path.join(d, "vitest.config.ts"), "w").write(
      'import { packageTestConfig } from "../../vitest.shared";\n\n'
      f'export default packageTestConfig({json.dumps({"services": svc}) if svc else ""});\n'.replace('{"services"', '{ services: ').replace(']}', '] }').replace('packageTestConfig({ services: ', 'packageTestConfig({ services: '))
