import * as aws from "@pulumi/aws";
import { finding, inputsOf, label, resourceRule } from "../lib/policy";
import { asArray } from "../lib/values";

/** PostgreSQL on RDS refuses unencrypted connections. */
export const awsRdsParameterGroupForceSsl = resourceRule({
    name: "aws-rds-parametergroup-force-ssl",
    description: "RDS PostgreSQL parameter groups require TLS: rds.force_ssl is 1 (the default from PostgreSQL 15) and never set to 0.",
    tier: "security",
    target: "aws",
    types: ["aws:rds/parameterGroup:ParameterGroup"],
    remediationSteps: "Set the parameter rds.force_ssl = 1 (or leave it at the PostgreSQL 15+ default).",
    check: (s) => {
        const p = inputsOf(s, aws.rds.ParameterGroup);
        const family = String(p?.family ?? "");
        const version = /^postgres(\d+)/.exec(family)?.[1];
        if (!p || !version) return [];
        const forced = asArray<{ name?: string; value?: string }>(p.parameters).find((x) => x?.name === "rds.force_ssl");
        if (forced && String(forced.value) !== "1") return [finding(`${label(s)}: rds.force_ssl is ${forced.value}; connections to the database must use TLS`)];
        if (!forced && Number(version) < 15) return [finding(`${label(s)}: family ${family} defaults rds.force_ssl to 0; set it to 1 so connections use TLS`)];
        return [];
    },
});
