/* schema: the forward migrations, keyed on PRAGMA user_version.
 *
 * Conventions the queries rely on:
 *  - statuses, kinds and impacts are stored as their model_*_name() text
 *    (readable with the sqlite3 shell, stable across enum reordering);
 *  - times are integer Unix seconds, UTC; 0 means "not set";
 *  - incident_services keeps its rowid so affected services come back in
 *    the order they were given.
 * STRICT tables make SQLite refuse a wrongly typed value instead of
 * silently storing it.
 */
#include <stdio.h>
#include <uv.h>

#include "store_int.h"

/* The body of a change-stamp trigger: the counter goes up and the post
 * takes its value. */
#define REV_BUMP(id)                                                           \
    " UPDATE change_counter SET n = n + 1;"                                    \
    " UPDATE incidents SET rev = (SELECT n FROM change_counter)"               \
    " WHERE id = " id ";"

/* The search index's triggers (migration 5, below) and the refill of the
 * index from the rows, kept apart for store_search_suspend() and
 * store_search_resume(); a later migration that changes the triggers
 * must change these with them. */
#define SEARCH_TRIGGERS                                                        \
    "CREATE TRIGGER search_posts_insert AFTER INSERT ON incidents BEGIN"       \
    "  INSERT INTO search_posts (rowid, title, postmortem)"                    \
    "    VALUES (new.id, new.title, new.postmortem);"                          \
    "END;"                                                                     \
    "CREATE TRIGGER search_posts_delete AFTER DELETE ON incidents BEGIN"       \
    "  INSERT INTO search_posts (search_posts, rowid, title, postmortem)"      \
    "    VALUES ('delete', old.id, old.title, old.postmortem);"                \
    "END;"                                                                     \
    "CREATE TRIGGER search_posts_update"                                       \
    "  AFTER UPDATE OF id, title, postmortem ON incidents BEGIN"               \
    "  INSERT INTO search_posts (search_posts, rowid, title, postmortem)"      \
    "    VALUES ('delete', old.id, old.title, old.postmortem);"                \
    "  INSERT INTO search_posts (rowid, title, postmortem)"                    \
    "    VALUES (new.id, new.title, new.postmortem);"                          \
    "END;"                                                                     \
    "CREATE TRIGGER search_updates_insert AFTER INSERT ON updates BEGIN"       \
    "  INSERT INTO search_updates (rowid, body) VALUES (new.id, new.body);"    \
    "END;"                                                                     \
    "CREATE TRIGGER search_updates_delete AFTER DELETE ON updates BEGIN"       \
    "  INSERT INTO search_updates (search_updates, rowid, body)"               \
    "    VALUES ('delete', old.id, old.body);"                                 \
    "END;"                                                                     \
    "CREATE TRIGGER search_updates_update"                                     \
    "  AFTER UPDATE OF id, body ON updates BEGIN"                              \
    "  INSERT INTO search_updates (search_updates, rowid, body)"               \
    "    VALUES ('delete', old.id, old.body);"                                 \
    "  INSERT INTO search_updates (rowid, body) VALUES (new.id, new.body);"    \
    "END;"
#define SEARCH_REBUILD                                                         \
    "INSERT INTO search_posts (search_posts) VALUES ('rebuild');"              \
    "INSERT INTO search_updates (search_updates) VALUES ('rebuild');"
#define SEARCH_DROP_TRIGGERS                                                   \
    "DROP TRIGGER search_posts_insert; DROP TRIGGER search_posts_delete;"      \
    "DROP TRIGGER search_posts_update; DROP TRIGGER search_updates_insert;"    \
    "DROP TRIGGER search_updates_delete; DROP TRIGGER search_updates_update;"

