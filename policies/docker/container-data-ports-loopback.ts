import { finding, label, resourceRule } from "../lib/policy";
import { DATA_PORTS, dataServiceOfImage } from "../lib/workloads";
import { asArray, isRecord, num } from "../lib/values";
import { CONTAINER, containerName } from "../lib/docker";

const LOOPBACK = ["127.0.0.1", "::1", "localhost"];

/** A laptop's database is not on the LAN: data ports are published on loopback only. */
export const dockerContainerDataPortsLoopback = resourceRule({
    name: "docker-container-data-ports-loopback",
    description: "Docker containers publish data-service ports (and any port of a data-service container) on 127.0.0.1 only, never on all interfaces.",
    tier: "security",
    target: "docker",
    types: [CONTAINER],
    remediationSteps: "Set ports[].ip to \"127.0.0.1\", or do not publish the port (containers reach it over the private network).",
    check: (s) => {
        const data = dataServiceOfImage(s.props.image) ?? dataServiceOfImage(containerName(s));
        const out = [];
        if (data && s.props.publishAllPorts === true) out.push(finding(`${label(s)} runs ${data} with publishAllPorts, exposing it on every interface`));
        for (const port of asArray(s.props.ports).filter(isRecord)) {
            const internal = num(port.internal);
            const what = internal !== undefined ? DATA_PORTS[internal] : undefined;
            if (!data && !what) continue;
            const ip = typeof port.ip === "string" && port.ip !== "" ? port.ip : "0.0.0.0";
            if (!LOOPBACK.includes(ip)) {
                out.push(finding(`${label(s)} publishes ${what ?? data} port ${internal} on ${ip}${port.external ? `:${port.external}` : ""}; data services must bind 127.0.0.1 only`));
            }
        }
        return out;
    },
});
