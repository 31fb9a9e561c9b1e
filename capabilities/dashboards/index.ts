export * from "./dashboards";

/** Grafana's admin login on every target that runs Grafana; its password is the generated `PlatformSecrets.grafanaAdmin`. */
export const GRAFANA_ADMIN_USER = "admin";
