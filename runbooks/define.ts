import { DEFAULTS as D } from "./defaults";
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
        levels: [{ severity: "warning", threshold: D.certExpiryDays.value, for: D.alertFor.value, source, defaulted: { threshold: D.certExpiryDays.reason, for: D.alertFor.reason } }],
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
        levels: [{ severity: "warning", threshold: D.backupAgeFactor.value, for: D.alertFor.value, source, defaulted: { threshold: D.backupAgeFactor.reason, for: D.alertFor.reason, ...extra } }],
    };
}

/**
 * The platform's daily Redis snapshot, for a runbook that runs Redis but schedules no copy of it:
 * the default daily cron and retention; `why` says what the runbook does say about the cache.
 */
export function defaultRedisSnapshot(source: Source, why: string): Backup {
    return {
        dataset: "redis",
        cron: D.backupDailyCron.value,
        every: "1d",
        retentionDays: D.backupRetentionDays.value,
        source,
        defaulted: { "*": why, cron: D.backupDailyCron.reason, retentionDays: D.backupRetentionDays.reason },
    };
}

/**
 * The platform's AWS layout for a runbook that names no region, zone count or WAF and rolls its
 * releases: every value a default, `rolling` says why this runbook's releases roll.
 */
export function defaultAws(rolling: string, source?: Source): Runbook["aws"] {
    return {
        region: D.awsRegion.value,
        availabilityZones: D.availabilityZones.value,
        waf: D.waf.value,
        blueGreen: false,
        ...(source ? { source } : {}),
        defaulted: { region: D.awsRegion.reason, availabilityZones: D.availabilityZones.reason, waf: D.waf.reason, blueGreen: rolling },
    };
}
