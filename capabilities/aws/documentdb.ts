import type { Runbook } from "../../runbooks";

/** Amazon DocumentDB where the runbook runs a MongoDB replica set. */

type Mongo = NonNullable<Runbook["data"]["mongodb"]>;

/** DocumentDB engine versions with the MongoDB API each is compatible with. */
export const DOCUMENTDB_VERSIONS: readonly { readonly engine: string; readonly family: string; readonly mongoApi: number }[] = [
    { engine: "5.0.0", family: "docdb5.0", mongoApi: 5.0 },
    { engine: "4.0.0", family: "docdb4.0", mongoApi: 4.0 },
];

/** Instance class: the runbooks give no size; r6g.large is the smallest memory-optimised class, meant for production. */
export const DOCUMENTDB_INSTANCE_CLASS = "db.r6g.large";
/** DocumentDB's connection limit for that class (per instance), for the connection-usage alarm. */
export const DOCUMENTDB_MAX_CONNECTIONS: Readonly<Record<string, number>> = {
    "db.t4g.medium": 500,
    "db.r6g.large": 1700,
    "db.r6g.xlarge": 3400,
    "db.r6g.2xlarge": 6800,
};
/** The runbook's instance class (`data.mongodb.instanceSize`), else the platform's baseline; one the platform has no connection limit for is an error. */
export function documentDbInstanceClass(mongo: Mongo): string {
    const cls = mongo.instanceSize ?? DOCUMENTDB_INSTANCE_CLASS;
    if (DOCUMENTDB_MAX_CONNECTIONS[cls] === undefined) {
        throw new Error(`data.mongodb.instanceSize = "${cls}" is not a class the platform sizes; allowed: ${Object.keys(DOCUMENTDB_MAX_CONNECTIONS).join(", ")}`);
    }
    return cls;
}

/** Certificate authority bundle for TLS to RDS and DocumentDB, as AWS publishes it. */
export const RDS_CA_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/** The newest DocumentDB engine whose MongoDB API the runbook's MongoDB version covers (7.0 → 5.0). */
export function documentDbEngine(mongo: Mongo): { engine: string; family: string } {
    const wanted = Number(mongo.version.split(".").slice(0, 2).join("."));
    const fit = DOCUMENTDB_VERSIONS.find((v) => v.mongoApi <= wanted);
    if (!fit) throw new Error(`data.mongodb.version = "${mongo.version}": DocumentDB offers MongoDB API ${DOCUMENTDB_VERSIONS.map((v) => v.mongoApi.toFixed(1)).join(", ")}`);
    return { engine: fit.engine, family: fit.family };
}

/** Cluster parameters: TLS required (static, applied at reboot), audit and profiler logs on. */
export function documentDbParameters(): { name: string; value: string; applyMethod: "immediate" | "pending-reboot" }[] {
    return [
        { name: "tls", value: "enabled", applyMethod: "pending-reboot" },
        { name: "audit_logs", value: "enabled", applyMethod: "immediate" },
        { name: "profiler", value: "enabled", applyMethod: "immediate" },
    ];
}

/** DocumentDB master user names are letters and digits, starting with a letter. */
export function documentDbUser(app: string): string {
    const user = app.replace(/[^a-zA-Z0-9]/g, "");
    if (!/^[a-zA-Z]/.test(user)) throw new Error(`${app}: no DocumentDB user name can be made from the app id`);
    return user.slice(0, 63);
}
