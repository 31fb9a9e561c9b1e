/**
 * Object storage's signals (MinIO on Docker and Kubernetes), spread into `SIGNALS`
 * (runbooks/schema.ts) through runbooks/kinds/index.ts: what a runbook or platform alert may measure
 * on the app's object store. Their metrics and PromQL are in capabilities/alerting/minio.ts.
 */
export const OBJECT_STORAGE_SIGNALS = {
    minio_down: "the object store (MinIO) not answering its metrics scrape, or a node of it offline (value: 1 = down)",
    minio_capacity_usage: "percent of the object store's usable capacity in use",
    minio_error_rate: "percent of the object store's S3 requests answered with a 5xx",
} as const;
