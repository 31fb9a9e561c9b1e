import test from "ava";
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { getRunbook } from "../../runbooks";
import { schemaDefaults } from "../../policies/lib/policy";
import { packConfigFor, policies, RULES } from "../../policies/pack";
import { urnOf } from "./helpers";

/**
 * The pack as the engine runs it: `policies/index.ts` started as its own process (the CLI would
 * start it through ts-node; tsx here), serving the analyzer gRPC API. The test plays the engine:
 * it reads the pack's info (policies and the initial config chosen from PULUMI_STACK), configures
 * it, and sends resources with secrets and unknowns in the engine's wire form.
 */

const STACK = "personal-finance-hub-staging";
const rb = getRunbook("personal-finance-hub");
const SECRET = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "generated-password-0123456789abcdefghij" };
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

let pack: ChildProcess | undefined;
let client: InstanceType<typeof AnalyzerClient>;

test.before(async (t) => {
    t.timeout(3 * 60_000);
    const cwd = path.resolve(__dirname, "..", "..", "policies");
    pack = spawn(process.execPath, ["--import", "tsx", "index.ts"], { cwd, env: { ...process.env, PULUMI_NODEJS_STACK: STACK, PULUMI_STACK: STACK }, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    pack.stderr?.on("data", (d) => (err += String(d)));
    const port = await new Promise<string>((resolve, reject) => {
        pack!.stdout?.on("data", (d) => {
            const m = /^(\d+)\s*$/m.exec(String(d));
            if (m) resolve(m[1]);
        });
        pack!.on("exit", (code) => reject(new Error(`the pack exited with ${code}: ${err}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

test.after.always(() => {
    client?.close();
    pack?.kill();
});

const call = <Req, Res>(fn: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void, req: Req) =>
    new Promise<Res>((resolve, reject) => fn.call(client, req, (e, r) => (e ? reject(e) : resolve(r))));

const LEVEL = { [analyzer.EnforcementLevel.ADVISORY]: "advisory", [analyzer.EnforcementLevel.MANDATORY]: "mandatory", [analyzer.EnforcementLevel.DISABLED]: "disabled", [analyzer.EnforcementLevel.REMEDIATE]: "remediate" } as const;

function options(protect = false) {
    const o = new analyzer.AnalyzerResourceOptions();
    o.setProtect(protect);
    return o;
}

function resource(type: string, name: string, props: Record<string, unknown>) {
    const r = new analyzer.AnalyzerResource();
    r.setType(type);
    r.setName(name);
    r.setUrn(urnOf(STACK, type, name));
    r.setProperties(Struct.fromJavaScript(props as never));
    r.setOptions(options());
    return r;
}

test.serial("the pack announces its policies and, from the stack the engine names, the staging levels as its initial config; the engine configures it", async (t) => {
    const info = await call<Empty, analyzer.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
    t.is(info.getName(), "runbook-platform");
    t.deepEqual(info.getPoliciesList().map((p) => p.getName()), policies.map((p) => p.name));
    const initial = info.getInitialconfigMap();
    const expected = packConfigFor("staging");
    for (const r of RULES) t.is(String(LEVEL[initial.get(r.name)!.getEnforcementlevel()]), (expected[r.name] as { enforcementLevel: string }).enforcementLevel, r.name);
    t.is(LEVEL[initial.get("k8s-hpa-min-replicas")!.getEnforcementlevel()], "advisory", "production hardening advises in staging");
    // What the engine sends after reconciling: schema defaults as properties, the initial levels over the policies' own.
    const configure = new analyzer.ConfigureAnalyzerRequest();
    for (const p of policies) {
        const c = new analyzer.PolicyConfig();
        c.setEnforcementlevel(initial.get(p.name)?.getEnforcementlevel() ?? (p.enforcementLevel === "advisory" ? analyzer.EnforcementLevel.ADVISORY : analyzer.EnforcementLevel.MANDATORY));
        c.setProperties(Struct.fromJavaScript(schemaDefaults(p.configSchema) as never));
        configure.getPolicyconfigMap().set(p.name, c);
    }
    await call(client.configure, configure);
});

test.serial("analyze: a Deployment arrives with a secret and an unknown; the runbook's limits are enforced, secrets are unwrapped, unknowns skipped", async (t) => {
    const svc = rb.services[0];
    const req = new analyzer.AnalyzeRequest();
    req.setType("kubernetes:apps/v1:Deployment");
    req.setName(svc.name);
    req.setUrn(urnOf(STACK, "kubernetes:apps/v1:Deployment", svc.name));
    req.setOptions(options());
    req.setProperties(
        Struct.fromJavaScript({
            metadata: { name: svc.name, annotations: { "checksum/config": UNKNOWN } },
            spec: {
                template: {
                    spec: {
                        containers: [
                            {
                                name: svc.name,
                                image: "ghcr.io/pfh/backend:1.3.2",
                                env: [{ name: "DATABASE_PASSWORD", value: SECRET }],
                                resources: { limits: { cpu: "2", memory: `${svc.resources.limits.memoryMiB}Mi` }, requests: { cpu: `${svc.resources.reservations.cpu * 1000}m`, memory: `${svc.resources.reservations.memoryMiB}Mi` } },
                                readinessProbe: { httpGet: { path: svc.healthPath, port: svc.port } },
                                livenessProbe: { httpGet: { path: svc.healthPath, port: svc.port } },
                            },
                        ],
                    },
                },
            },
        } as never),
    );
    const res = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze, req);
    const ds = res.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: LEVEL[d.getEnforcementlevel()], message: d.getMessage() }));
    t.deepEqual(
        ds.map((d) => [d.policy, d.level]),
        [["k8s-workload-probes-resources", "mandatory"]],
        JSON.stringify(ds, null, 2),
    );
    t.regex(ds[0].message, new RegExp(`resources.limits.cpu is "2", not ${svc.resources.limits.cpu}.*services.${svc.name}.resources`));
});

test.serial("analyzeStack: stack policies over the engine's resources, at the configured levels", async (t) => {
    const backend = rb.services.find((s) => s.name === "backend")!;
    const req = new analyzer.AnalyzeStackRequest();
    req.setResourcesList([
        resource("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "pfh" } }),
        resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa", {
            spec: {
                scaleTargetRef: { kind: "Deployment", name: "backend" },
                minReplicas: 1,
                maxReplicas: backend.scaling.max,
                metrics: [
                    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: backend.scaling.cpuTargetPercent } } },
                    { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: backend.scaling.memoryTargetPercent } } },
                ],
            },
        }),
    ]);
    const res = await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(client.analyzeStack, req);
    const ds = res.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), level: LEVEL[d.getEnforcementlevel()], message: d.getMessage(), urn: d.getUrn() }));
    const min = ds.find((d) => d.policy === "k8s-hpa-min-replicas");
    t.is(min?.level, "advisory");
    t.regex(min?.message ?? "", new RegExp(`minimum replicas 1, below ${backend.scaling.min}`));
    t.is(min?.urn, urnOf(STACK, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "backend-hpa"));
    const targets = ds.filter((d) => d.policy === "k8s-hpa-runbook-targets");
    t.true(targets.length > 0 && targets.every((d) => d.level === "mandatory" && /no HorizontalPodAutoscaler or ScaledObject scales consumer/.test(d.message)), JSON.stringify(targets));
    t.true(ds.some((d) => d.policy === "k8s-prometheusrule-runbook-alerts" && d.level === "mandatory"), "no PrometheusRule at all: every level is missing");
});
