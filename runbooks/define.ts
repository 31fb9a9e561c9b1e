import { DEFAULTS } from "./defaults";
import type { Alert, Backup, Runbook, Source } from "./schema";

/** Returns a function that cites a section of one seed: `at("Alert Thresholds", "Disk Critical: > 95% disk usage")`. */
export function citing(seed: string): (section: string, quote: string) => Source {
    return (section, quote) => ({ seed, section, quote });
}

/** The platform's certificate-expiry alert, for a runbook that checks certificates without a horizon. */
export function defaultCertificateExpiry(source: Source): Alert {
    return {
        id: "certificate-expiry",
        title: "TLS certificate expires soon",
        signal: "certificate_expiry",
        direction: "below",
        unit: "days",
        subject: "tls",
        levels: [{ severity: "warning", threshold: DEFAULTS.certExpiryDays.value, for: DEFAULTS.alertFor.value, source, defaulted: { threshold: DEFAULTS.certExpiryDays.reason, for: DEFAULTS.alertFor.reason } }],
    };
}

/** The platform's backup-overdue alert, for a runbook that checks backups without a threshold. */
export function defaultBackupOverdue(source: Source, extra: Record<string, string> = {}): Alert {
    return {
        id: "backup-overdue",
        title: "Backup overdue",
        signal: "backup_age",
        direction: "above",
        unit: "intervals",
        levels: [{ severity: "warning", threshold: DEFAULTS.backupAgeFactor.value, for: DEFAULTS.alertFor.value, source, defaulted: { threshold: DEFAULTS.backupAgeFactor.reason, for: DEFAULTS.alertFor.reason, ...extra } }],
    };
}

/**
 * The platform's daily Redis snapshot, for a runbook that runs Redis but schedules no copy of it:
 * the default daily cron and retention; `why` says what the runbook does say about the cache.
 */
export function defaultRedisSnapshot(source: Source, why: string): Backup {
    return {
        dataset: "redis",
        cron: DEFAULTS.backupDailyCron.value,
        every: "1d",
        retentionDays: DEFAULTS.backupRetentionDays.value,
        source,
        defaulted: { "*": why, cron: DEFAULTS.backupDailyCron.reason, retentionDays: DEFAULTS.backupRetentionDays.reason },
    };
}

/**
 * The platform's AWS layout for a runbook that names no region, zone count or WAF and rolls its
 * releases: every value a default, `rolling` says why this runbook's releases roll.
 */
export function defaultAws(rolling: string, source?: Source): Runbook["aws"] {
    return {
        region: DEFAULTS.awsRegion.value,
        availabilityZones: DEFAULTS.availabilityZones.value,
        waf: DEFAULTS.waf.value,
        blueGreen: false,
        ...(source ? { source } : {}),
        defaulted: { region: DEFAULTS.awsRegion.reason, availabilityZones: DEFAULTS.availabilityZones.reason, waf: DEFAULTS.waf.reason, blueGreen: rolling },
    };
}
