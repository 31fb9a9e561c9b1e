import * as http from "http";
import type { AddressInfo } from "net";

/**
 * A stand-in for RabbitMQ's management HTTP API, the part the platform's scripts call, answering
 * as a RabbitMQ 3.10 broker answered the same requests (checked by hand against Debian's
 * rabbitmq-server 3.10.8): Basic login, 401 `not_authorized` otherwise; `PUT` of a vhost,
 * permission or queue answers 201 when it creates and 204 when it exists as asked; a queue that
 * exists with other arguments answers 400 `inequivalent arg`; `GET /api/definitions` exports and
 * `POST /api/definitions` imports (adds and updates, never deletes). Starting a real broker costs
 * seconds of CPU per test file; this one costs none.
 */

interface Queue {
    readonly name: string;
    readonly vhost: string;
    readonly durable: boolean;
    readonly auto_delete: boolean;
    readonly arguments: Record<string, unknown>;
}
interface Permission {
    readonly user: string;
    readonly vhost: string;
    readonly configure: string;
    readonly write: string;
    readonly read: string;
}
export interface Definitions {
    rabbit_version: string;
    users: { name: string; password_hash: string; hashing_algorithm: string; tags: string[] }[];
    vhosts: { name: string }[];
    permissions: Permission[];
    queues: Queue[];
    exchanges: unknown[];
    bindings: unknown[];
    policies: unknown[];
}

export interface ManagementStandIn {
    readonly url: string;
    readonly state: Definitions;
    /** `METHOD /api/path STATUS` of every request, in order. */
    readonly log: string[];
    close(): Promise<void>;
}

export async function startManagementStandIn(admin: { user: string; password: string }, initial: Partial<Definitions> = {}): Promise<ManagementStandIn> {
    const state: Definitions = {
        rabbit_version: "3.10.8",
        users: [{ name: admin.user, password_hash: "stand-in", hashing_algorithm: "rabbit_password_hashing_sha256", tags: ["administrator"] }],
        vhosts: [{ name: "/" }],
        permissions: [],
        queues: [],
        exchanges: [],
        bindings: [],
        policies: [],
        ...structuredClone(initial),
    };
    const log: string[] = [];
    const expected = `Basic ${Buffer.from(`${admin.user}:${admin.password}`).toString("base64")}`;
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => {
            const reply = (status: number, json?: unknown) => {
                log.push(`${req.method} ${req.url} ${status}`);
                res.writeHead(status, json === undefined ? {} : { "content-type": "application/json" });
                res.end(json === undefined ? undefined : JSON.stringify(json));
            };
            if (req.headers.authorization !== expected) return reply(401, { error: "not_authorized", reason: "Login failed" });
            const parts = (req.url ?? "").split("?")[0].split("/").slice(1).map(decodeURIComponent);
            if (parts[0] !== "api") return reply(404, { error: "Object Not Found", reason: "Not Found" });
            const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
            const hasVhost = (v: string) => state.vhosts.some((x) => x.name === v);
            const upsert = <T>(list: T[], same: (x: T) => boolean, item: T) => {
                const i = list.findIndex(same);
                if (i < 0) list.push(item);
                else list[i] = item;
                return i < 0 ? 201 : 204;
            };
            const [, kind, a, b] = parts;
            if (req.method === "GET" && kind === "definitions") return reply(200, state);
            if (req.method === "POST" && kind === "definitions") {
                const d = input as Partial<Definitions>;
                for (const v of d.vhosts ?? []) upsert(state.vhosts, (x) => x.name === v.name, { name: v.name });
                for (const u of d.users ?? []) upsert(state.users, (x) => x.name === u.name, u);
                for (const p of d.permissions ?? []) upsert(state.permissions, (x) => x.user === p.user && x.vhost === p.vhost, p);
                for (const q of d.queues ?? []) upsert(state.queues, (x) => x.name === q.name && x.vhost === q.vhost, q);
                for (const [k, list] of [["exchanges", d.exchanges], ["bindings", d.bindings], ["policies", d.policies]] as const) if (list) state[k] = [...list];
                return reply(204);
            }
            if (req.method === "PUT" && kind === "vhosts" && a !== undefined) return reply(upsert(state.vhosts, (x) => x.name === a, { name: a }));
            if (req.method === "PUT" && kind === "permissions" && a !== undefined && b !== undefined) {
                if (!hasVhost(a)) return reply(404, { error: "Object Not Found", reason: "Not Found" });
                if (!state.users.some((u) => u.name === b)) return reply(400, { error: "bad_request", reason: `no_such_user: ${b}` });
                const p = { user: b, vhost: a, configure: String(input.configure), write: String(input.write), read: String(input.read) };
                return reply(upsert(state.permissions, (x) => x.user === b && x.vhost === a, p));
            }
            if (req.method === "PUT" && kind === "queues" && a !== undefined && b !== undefined) {
                if (!hasVhost(a)) return reply(404, { error: "Object Not Found", reason: "Not Found" });
                const q: Queue = { name: b, vhost: a, durable: input.durable === true, auto_delete: input.auto_delete === true, arguments: (input.arguments as Record<string, unknown>) ?? {} };
                const existing = state.queues.find((x) => x.name === b && x.vhost === a);
                if (existing) {
                    if (existing.durable !== q.durable) return reply(400, { error: "bad_request", reason: `inequivalent arg 'durable' for queue '${b}' in vhost '${a}': received '${q.durable}' but current is '${existing.durable}'` });
                    if (JSON.stringify(existing.arguments) !== JSON.stringify(q.arguments)) return reply(400, { error: "bad_request", reason: `inequivalent arg 'x-queue-type' for queue '${b}' in vhost '${a}'` });
                    return reply(204);
                }
                state.queues.push(q);
                return reply(201);
            }
            return reply(405, { error: "Method Not Allowed", reason: `${req.method} ${req.url}` });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, state, log, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
