"""PostgreSQL only: the monthly figures the dashboard reads instead of a million cases (cases/metrics.py;
docs/cases-metrics.md, "How the figures are computed"; docs/decisions.md).

``cases_monthly_figures`` holds, per level of the region tree (2: subdistricts, 3: neighbourhoods, 4:
grids) × region at that level × month of receipt (Asia/Shanghai) × main unit × category, every count
of the three rates; each case counts once at each level, under its ancestor there (or under its own
region when that is higher up). A dashboard for a region at level d reads the rows of level d + 1
under it: a district's year is some twenty thousand rows, not half a million cases. A row trigger on
``cases_case`` keeps the figures exact inside the writing transaction itself: every INSERT, UPDATE
(ORM ``save`` or queryset ``update``) and DELETE appends the case's old contribution, negated, and its
new one to ``cases_figures_delta`` (insert-only, so writers never wait for each other there); readers
add those rows, and the periodic job folds them into the monthly rows. TRUNCATE empties both.

Two counts depend on the moment, not only on the case: "due for response but not responded to" and
"overdue". The table holds them as of a cut-off moment (``cases_figures_cutoff``), which a periodic
job moves forward (cases.metrics.advance_cutoff); a reader adds the few cases whose deadline fell
between the cut-off and now, found with the two small partial indexes below.
"""

from django.db import migrations

EXCLUDED = "('cancelled', 'merged')"
DONE = "('resolved', 'visited', 'archived')"
CLOCK = "('new', 'dispatched', 'accepted', 'contacted', 'in_progress')"
COUNTS = (
    "received", "responded", "due_unresponded", "responded_on_time", "resolved", "resolved_on_time", "rated",
    "satisfied", "not_visited", "overdue",
)  # fmt: skip
KEY = ("level", "region_path", "month", "main_unit_id", "category_id")
LEVELS = "generate_series(2, 4) AS lv(level)"  # cases.metrics.LEVELS
COLUMNS = ", ".join(KEY + COUNTS)
SUMS = ", ".join(f"sum({c})" for c in COUNTS)
CUTOFF = "(SELECT at FROM cases_figures_cutoff)"


def contribution(r: str, cutoff: str, sign: str = "") -> str:
    """The key and the counts (each 0 or 1, times ``sign``) one case row ``r`` contributes."""
    return ", ".join([key(r)] + [f"{sign}{c} AS {name}" for c, name in zip(counts(r, cutoff), COUNTS, strict=True)])


def counts(r: str, cutoff: str) -> list[str]:
    return [
        "1",
        f"({r}.first_contacted_at IS NOT NULL)::int",
        f"coalesce({r}.first_contacted_at IS NULL AND {r}.first_contact_due_at < {cutoff}, false)::int",
        f"coalesce({r}.first_contacted_at <= {r}.first_contact_due_at, false)::int",
        f"({r}.status IN {DONE})::int",
        f"coalesce({r}.status IN {DONE} AND {r}.resolved_at <= {r}.due_at, false)::int",
        f"({r}.verdict IN ('satisfied', 'basic', 'unsatisfied'))::int",
        f"({r}.verdict IN ('satisfied', 'basic'))::int",
        f"({r}.verdict = 'not_visited')::int",
        f"coalesce({r}.status IN {CLOCK} AND {r}.paused_at IS NULL AND {r}.due_at < {cutoff}, false)::int",
    ]


def same_rows(a: str, b: str) -> str:
    return (
        f"{a}.region_path = {b}.region_path AND {a}.category_id = {b}.category_id "
        f"AND {a}.main_unit_id IS NOT DISTINCT FROM {b}.main_unit_id "
        f"AND date_trunc('month', {a}.created_at AT TIME ZONE 'Asia/Shanghai') "
        f"= date_trunc('month', {b}.created_at AT TIME ZONE 'Asia/Shanghai')"
    )


def key(r: str) -> str:
    parts = [
        "lv.level",
        f"substr({r}.region_path, 1, lv.level * 6)",  # paths are "00001.00012.…": six characters a level
        f"(date_trunc('month', {r}.created_at AT TIME ZONE 'Asia/Shanghai'))::date",
        f"coalesce({r}.main_unit_id, 0)",
        f"{r}.category_id",
    ]
    return ", ".join(f"{k} AS {name}" for k, name in zip(parts, KEY, strict=True))