static const char *const migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE services ("
    "  id INTEGER PRIMARY KEY,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  grp TEXT,"
    "  description TEXT,"
    "  position INTEGER NOT NULL,"
    "  manual_status TEXT CHECK (manual_status IN ('operational',"
    "    'under_maintenance', 'degraded_performance', 'partial_outage',"
    "    'major_outage')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ") STRICT;"
    "CREATE TABLE incidents ("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL CHECK (kind IN ('incident', 'maintenance',"
    "    'notice')),"
    "  title TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  impact TEXT NOT NULL CHECK (impact IN ('none', 'minor', 'major',"
    "    'critical', 'maintenance')),"
    "  created_at INTEGER NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  monitoring_at INTEGER NOT NULL DEFAULT 0,"
    "  resolved_at INTEGER NOT NULL DEFAULT 0,"
    "  scheduled_start INTEGER NOT NULL DEFAULT 0,"
    "  scheduled_end INTEGER NOT NULL DEFAULT 0,"
    "  postmortem TEXT,"
    "  postmortem_at INTEGER NOT NULL DEFAULT 0,"
    "  postmortem_via TEXT"
    ") STRICT;"
    "CREATE TABLE incident_services ("
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id)"
    "    ON DELETE CASCADE,"
    "  service_id INTEGER NOT NULL REFERENCES services(id)"
    "    ON DELETE CASCADE,"
    "  window_start INTEGER NOT NULL DEFAULT 0,"
    "  window_end INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (incident_id, service_id)"
    ") STRICT;"
    "CREATE INDEX incident_services_service"
    "  ON incident_services(service_id);"
    "CREATE TABLE updates ("
    "  id INTEGER PRIMARY KEY,"
    "  incident_id INTEGER NOT NULL REFERENCES incidents(id)"
    "    ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  status TEXT NOT NULL,"
    "  body TEXT NOT NULL DEFAULT '',"
    "  author TEXT,"
    "  via TEXT NOT NULL DEFAULT 'cli'"
    ") STRICT;"
    "CREATE INDEX updates_incident ON updates(incident_id, created_at);",
    /* 2: a status page is a record, so editing an update's text keeps the
     * text it replaced. */
    "CREATE TABLE update_revisions ("
    "  id INTEGER PRIMARY KEY,"
    "  update_id INTEGER NOT NULL REFERENCES updates(id) ON DELETE CASCADE,"
    "  edited_at INTEGER NOT NULL,"
    "  old_body TEXT NOT NULL,"
    "  via TEXT NOT NULL DEFAULT 'cli'"
    ") STRICT;"
    "CREATE INDEX update_revisions_update"
    "  ON update_revisions(update_id, id);",
    /* 3: API tokens for the HTTP write API. Only a hash of each token is
     * kept; the token itself is shown once, when it is made. */
    "CREATE TABLE api_tokens ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  hash BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  revoked_at INTEGER NOT NULL DEFAULT 0"
    ") STRICT;",
    /* 4: when each API token last made a write, so an operator can tell
     * a token still in use from one that can be revoked. */
    "ALTER TABLE api_tokens ADD last_used_at INTEGER NOT NULL DEFAULT 0;",
    /* 5: change stamps, so that a reader can tell which posts changed
     * since it last looked without reading them all: every write to a
     * post or to anything of it (updates, their revisions, the affected
     * services) gives the post a new rev from one counter that only goes
     * up. Triggers make it hold for every write path, the CLI, the API
     * and import alike. Posts written before this version share rev 0,
     * which is as good: they have not changed since. store_id, random,
     * tells this database's stamps from another's, even one copied over
     * it in place. The index finds the
     * posts changed since a stamp without reading the others. WHEN keeps
     * the trigger's own UPDATE of rev from firing it again, whatever
     * recursive_triggers says; any other column counts. */
    /* clang-format off */
    "CREATE TABLE change_counter ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  n INTEGER NOT NULL,"
    "  store_id INTEGER NOT NULL"
    ") STRICT;"
    "INSERT INTO change_counter VALUES (1, 0, random());"
    "ALTER TABLE incidents ADD rev INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX incidents_rev ON incidents(rev);"
    "CREATE TRIGGER incidents_rev_insert AFTER INSERT ON incidents"
    "  BEGIN" REV_BUMP("NEW.id") "END;"
    "CREATE TRIGGER incidents_rev_update AFTER UPDATE ON incidents"
    "  WHEN NEW.rev = OLD.rev BEGIN" REV_BUMP("NEW.id") "END;"
    "CREATE TRIGGER updates_rev_insert AFTER INSERT ON updates"
    "  BEGIN" REV_BUMP("NEW.incident_id") "END;"
    "CREATE TRIGGER updates_rev_update AFTER UPDATE ON updates"
    "  BEGIN" REV_BUMP("NEW.incident_id") REV_BUMP("OLD.incident_id") "END;"
    "CREATE TRIGGER updates_rev_delete AFTER DELETE ON updates"
    "  BEGIN" REV_BUMP("OLD.incident_id") "END;"
    "CREATE TRIGGER revisions_rev_insert AFTER INSERT ON update_revisions"
    "  BEGIN" REV_BUMP("(SELECT incident_id FROM updates"
                       " WHERE id = NEW.update_id)") "END;"
    "CREATE TRIGGER revisions_rev_delete AFTER DELETE ON update_revisions"
    "  BEGIN" REV_BUMP("(SELECT incident_id FROM updates"
                       " WHERE id = OLD.update_id)") "END;"
    "CREATE TRIGGER affected_rev_insert AFTER INSERT ON incident_services"
    "  BEGIN" REV_BUMP("NEW.incident_id") "END;"
    "CREATE TRIGGER affected_rev_update AFTER UPDATE ON incident_services"
    "  BEGIN" REV_BUMP("NEW.incident_id") REV_BUMP("OLD.incident_id") "END;"
    "CREATE TRIGGER affected_rev_delete AFTER DELETE ON incident_services"
    "  BEGIN" REV_BUMP("OLD.incident_id") "END;",
    /* clang-format on */
    /* 6: the search index (store/search.c says how it is used). Two FTS5
     * tables with the trigram tokenizer, which indexes every sequence of
     * three characters and so finds substrings: one over each post's
     * title and postmortem (rowid = incident id), one over each update's
     * body (rowid = update id). They are external-content tables over the
     * rows themselves, so the text is not stored twice, and detail=none
     * and columnsize=0, since a search only asks which rows hold all of
     * some trigrams (no positions, no ranking): the index of a 10,000-post
     * history (14 MB of text) takes 10 MB, where positions would take four
     * times as much. The triggers are
     * the FTS5 documentation's for external content ("External Content
     * Tables"): a changed row's old text is deleted from the index with
     * the values it was indexed with, then its new text is added, so every
     * writer (the CLI, the API, import) keeps the index current inside
     * its own transaction. One row per text, not per post, keeps a write
     * cheap: a new update indexes its own body, not its post's whole
     * history again. Service names are few and are matched against the
     * snapshot, so they need no index. 'rebuild' fills both tables from
     * the rows already there. */
    "CREATE VIRTUAL TABLE search_posts USING fts5(title, postmortem,"
    "  content='incidents', content_rowid='id', tokenize='trigram',"
    "  detail='none', columnsize=0);"
    "CREATE VIRTUAL TABLE search_updates USING fts5(body,"
    "  content='updates', content_rowid='id', tokenize='trigram',"
    "  detail='none', columnsize=0);" SEARCH_TRIGGERS SEARCH_REBUILD,
    /* 7: maintenance that runs itself, as Statuspage's "automatically
     * start/complete on schedule": the server moves a maintenance with
     * auto_start to in_progress when its window begins, and one with
     * auto_complete to completed when it ends (store_maintenance_due()). */
    "ALTER TABLE incidents ADD auto_start INTEGER NOT NULL DEFAULT 0"
    "  CHECK (auto_start IN (0, 1));"
    "ALTER TABLE incidents ADD auto_complete INTEGER NOT NULL DEFAULT 0"
    "  CHECK (auto_complete IN (0, 1));",
};

