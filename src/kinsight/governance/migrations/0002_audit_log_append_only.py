"""The audit log is append-only in the database itself, not only by convention.

On PostgreSQL (the database of a real deployment) a trigger refuses every UPDATE and
DELETE of an audit entry, whoever asks: a bug, a careless query or a compromised
application account cannot rewrite the record of who looked at which child. The hash
chain still detects what someone with the rights to drop the trigger might do.

SQLite (the embedded default, for one analyst's machine and the demo) has no such
guard: Django empties tables there with DELETE, which the trigger would refuse.
"""

from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION kinsight_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % of entry % refused', TG_OP, OLD.seq
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON governance_auditentry
    FOR EACH ROW EXECUTE FUNCTION kinsight_audit_append_only();
"""

REMOVE = """
DROP TRIGGER audit_append_only ON governance_auditentry;
DROP FUNCTION kinsight_audit_append_only();
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(APPEND_ONLY), on_postgresql(REMOVE))]
