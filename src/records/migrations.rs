//! The database schema, as numbered migrations; `PRAGMA user_version` says how many have run.

/// Each entry upgrades the schema by one version, in one transaction.
pub const MIGRATIONS: &[&str] = &[
    // 1: trainees, cohorts, attempts (stored in the order recorded, so that reading them all is
    // one sequential pass) with their transcripts (compressed, with the scenario texts they
    // quote kept once in `texts`), kept totals for the dashboard,
    // the attempt in progress, settings, and the LRS outbox.
    r"
    CREATE TABLE cohorts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        trainer TEXT NOT NULL DEFAULT '',
        starts TEXT,
        ends TEXT,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE trainees (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        employee_no TEXT UNIQUE,
        site TEXT NOT NULL DEFAULT '',
        cohort_id INTEGER REFERENCES cohorts(id),
        archived INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE INDEX trainees_by_cohort ON trainees(cohort_id);
    CREATE TABLE attempts (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        scenario TEXT NOT NULL,
        scenario_version INTEGER NOT NULL,
        persona TEXT NOT NULL,
        mode TEXT NOT NULL,
        seed INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER NOT NULL,
        duration_secs INTEGER NOT NULL,
        total REAL NOT NULL,
        passed INTEGER NOT NULL,
        ending TEXT,
        outcome TEXT,
        critical INTEGER NOT NULL,
        principles TEXT NOT NULL,
        steps TEXT NOT NULL
    );
    CREATE INDEX attempts_by_trainee ON attempts(trainee_id, ended_at);
    CREATE INDEX attempts_by_time ON attempts(ended_at);
    CREATE TABLE transcripts (
        attempt INTEGER PRIMARY KEY REFERENCES attempts(seq),
        score BLOB NOT NULL,
        transcript BLOB NOT NULL
    );
    CREATE TABLE texts (
        id INTEGER PRIMARY KEY,
        zh TEXT NOT NULL,
        en TEXT NOT NULL
    );
    CREATE TABLE trainee_totals (
        trainee_id INTEGER PRIMARY KEY REFERENCES trainees(id),
        attempts INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        secs INTEGER NOT NULL,
        best_total REAL NOT NULL,
        latest_total REAL NOT NULL,
        latest_at INTEGER NOT NULL
    );
    CREATE TABLE principle_totals (
        trainee_id INTEGER NOT NULL REFERENCES trainees(id),
        principle TEXT NOT NULL,
        sum_percent REAL NOT NULL,
        attempts INTEGER NOT NULL,
        PRIMARY KEY (trainee_id, principle)
    ) WITHOUT ROWID;
    CREATE TABLE in_progress (
        trainee_id INTEGER PRIMARY KEY REFERENCES trainees(id),
        attempt TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        attempt_id TEXT NOT NULL,
        statement_id TEXT NOT NULL UNIQUE,
        statement TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        sent_at INTEGER,
        tries INTEGER NOT NULL DEFAULT 0,
        next_try_at INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX outbox_pending ON outbox(sent_at, next_try_at);
    ",
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.len() as i64
}