#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_schema_version(void)
{
    return N_MIGRATIONS;
}

static int user_version(struct store *st, int *out)
{
    sqlite3_stmt *stmt;
    int rc = store_prepare(st, "PRAGMA user_version", &stmt);
    if (rc != 0)
        return rc;
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        rc = store_sql_fail(st, "reading the schema version");
    } else {
        *out = sqlite3_column_int(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return rc;
}

int store_migrate(struct store *st)
{
    int version;
    int rc = user_version(st, &version);
    if (rc != 0)
        return rc;
    if (version > N_MIGRATIONS)
        return store_fail(st, UV_EIO,
                          "database schema version %d is newer than this "
                          "outpost understands (%d)",
                          version, N_MIGRATIONS);
    while (version < N_MIGRATIONS) {
        rc = store_begin(st, true);
        if (rc != 0)
            return rc;
        /* Read again under the write lock: another process may have
         * migrated while we waited for it. */
        rc = user_version(st, &version);
        if (rc != 0)
            goto out;
        if (version >= N_MIGRATIONS) {
            store_rollback(st);
            break;
        }
        if (sqlite3_exec(st->db, migrations[version], NULL, NULL, NULL) !=
            SQLITE_OK) {
            char what[64];
            snprintf(what, sizeof(what), "migrating to schema version %d",
                     version + 1);
            rc = store_sql_fail(st, what);
            goto out;
        }
        /* PRAGMA takes no bound parameters; the value is our own int. */
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            rc = store_sql_fail(st, "setting the schema version");
            goto out;
        }
        rc = store_commit(st);
        if (rc != 0)
            goto out;
        version++;
    }
    return 0;
out:
    store_rollback(st);
    return rc;
}

int store_search_suspend(struct store *st)
{
    if (sqlite3_exec(st->db, SEARCH_DROP_TRIGGERS, NULL, NULL, NULL) !=
        SQLITE_OK)
        return store_sql_fail(st, "suspending the search index");
    return 0;
}

int store_search_resume(struct store *st)
{
    if (sqlite3_exec(st->db, SEARCH_TRIGGERS SEARCH_REBUILD, NULL, NULL,
                     NULL) != SQLITE_OK)
        return store_sql_fail(st, "rebuilding the search index");
    return 0;
}
