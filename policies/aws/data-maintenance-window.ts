import { amazonMqMaintenanceStart } from "../../capabilities/aws/amazonmq";
import { formatWeekly, maintenanceWindow } from "../../capabilities/aws/windows";
import { finding, label, provenance, resourceRule } from "../lib/policy";
import { isRecord } from "../lib/values";

/** Where each managed engine keeps its weekly maintenance window. */
const WINDOWS: Readonly<Record<string, { field: string; read: (p: Record<string, any>) => unknown }>> = {
    "aws:rds/instance:Instance": { field: "maintenanceWindow", read: (p) => p.maintenanceWindow },
    "aws:elasticache/replicationGroup:ReplicationGroup": { field: "maintenanceWindow", read: (p) => p.maintenanceWindow },
    "aws:docdb/cluster:Cluster": { field: "preferredMaintenanceWindow", read: (p) => p.preferredMaintenanceWindow },
    "aws:docdb/clusterInstance:ClusterInstance": { field: "preferredMaintenanceWindow", read: (p) => p.preferredMaintenanceWindow },
    "aws:mq/broker:Broker": { field: "maintenanceWindowStartTime", read: (p) => p.maintenanceWindowStartTime },
};

const mqStart = (v: unknown) => (isRecord(v) ? `${String(v.dayOfWeek ?? "").toUpperCase()} ${v.timeOfDay ?? ""} ${v.timeZone ?? ""}` : undefined);

/**
 * RDS, ElastiCache, DocumentDB and Amazon MQ patch and restart only in the runbook's maintenance
 * window (`maintenanceWindow`, capabilities/aws/windows.ts), when its alerts are silenced and the
 * team expects it, and apply changes there too (`applyImmediately` false or unset). Any other
 * window, or an immediate apply, restarts the data service at a time nobody planned. MSK has no
 * maintenance window setting (AWS patches brokers one at a time, on its own schedule).
 */
export const awsDataMaintenanceWindow = resourceRule({
    name: "aws-data-maintenance-window",
    description: "RDS, ElastiCache, DocumentDB and Amazon MQ keep the runbook's maintenance window and apply changes in it, never immediately.",
    tier: "runbook",
    target: "aws",
    types: Object.keys(WINDOWS),
    remediationSteps: "Use the generated window (capabilities/aws/windows.ts formatWeekly(maintenanceWindow(runbook)); Amazon MQ: amazonMqMaintenanceStart) and leave applyImmediately false; to move the window, change the runbook's maintenanceWindow.",
    check: (s, ctx) => {
        const where = WINDOWS[s.type];
        if (!where) return [];
        const rb = ctx.runbook;
        const mw = rb.maintenanceWindow;
        const from = provenance(mw, "day", "startUtc", "durationMinutes");
        const runbook = `${from.defaulted ? "the platform's default" : "the runbook's"} maintenanceWindow (${mw.day} ${mw.startUtc} UTC, ${mw.durationMinutes} min) ${from.cite}`;
        const out = [];
        const have = where.read(s.props);
        if (s.type === "aws:mq/broker:Broker") {
            const want = amazonMqMaintenanceStart(rb);
            const planned = mqStart(have);
            if (planned !== mqStart(want)) out.push(finding(`${label(s)}: ${where.field} is ${planned ?? "not set (AWS picks one)"}; allowed: ${mqStart(want)}, ${runbook}`, { key: "maintenanceWindow" }));
        } else {
            const want = formatWeekly(maintenanceWindow(rb));
            if (typeof have !== "string" || have.toLowerCase() !== want) out.push(finding(`${label(s)}: ${where.field} is ${have ?? "not set (AWS picks one)"}; allowed: ${want}, ${runbook}`, { key: "maintenanceWindow" }));
        }
        if (s.props.applyImmediately === true) out.push(finding(`${label(s)}: applyImmediately is true; changes would restart it at once instead of in ${runbook}; allowed: false or unset`, { key: "maintenanceWindow" }));
        return out;
    },
});
