export * from "./dashboards";
