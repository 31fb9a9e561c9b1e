import test from "ava";
import { planStack, type PlannedResource } from "../../cli/harness/runtime";
import { DOCKER_CONTAINERS_DIR, dockerLogOptions, LOGGED_LABELS, promtailConfig } from "../../capabilities/docker/logging";
import { getRunbook } from "../../runbooks";
import { isRootUser } from "../../policies/lib/hardening";

/**
 * The local platform's own containers (issue 15): Promtail reads the engine's log files, not the
 * Docker socket (root on the host); the Pushgateway runs as its image's unprivileged user; both on
 * a read-only root. cAdvisor is the one container with the engine's state mounted (privileged, by
 * its documented set-up), and no container gets the socket itself.
 */

const APP = "bunty";
const CONTAINER = "docker:index/container:Container";
const label = (r: PlannedResource, k: string) => ((r.props.labels as { label: string; value: string }[]) ?? []).find((l) => l.label === k)?.value;

test("no container binds the Docker socket; Promtail reads the log files read-only, confined; the Pushgateway is not root", async (t) => {
    const plan = await planStack(`${APP}-local`);
    const containers = plan.resources.filter((r) => r.type === CONTAINER);
    const binds = (r: PlannedResource) => ((r.props.volumes as { hostPath?: string; containerPath: string; readOnly?: boolean }[]) ?? []).filter((v) => v.hostPath);
    for (const c of containers) {
        const component = label(c, "component");
        for (const b of binds(c)) {
            t.false(b.hostPath!.endsWith("docker.sock"), `${c.name} binds the Docker socket`);
            if (component !== "cadvisor-exporter") t.false(b.hostPath === "/var/run", `${c.name} binds /var/run (the socket is in it)`);
            t.true(b.readOnly, `${c.name}: ${b.hostPath} is bound read-only`);
        }
        t.is(c.props.logDriver, "json-file", `${c.name} logs through json-file, which Promtail reads`);
        t.is((c.props.logOpts as Record<string, string>).labels, LOGGED_LABELS.join(","), `${c.name}: its labels reach Promtail`);
    }
    const promtail = containers.find((c) => label(c, "component") === "promtail")!;
    t.deepEqual(binds(promtail).map((b) => b.hostPath), [DOCKER_CONTAINERS_DIR]);
    t.like(promtail.props, { readOnly: true, capabilities: { drops: ["ALL"] }, securityOpts: ["no-new-privileges:true"] });
    const push = containers.find((c) => label(c, "component") === "pushgateway-exporter")!;
    t.truthy(push.props.user);
    t.false(isRootUser(push.props.user), `the Pushgateway runs as ${push.props.user}`);
    t.is(push.props.readOnly, true);
});

test("Promtail's config: file targets under the engine's log directory, this app's lines only, labelled from the lines' attrs", (t) => {
    const rb = getRunbook(APP);
    const cfg = promtailConfig(rb) as { scrape_configs: any[] };
    const text = JSON.stringify(cfg);
    t.false(/docker_sd|docker\.sock|unix:\/\//.test(text), "no Docker API discovery");
    const [job] = cfg.scrape_configs;
    t.true(job.static_configs[0].labels.__path__.startsWith(`${DOCKER_CONTAINERS_DIR}/`));
    const json = job.pipeline_stages.find((s: any) => s.json).json.expressions;
    for (const l of LOGGED_LABELS) t.is(json[l], `attrs.${l}`, `${l} comes from the line's attrs`);
    t.is(json.container, "attrs.tag");
    t.is(dockerLogOptions(rb).tag, "{{.Name}}", "the tag Promtail reads as the container is its name");
    const drop = job.pipeline_stages.find((s: any) => s.match?.action === "drop").match;
    t.is(drop.selector, `{app!="${rb.app}"}`, "other apps' lines on the same engine are dropped");
});
