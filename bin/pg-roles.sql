-- Minhu on PostgreSQL: the owner migrates, the app works as a role that cannot rewrite the audit log.
--
-- Run as a superuser (or the database owner) after every `manage.py migrate`, e.g.
--   psql "$ADMIN_DATABASE_URL" -v owner=minhu_owner -v app=minhu_app -v app_password='…' -f bin/pg-roles.sql
-- Then the app servers and task workers use DATABASE_URL=postgres://minhu_app:…@host/minhu, and only
-- `manage.py migrate` (deploys) uses the owner's URL. Safe to run again: it only creates what is missing and
-- grants and revokes to the same end state.
--
-- What the app role gets: read and write on every table and sequence of the schema, except the audit log
-- (audit_auditentry), where it may only SELECT and INSERT. It owns nothing, so it cannot TRUNCATE, ALTER,
-- DISABLE TRIGGER or DROP, and `session_replication_role` needs a superuser: the append-only trigger of
-- migration audit.0002 stays in force for every statement the app can send.
\set ON_ERROR_STOP on

SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app', :'app_password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', :'app', :'app_password') \gexec

SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'app') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app') \gexec
SELECT format('REVOKE CREATE ON SCHEMA public FROM %I', :'app') \gexec

-- every table and sequence the migrations made so far, and those later migrations make as the owner
SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
              :'owner', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I',
              :'owner', :'app') \gexec

-- the audit log: append and read, nothing else
SELECT format('REVOKE ALL ON TABLE audit_auditentry FROM %I', :'app') \gexec
SELECT format('GRANT SELECT, INSERT ON TABLE audit_auditentry TO %I', :'app') \gexec
