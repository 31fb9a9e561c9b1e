import test from "ava";
import { DOCKER_CONFINED_PLATFORM } from "../../policies/lib/hardening";
import { find, type Fake } from "./helpers";
import { compliantAndBroken } from "./security-helpers";

/**
 * docker-container-readonly-root on the monitoring stack (issue 15): Jaeger and the others run on a
 * read-only root as their images' non-root users without capabilities; Promtail, listed as the one
 * root (DOCKER_ROOT_EXCEPTIONS), only on a read-only root. From a compliant fixture, one field broken at a time.
 */

const CONTAINER = "docker:index/container:Container";
const confined = (name: string, component: string, user: string): Fake => ({
    type: CONTAINER,
    name,
    props: { name: `personal-finance-hub-${name}`, labels: [{ label: "component", value: component }], readOnly: true, user, capabilities: { drops: ["ALL"] }, tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" } },
});
const fixture = (): Fake[] => [confined("jaeger", "jaeger", "10001"), confined("promtail", "promtail", "0")];

test("docker-container-readonly-root: Jaeger with a writable root, as root, with its capabilities is reported; Promtail as root is not", async (t) => {
    t.true((DOCKER_CONFINED_PLATFORM as readonly string[]).includes("jaeger"));
    await compliantAndBroken(t, "docker-container-readonly-root", "personal-finance-hub-local", fixture, {
        "writable root": { edit: (r) => (find(r, "jaeger").props.readOnly = false), expect: /personal-finance-hub-jaeger\): readOnly is false; the platform's jaeger container/ },
        "as root": { edit: (r) => (find(r, "jaeger").props.user = "0:0"), expect: /user is "0:0"; the platform's jaeger container runs as its image's non-root user/ },
        "the image's user left unset": { edit: (r) => delete find(r, "jaeger").props.user, expect: /user is not set; the platform's jaeger container/ },
        "capabilities kept": { edit: (r) => delete find(r, "jaeger").props.capabilities, expect: /capabilities are not dropped; the platform's jaeger container needs none/ },
        "Promtail writable": { edit: (r) => (find(r, "promtail").props.readOnly = false), expect: /personal-finance-hub-promtail\): readOnly is false/ },
    });
});
