export * from "./dashboards";
export * from "./grafana";