UPSERT = f"""ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET
    {", ".join(f"{c} = f.{c} + EXCLUDED.{c}" for c in COUNTS)}"""

# the figures of all cases as of the cut-off (here and in cases.metrics.rebuild_monthly_figures)
BACKFILL = f"""INSERT INTO cases_monthly_figures ({COLUMNS})
    SELECT {", ".join(KEY)}, {SUMS}
    FROM (SELECT {contribution("c", CUTOFF)} FROM cases_case c, {LEVELS} WHERE c.status NOT IN {EXCLUDED}) one
    GROUP BY {", ".join(KEY)}"""

# Moving the cut-off from %(lo)s to %(hi)s (%(sign)s = 1; -1 moves it back): the cases whose deadline
# falls in between become (or stop being) due for response or overdue (cases.metrics.advance_cutoff).
_RESPONSE_LATE = (
    f"c.first_contacted_at IS NULL AND c.status NOT IN {EXCLUDED} "
    "AND c.first_contact_due_at >= %(lo)s AND c.first_contact_due_at < %(hi)s"
)
_OVERDUE = f"c.status IN {CLOCK} AND c.paused_at IS NULL AND c.due_at >= %(lo)s AND c.due_at < %(hi)s"
ADVANCE = f"""INSERT INTO cases_monthly_figures AS f ({COLUMNS})
    SELECT {", ".join(KEY)}, {SUMS}
    FROM (
        SELECT {key("c")}, 0 AS received, 0 AS responded,
            %(sign)s * coalesce({_RESPONSE_LATE}, false)::int AS due_unresponded, 0 AS responded_on_time, 0 AS resolved,
            0 AS resolved_on_time, 0 AS rated, 0 AS satisfied, 0 AS not_visited,
            %(sign)s * coalesce({_OVERDUE}, false)::int AS overdue
        FROM cases_case c, {LEVELS} WHERE ({_RESPONSE_LATE}) OR ({_OVERDUE})
    ) late
    GROUP BY {", ".join(KEY)}
    {UPSERT}"""

# Folding the writers' deltas into the monthly rows (cases.metrics.advance_cutoff, every five minutes):
# rows committed after this statement's snapshot stay for the next fold.
FOLD = f"""WITH moved AS (DELETE FROM cases_figures_delta RETURNING *)
    INSERT INTO cases_monthly_figures AS f ({COLUMNS})
    SELECT {", ".join(KEY)}, {SUMS} FROM moved GROUP BY {", ".join(KEY)}
    {UPSERT}"""

