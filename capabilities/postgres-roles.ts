import type { Runbook } from "../runbooks";

/**
 * Who logs in to the app's PostgreSQL database, on every target. The runbook's `data.postgres.user`
 * is the administrator (the image's first user on Docker, the RDS master user on AWS: renaming it
 * would replace the instance) and is used only for administration and backups. The app logs in as
 * its own role, the owner of its database and of the `public` schema, with no superuser,
 * CREATEROLE, CREATEDB, replication or RLS bypass; the exporters log in as a read-only role with
 * `pg_monitor`, which reads statistics, not the app's tables.
 *
 * On Kubernetes CloudNativePG already separates them: its superuser is `postgres` (access
 * disabled) and `data.postgres.user` is the database owner without superuser, so there the app
 * keeps that name and only the monitoring role is added (`capabilities/kubernetes/postgres.ts`).
 */

type Postgres = NonNullable<Runbook["data"]["postgres"]>;

export interface PostgresRoles {
    /** The administrator: `data.postgres.user`. */
    readonly admin: string;
    /** The app's login, owner of its database. */
    readonly app: string;
    /** The exporters' login: `pg_monitor`, read-only. */
    readonly monitor: string;
}

/** PostgreSQL's limit on identifier length (NAMEDATALEN - 1). */
const MAX_IDENTIFIER = 63;

export function postgresRoles(app: string, pg: Pick<Postgres, "user">): PostgresRoles {
    const roles = { admin: pg.user, app: `${pg.user}_app`, monitor: `${pg.user}_monitor` };
    for (const [which, name] of Object.entries(roles)) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.length > MAX_IDENTIFIER) {
            throw new Error(`${app}: data.postgres.user = ${JSON.stringify(pg.user)} gives the ${which} role ${JSON.stringify(name)}; a role name must be lower-case letters, digits and _ (starting with a letter or _), at most ${MAX_IDENTIFIER} characters`);
        }
    }
    return roles;
}

/** Environment variables the roles script reads its passwords from (never part of the SQL text). */
export const ROLE_PASSWORD_ENV = { app: "APP_DB_PASSWORD", monitor: "MONITOR_DB_PASSWORD" } as const;

/**
 * The SQL that creates or updates both roles, for psql connected to the app's database as the
 * administrator, with the variables `db`, `app_role`, `app_pw`, `monitor_role`, `monitor_pw`. psql
 * quotes each (`:'x'` as a literal, `:"x"` as an identifier), so a password never becomes SQL text.
 * It is idempotent (run on every start of the init step) and works for an administrator that is
 * not a superuser, as RDS's master user is not: it uses only CREATEROLE, membership and ownership.
 * A role found with superuser, replication or RLS bypass stops it with an error rather than being
 * used as it is.
 */
export const POSTGRES_ROLES_SQL = `\\set ON_ERROR_STOP on
SELECT count(*) > 0 AS too_strong FROM pg_roles
 WHERE rolname IN (:'app_role', :'monitor_role') AND (rolsuper OR rolreplication OR rolbypassrls) \\gset
\\if :too_strong
DO $$ BEGIN RAISE EXCEPTION 'the app or monitoring role exists with SUPERUSER, REPLICATION or BYPASSRLS: remove the attribute or the role'; END $$;
\\endif
SELECT format('CREATE ROLE %I', :'app_role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \\gexec
SELECT format('CREATE ROLE %I', :'monitor_role') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'monitor_role') \\gexec
ALTER ROLE :"app_role" WITH LOGIN NOCREATEROLE NOCREATEDB INHERIT PASSWORD :'app_pw';
ALTER ROLE :"monitor_role" WITH LOGIN NOCREATEROLE NOCREATEDB INHERIT PASSWORD :'monitor_pw';
ALTER ROLE :"monitor_role" SET default_transaction_read_only = on;
-- Changing an owner needs membership in the new owner; a superuser has it anyway.
GRANT :"app_role" TO CURRENT_USER;
ALTER DATABASE :"db" OWNER TO :"app_role";
ALTER SCHEMA public OWNER TO :"app_role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"monitor_role";
GRANT pg_monitor TO :"monitor_role";
`;

/** The psql variables of `POSTGRES_ROLES_SQL`, the passwords read from `ROLE_PASSWORD_ENV` by the shell. */
export function postgresRolesVariables(roles: PostgresRoles, database: string): string[] {
    return [
        `-v db=${shellWord(database)}`,
        `-v app_role=${shellWord(roles.app)}`,
        `-v app_pw="$${ROLE_PASSWORD_ENV.app}"`,
        `-v monitor_role=${shellWord(roles.monitor)}`,
        `-v monitor_pw="$${ROLE_PASSWORD_ENV.monitor}"`,
    ];
}

/**
 * A shell snippet that runs `POSTGRES_ROLES_SQL` with `psql` (its connection from libpq's PG*
 * variables or the given options), after checking both passwords are set.
 */
export function postgresRolesScript(roles: PostgresRoles, database: string, psql = "psql"): string {
    return [
        `: "\${${ROLE_PASSWORD_ENV.app}:?the app role's password is required in ${ROLE_PASSWORD_ENV.app}}"`,
        `: "\${${ROLE_PASSWORD_ENV.monitor}:?the monitoring role's password is required in ${ROLE_PASSWORD_ENV.monitor}}"`,
        `${psql} -X -v ON_ERROR_STOP=1 ${postgresRolesVariables(roles, database).join(" ")} <<'SQL'`,
        POSTGRES_ROLES_SQL.trimEnd(),
        "SQL",
    ].join("\n");
}

function shellWord(s: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(s)) throw new Error(`${JSON.stringify(s)} is not a plain word for a shell command; use letters, digits, _ . -`);
    return s;
}
