import { buildPlatform } from "./stacks/program";

// `pulumi up -s <app>-<env>`: the stack name picks the app and environment.
export = buildPlatform();