CREATE = [
    f"""CREATE TABLE cases_monthly_figures (
        level smallint NOT NULL,
        region_path varchar(255) NOT NULL,
        month date NOT NULL,
        main_unit_id integer NOT NULL,  -- 0: not dispatched yet
        category_id integer NOT NULL,
        {", ".join(f"{c} integer NOT NULL" for c in COUNTS)}
    )""",
    # covering: a region's months are one index-only range scan
    "CREATE UNIQUE INDEX cases_monthly_figures_key ON cases_monthly_figures "
    f"(level, region_path varchar_pattern_ops, month, main_unit_id, category_id) INCLUDE ({', '.join(COUNTS)})",
    # what case writes added since the last fold (same columns; readers add it to the monthly rows)
    "CREATE TABLE cases_figures_delta (LIKE cases_monthly_figures)",
    "CREATE INDEX cases_figures_delta_region ON cases_figures_delta (level, region_path varchar_pattern_ops, month)",
    "CREATE TABLE cases_figures_cutoff (id integer PRIMARY KEY CHECK (id = 1), at timestamptz NOT NULL)",
    "INSERT INTO cases_figures_cutoff VALUES (1, now())",
    # Writers only ever INSERT into cases_figures_delta: no row of the figures is locked by a case
    # write, so concurrent intakes neither wait for each other nor deadlock. A workflow step that keeps
    # the case in the same rows writes its difference (three rows); otherwise the old rows lose the case
    # and the new rows gain it (six rows).
    f"""CREATE FUNCTION cases_monthly_figures_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        cutoff timestamptz := {CUTOFF};
        old_counts integer[];
        new_counts integer[];
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.status NOT IN {EXCLUDED} THEN
            old_counts := ARRAY[{", ".join(counts("OLD", "cutoff"))}];
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.status NOT IN {EXCLUDED} THEN
            new_counts := ARRAY[{", ".join(counts("NEW", "cutoff"))}];
        END IF;
        IF old_counts IS NOT NULL AND new_counts IS NOT NULL AND {same_rows("OLD", "NEW")} THEN
            IF old_counts = new_counts THEN
                RETURN NULL;
            END IF;
            INSERT INTO cases_figures_delta ({COLUMNS})
            SELECT {key("NEW")}, {", ".join(f"new_counts[{i}] - old_counts[{i}]" for i in range(1, len(COUNTS) + 1))}
            FROM {LEVELS};
            RETURN NULL;
        END IF;
        IF old_counts IS NOT NULL THEN
            INSERT INTO cases_figures_delta ({COLUMNS})
            SELECT {key("OLD")}, {", ".join(f"-old_counts[{i}]" for i in range(1, len(COUNTS) + 1))} FROM {LEVELS};
        END IF;
        IF new_counts IS NOT NULL THEN
            INSERT INTO cases_figures_delta ({COLUMNS})
            SELECT {key("NEW")}, {", ".join(f"new_counts[{i}]" for i in range(1, len(COUNTS) + 1))} FROM {LEVELS};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION cases_monthly_figures_clear() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE cases_monthly_figures, cases_figures_delta;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER cases_monthly_figures_insert_delete AFTER INSERT OR DELETE ON cases_case "
    "FOR EACH ROW EXECUTE FUNCTION cases_monthly_figures_apply()",
    # only when a column the figures read changes: notes, search tokens and versions cost nothing here
    "CREATE TRIGGER cases_monthly_figures_update AFTER UPDATE ON cases_case FOR EACH ROW WHEN ("
    "(OLD.status, OLD.verdict, OLD.created_at, OLD.region_path, OLD.main_unit_id, OLD.category_id, "
    "OLD.first_contacted_at, OLD.first_contact_due_at, OLD.resolved_at, OLD.due_at, OLD.paused_at) IS DISTINCT FROM "
    "(NEW.status, NEW.verdict, NEW.created_at, NEW.region_path, NEW.main_unit_id, NEW.category_id, "
    "NEW.first_contacted_at, NEW.first_contact_due_at, NEW.resolved_at, NEW.due_at, NEW.paused_at)) "
    "EXECUTE FUNCTION cases_monthly_figures_apply()",
    "CREATE TRIGGER cases_monthly_figures_truncate AFTER TRUNCATE ON cases_case "
    "FOR EACH STATEMENT EXECUTE FUNCTION cases_monthly_figures_clear()",
    BACKFILL,  # the triggers above make writers wait until this commits
    # the cases whose deadline falls between the cut-off and now (cases.metrics)
    "CREATE INDEX IF NOT EXISTS case_response_due_idx ON cases_case (first_contact_due_at) "
    f"WHERE first_contacted_at IS NULL AND status NOT IN {EXCLUDED}",
    "CREATE INDEX IF NOT EXISTS case_overdue_due_idx ON cases_case (due_at) "
    f"WHERE status IN {CLOCK} AND paused_at IS NULL",
]
DROP = [
    "DROP INDEX IF EXISTS case_overdue_due_idx",
    "DROP INDEX IF EXISTS case_response_due_idx",
    "DROP TRIGGER IF EXISTS cases_monthly_figures_truncate ON cases_case",
    "DROP TRIGGER IF EXISTS cases_monthly_figures_update ON cases_case",
    "DROP TRIGGER IF EXISTS cases_monthly_figures_insert_delete ON cases_case",
    "DROP FUNCTION IF EXISTS cases_monthly_figures_clear()",
    "DROP FUNCTION IF EXISTS cases_monthly_figures_apply()",
    "DROP TABLE IF EXISTS cases_figures_cutoff",
    "DROP TABLE IF EXISTS cases_figures_delta",
    "DROP TABLE IF EXISTS cases_monthly_figures",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_open311_requests")]
    operations = [migrations.RunPython(create, drop)]
