"""The embedded backend's text indexes, which depend on the database.

SQLite: an FTS5 table with the trigram tokenizer over SearchEntry (external content,
kept in step by triggers). PostgreSQL: pg_trgm (a trusted extension since PostgreSQL 13,
so the database owner may create it) and GIN trigram indexes. Other databases: none.
"""

from django.db import migrations

SQLITE = [
    """CREATE VIRTUAL TABLE search_searchentry_fts USING fts5(
        names, codes, purpose,
        content='search_searchentry', content_rowid='organization_id',
        tokenize='trigram')""",
    """CREATE TRIGGER search_searchentry_ai AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_searchentry_fts(rowid, names, codes, purpose)
        VALUES (new.organization_id, new.names, new.codes, new.purpose);
    END""",
    """CREATE TRIGGER search_searchentry_ad AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, names, codes, purpose)
        VALUES ('delete', old.organization_id, old.names, old.codes, old.purpose);
    END""",
    """CREATE TRIGGER search_searchentry_au AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_searchentry_fts(search_searchentry_fts, rowid, names, codes, purpose)
        VALUES ('delete', old.organization_id, old.names, old.codes, old.purpose);
        INSERT INTO search_searchentry_fts(rowid, names, codes, purpose)
        VALUES (new.organization_id, new.names, new.codes, new.purpose);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_searchentry_au",
    "DROP TRIGGER IF EXISTS search_searchentry_ad",
    "DROP TRIGGER IF EXISTS search_searchentry_ai",
    "DROP TABLE IF EXISTS search_searchentry_fts",
]
POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_entry_document_trgm "
    "ON search_searchentry USING gin (document gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS search_entry_names_trgm "
    "ON search_searchentry USING gin (names gin_trgm_ops)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS search_entry_names_trgm",
    "DROP INDEX IF EXISTS search_entry_document_trgm",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
