import * as pulumi from "@pulumi/pulumi";
import { PolicyPack } from "@pulumi/policy";
import { parseStackName } from "../capabilities/stacks";
import { packConfigFor, PACK_NAME, policies } from "./pack";

/**
 * The pack, loaded by index.ts (the entry point for `pulumi preview -s <stack> --policy-pack
 * policies`, which hands the pack to tsx). The engine starts this
 * program with the stack in its environment (PULUMI_NODEJS_STACK, which `pulumi.getStack()`
 * reads, and PULUMI_STACK); the stack's environment picks each policy's level (production blocks
 * on runbook numbers, a laptop stack only on security). A stack outside the `<app>-<env>` scheme
 * gets the policies' own (production) levels.
 */
function initialConfig() {
    for (const stack of [pulumi.getStack(), process.env.PULUMI_STACK]) {
        try {
            if (stack) return packConfigFor(parseStackName(stack).env);
        } catch {
            // not one of ours: try the next name
        }
    }
    return undefined;
}

new PolicyPack(
    PACK_NAME,
    {
        policies: [...policies],
        enforcementLevel: "mandatory",
        description: "Holds each stack to its app's operations runbook: alerts, routing, backups, scaling, sizing, data safety.",
        tags: ["runbooks", "docker", "kubernetes", "aws"],
    },
    initialConfig(),
);
