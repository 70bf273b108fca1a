//! The records database: opening it safely, migrations, and every read and write.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, Transaction, params};
use thiserror::Error;
use uuid::Uuid;

use crate::roleplay::Mode;
use crate::scenario::{Lang, Outcome, as_sentence};

use super::collate::name_key;
use super::migrations::{MIGRATIONS, latest};
use super::packed;
use super::time::{Date, now_secs};
use super::{
    AttemptRecord, AttemptSummary, Cohort, Filter, InProgress, LineScore, PrincipleAverage,
    PrincipleTally, Trainee, TraineeError, TraineeRow, clean_name, sort_weakest_first,
};

/// The records file's name in the data folder.
pub const DB_FILE: &str = "records.sqlite3";

/// How long a write waits for another program that holds the file.
const BUSY_WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, Error)]
pub enum RecordsError {
    #[error(transparent)]
    Trainee(#[from] TraineeError),
    #[error("no trainee {0}")]
    UnknownTrainee(String),
    #[error("{0} trainees match `{1}`; use the id")]
    AmbiguousTrainee(usize, String),
    #[error("no cohort {0}")]
    UnknownCohort(String),
    #[error("{path}: the records file is in use by another program; close it and try again")]
    Locked { path: String },
    #[error("{path}: the records file is read-only; nothing can be saved")]
    ReadOnly { path: String },
    #[error(
        "{path}: the records file was written by a newer version of this program (schema {found}, this version knows up to {known}); it was left untouched"
    )]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("{path}: the records file is damaged ({detail}); it was left untouched")]
    Corrupt { path: String, detail: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("{what} in the records is unreadable: {source}")]
    Stored {
        what: String,
        source: serde_json::Error,
    },
    #[error("the records connection was poisoned by an earlier failure")]
    Poisoned,
}

impl RecordsError {
    /// The message shown to the user, in `lang`; the system's own reasons stay as it gives
    /// them (in English).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RecordsError::Trainee(e), _) => e.message(lang),
            (_, Lang::En) => as_sentence(self),
            (RecordsError::UnknownTrainee(who), Lang::Zh) => format!("没有学员 {who}"),
            (RecordsError::AmbiguousTrainee(n, who), Lang::Zh) => {
                format!("有 {n} 位学员与“{who}”相符，请改用编号")
            }
            (RecordsError::UnknownCohort(which), Lang::Zh) => format!("没有班级 {which}"),
            (RecordsError::Locked { path }, Lang::Zh) => {
                format!("{path}：记录文件正被另一个程序使用，请关闭它后再试")
            }
            (RecordsError::ReadOnly { path }, Lang::Zh) => {
                format!("{path}：记录文件是只读的，什么也保存不了")
            }
            (RecordsError::NewerSchema { path, found, known }, Lang::Zh) => format!(
                "{path}：记录文件由更新版本的程序写成（格式 {found}，本版本最多认识 {known}），未作任何改动"
            ),
            (RecordsError::Corrupt { path, detail }, Lang::Zh) => {
                format!("{path}：记录文件已损坏（{detail}），未作任何改动")
            }
            (RecordsError::Io { path, source }, Lang::Zh) => format!("{path}：{source}"),
            (RecordsError::Sqlite { path, source }, Lang::Zh) => format!("{path}：{source}"),
            (RecordsError::Stored { what, source }, Lang::Zh) => {
                format!("记录中有内容无法读取（{what}）：{source}")
            }
            (RecordsError::Poisoned, Lang::Zh) => {
                "记录连接在之前的一次失败后已不可用，请重新启动程序".to_string()
            }
        }
    }

    /// The database cannot be used at all: the app falls back to guest mode.
    pub fn is_unusable(&self) -> bool {
        matches!(
            self,
            RecordsError::Locked { .. }
                | RecordsError::ReadOnly { .. }
                | RecordsError::NewerSchema { .. }
                | RecordsError::Corrupt { .. }
                | RecordsError::Io { .. }
        )
    }
}

fn describe(path: Option<&Path>) -> String {
    path.map_or_else(|| "(in memory)".to_string(), |p| p.display().to_string())
}

/// Turns SQLite's error into one that says what it means for the user's file.
fn classify(path: Option<&Path>, e: rusqlite::Error) -> RecordsError {
    let path_text = describe(path);
    if let rusqlite::Error::SqliteFailure(ref failure, ref detail) = e {
        match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return RecordsError::Locked { path: path_text };
            }
            ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::PermissionDenied
                if path.is_some_and(is_read_only) =>
            {
                return RecordsError::ReadOnly { path: path_text };
            }
            ErrorCode::ReadOnly => return RecordsError::ReadOnly { path: path_text },
            ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt => {
                return RecordsError::Corrupt {
                    path: path_text,
                    detail: detail.clone().unwrap_or_else(|| failure.to_string()),
                };
            }
            _ => {}
        }
    }
    RecordsError::Sqlite {
        path: path_text,
        source: e,
    }
}

fn is_read_only(path: &Path) -> bool {
    let file_ro = std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
    let dir_ro = path
        .parent()
        .and_then(|d| std::fs::metadata(d).ok())
        .is_some_and(|m| m.permissions().readonly());
    file_ro || dir_ro
}

fn stored<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, RecordsError> {
    serde_json::from_str(text).map_err(|source| RecordsError::Stored {
        what: what.to_string(),
        source,
    })
}

fn to_json<T: serde::Serialize>(what: &str, value: &T) -> Result<String, RecordsError> {
    serde_json::to_string(value).map_err(|source| RecordsError::Stored {
        what: what.to_string(),
        source,
    })
}

pub(super) fn mode_of(text: &str) -> Mode {
    if text == "assessment" {
        Mode::Assessment
    } else {
        Mode::Practice
    }
}

pub(super) fn outcome_of(text: Option<&str>) -> Option<Outcome> {
    [
        Outcome::Resolved,
        Outcome::Damaged,
        Outcome::Escalated,
        Outcome::Lost,
    ]
    .into_iter()
    .find(|o| text == Some(o.as_str()))
}

fn outcome_text(outcome: Option<Outcome>) -> Option<String> {
    outcome.map(|o| o.as_str().to_string())
}

/// The records: one SQLite file (or memory, for guests and tests).
#[derive(Debug)]
pub struct Db {
    conn: Mutex<Connection>,
    path: Option<PathBuf>,
    /// Text ids already checked against the `texts` table by this process.
    known_texts: Mutex<std::collections::HashSet<i64>>,
}

/// The columns of `attempts` in the order `StoredBatch::push` reads them.
const SUMMARY_COLUMNS: &str = "a.id, a.trainee_id, a.scenario, a.scenario_version, a.persona, a.mode, a.seed, \
     a.started_at, a.ended_at, a.duration_secs, a.total, a.passed, a.ending, a.outcome, a.critical, \
     a.principles, a.steps";

/// Where a text column of a [`StoredRow`] sits in its batch's `text`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    start: u32,
    end: u32,
}

fn not_text(column: usize, e: rusqlite::types::FromSqlError) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
}

/// An attempt row as stored (`SUMMARY_COLUMNS`), its text columns as spans of the batch's text.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredRow {
    pub id: Span,
    pub trainee_id: i64,
    pub scenario: Span,
    pub scenario_version: i64,
    pub persona: Span,
    pub mode: Span,
    pub seed: i64,
    pub started_at: i64,
    pub ended_at: i64,
    pub duration_secs: i64,
    pub total: f64,
    pub passed: bool,
    /// Absent (NULL) and empty are kept apart, as in [`AttemptSummary`].
    pub ending: Option<Span>,
    pub outcome: Option<Span>,
    pub critical: i64,
    pub principles: Span,
    pub steps: Span,
}

/// A run of stored attempt rows with their text in one buffer.
#[derive(Debug, Default)]
pub struct StoredBatch {
    text: String,
    pub rows: Vec<StoredRow>,
}

impl StoredBatch {
    fn with_capacity(rows: usize) -> Self {
        StoredBatch {
            text: String::with_capacity(rows * 512),
            rows: Vec::with_capacity(rows),
        }
    }

    fn clear(&mut self) {
        self.text.clear();
        self.rows.clear();
    }

    /// The text a span of this batch covers.
    pub fn get(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn keep(&mut self, text: &str) -> Span {
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.text.push_str(text);
        Span {
            start,
            end: u32::try_from(self.text.len()).unwrap_or(u32::MAX),
        }
    }

    fn text_at(&mut self, row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Span> {
        let text = row.get_ref(i)?.as_str().map_err(|e| not_text(i, e))?;
        Ok(self.keep(text))
    }

    fn optional_text_at(
        &mut self,
        row: &rusqlite::Row<'_>,
        i: usize,
    ) -> rusqlite::Result<Option<Span>> {
        let text = row
            .get_ref(i)?
            .as_str_or_null()
            .map_err(|e| not_text(i, e))?;
        Ok(text.map(|text| self.keep(text)))
    }

    /// Copies a row read with `SUMMARY_COLUMNS`.
    fn push(&mut self, row: &rusqlite::Row<'_>) -> rusqlite::Result<()> {
        let stored = StoredRow {
            id: self.text_at(row, 0)?,
            trainee_id: row.get(1)?,
            scenario: self.text_at(row, 2)?,
            scenario_version: row.get(3)?,
            persona: self.text_at(row, 4)?,
            mode: self.text_at(row, 5)?,
            seed: row.get(6)?,
            started_at: row.get(7)?,
            ended_at: row.get(8)?,
            duration_secs: row.get(9)?,
            total: row.get(10)?,
            passed: row.get(11)?,
            ending: self.optional_text_at(row, 12)?,
            outcome: self.optional_text_at(row, 13)?,
            critical: row.get(14)?,
            principles: self.text_at(row, 15)?,
            steps: self.text_at(row, 16)?,
        };
        self.rows.push(stored);
        Ok(())
    }
}

impl StoredRow {
    /// The attempt this row of `batch` holds, its score lines read.
    fn summary(&self, batch: &StoredBatch) -> Result<AttemptSummary, RecordsError> {
        let id_text = batch.get(self.id);
        let id = Uuid::parse_str(id_text).map_err(|e| RecordsError::Corrupt {
            path: "attempts".into(),
            detail: format!("attempt id {id_text}: {e}"),
        })?;
        let lines = |span: Span, what: &str| {
            decode_lines(batch.get(span)).ok_or_else(|| RecordsError::Corrupt {
                path: "attempts".into(),
                detail: format!("attempt {id_text}: unreadable {what} scores"),
            })
        };
        Ok(AttemptSummary {
            id,
            trainee_id: self.trainee_id,
            scenario: batch.get(self.scenario).to_string(),
            scenario_version: u32::try_from(self.scenario_version).unwrap_or(0),
            persona: batch.get(self.persona).to_string(),
            mode: mode_of(batch.get(self.mode)),
            // Seeds are stored as the same 64 bits, signed.
            seed: self.seed as u64,
            started_at: self.started_at,
            ended_at: self.ended_at,
            duration_secs: u64::try_from(self.duration_secs).unwrap_or(0),
            total: self.total,
            passed: self.passed,
            ending: self.ending.map(|e| batch.get(e).to_string()),
            outcome: outcome_of(self.outcome.map(|o| batch.get(o))),
            critical: u32::try_from(self.critical).unwrap_or(0),
            principles: lines(self.principles, "principle")?,
            steps: lines(self.steps, "step")?,
        })
    }
}

/// Principle or step scores as kept in a row: `id,points,min,max,percent;…` (percent empty when
/// not tested). Ids are catalogue identifiers (letters, digits, `_`), so the separators never
/// clash; the form is read a million times by an export, so it is kept simple to parse.
pub(super) fn encode_lines(lines: &[LineScore]) -> String {
    let mut out = String::with_capacity(lines.len() * 24);
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let percent = l.percent.map(|p| p.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{percent}",
            l.id, l.points, l.min, l.max
        ));
    }
    out
}

pub(super) fn decode_lines(text: &str) -> Option<Vec<LineScore>> {
    parse_lines(text)
        .map(|line| {
            let (id, points, min, max, percent) = line?;
            Some(LineScore {
                id: id.to_string(),
                points,
                min,
                max,
                percent,
            })
        })
        .collect()
}

/// The lines of `encode_lines`'s form, each as (id, points, min, max, percent), or None for a
/// line that cannot be read; nothing is allocated.
type ParsedLine<'a> = Option<(&'a str, i32, i32, i32, Option<f64>)>;

fn parse_lines(text: &str) -> impl Iterator<Item = ParsedLine<'_>> {
    text.split(';')
        .filter(move |_| !text.is_empty())
        .map(|line| {
            let mut f = line.split(',');
            let id = f.next()?;
            let points = f.next()?.parse().ok()?;
            let min = f.next()?.parse().ok()?;
            let max = f.next()?.parse().ok()?;
            let percent = match f.next()? {
                "" => None,
                p => Some(p.parse().ok()?),
            };
            f.next()
                .is_none()
                .then_some((id, points, min, max, percent))
        })
}

/// What the dashboard's table and profile read of an attempt (`TALLY_COLUMNS`).
struct TallyRow<'a> {
    trainee_id: i64,
    total: f64,
    passed: bool,
    duration_secs: i64,
    ended_at: i64,
    /// As stored: `encode_lines`'s form.
    principles: &'a str,
    id: &'a str,
}

/// The columns `TallyRow::of` reads.
const TALLY_COLUMNS: &str =
    "a.trainee_id, a.total, a.passed, a.duration_secs, a.ended_at, a.principles, a.id";

impl<'a> TallyRow<'a> {
    fn of(row: &'a rusqlite::Row<'a>) -> rusqlite::Result<Self> {
        Ok(TallyRow {
            trainee_id: row.get(0)?,
            total: row.get(1)?,
            passed: row.get(2)?,
            duration_secs: row.get(3)?,
            ended_at: row.get(4)?,
            principles: row.get_ref(5)?.as_str().map_err(|e| not_text(5, e))?,
            id: row.get_ref(6)?.as_str().map_err(|e| not_text(6, e))?,
        })
    }

    /// Adds the percentages to a tally.
    fn tally_principles(&self, tally: &mut PrincipleTally) -> Result<(), RecordsError> {
        for line in parse_lines(self.principles) {
            let (id, _, _, _, percent) = line.ok_or_else(|| RecordsError::Corrupt {
                path: "attempts".into(),
                detail: format!("attempt {}: unreadable principle scores", self.id),
            })?;
            if let Some(percent) = percent {
                tally.add(id, percent);
            }
        }
        Ok(())
    }
}

/// One trainee's line of the table, built from their attempts as they stream by in the order
/// recorded; the same figures as reading the attempts and summing them afterwards.
#[derive(Debug, Default)]
struct RowTally {
    attempts: u64,
    best: Option<f64>,
    /// (ended at, total) of the latest attempt; on a tie the one recorded last.
    latest: Option<(i64, f64)>,
    passed: u64,
    secs: u64,
    principles: PrincipleTally,
}

impl RowTally {
    fn add(&mut self, row: &TallyRow<'_>) -> Result<(), RecordsError> {
        self.attempts += 1;
        self.best = Some(self.best.map_or(row.total, |best| best.max(row.total)));
        if self.latest.is_none_or(|(at, _)| row.ended_at >= at) {
            self.latest = Some((row.ended_at, row.total));
        }
        self.passed += u64::from(row.passed);
        self.secs += u64::try_from(row.duration_secs).unwrap_or(0);
        row.tally_principles(&mut self.principles)
    }

    fn row(self, trainee: Trainee) -> TraineeRow {
        let n = self.attempts;
        TraineeRow {
            trainee,
            attempts: n,
            best_total: self.best,
            latest_total: self.latest.map(|(_, total)| total),
            pass_rate: (n > 0).then(|| self.passed as f64 / n as f64),
            practised_secs: self.secs,
            weakest: self.principles.averages().into_iter().next(),
            latest_at: self.latest.map(|(at, _)| at),
        }
    }
}

/// `WHERE` clauses and their values for a filter over `attempts a JOIN trainees t`.
fn filter_sql(filter: &Filter) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut clauses = vec!["1=1".to_string()];
    let mut values = Vec::new();
    if let Some(c) = filter.cohort {
        clauses.push("t.cohort_id = ?".into());
        values.push(Value::Integer(c));
    }
    if let Some(t) = filter.trainee {
        clauses.push("a.trainee_id = ?".into());
        values.push(Value::Integer(t));
    }
    if let Some(s) = filter.since {
        clauses.push("a.ended_at >= ?".into());
        values.push(Value::Integer(s));
    }
    if let Some(u) = filter.until {
        clauses.push("a.ended_at < ?".into());
        values.push(Value::Integer(u));
    }
    if let Some(s) = &filter.scenario {
        clauses.push("a.scenario = ?".into());
        values.push(Value::Text(s.clone()));
    }
    if let Some(m) = filter.mode {
        clauses.push("a.mode = ?".into());
        values.push(Value::Text(m.as_str().into()));
    }
    (clauses.join(" AND "), values)
}

/// The query for the attempts that match a filter, `columns` of `attempts a` joined with their
/// trainee `t` and `more_joins`. One trainee's history reads by time through
/// its index. Everything else comes in the order recorded: a short date range over everyone
/// (`by_time`) is found through the time index and sorted, anything larger is read in one
/// sequential pass over the table.
fn attempts_query(
    filter: &Filter,
    by_time: bool,
    columns: &str,
    more_joins: &str,
) -> (String, Vec<rusqlite::types::Value>) {
    let (clause, values) = filter_sql(filter);
    let order = if filter.trainee.is_some() {
        "a.ended_at, a.seq"
    } else {
        "a.seq"
    };
    let index = if by_time {
        "INDEXED BY attempts_by_time"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {columns} FROM attempts a {index} \
         JOIN trainees t ON t.id = a.trainee_id {more_joins} WHERE {clause} ORDER BY {order}"
    );
    (sql, values)
}

/// Whether a filter's dates (with no trainee or cohort to narrow it first) match few enough
/// attempts that finding them through the time index beats reading the whole table: under a
/// quarter of them, counted on the index itself.
fn narrow_time_range(conn: &Connection, filter: &Filter) -> rusqlite::Result<bool> {
    if filter.trainee.is_some()
        || filter.cohort.is_some()
        || (filter.since.is_none() && filter.until.is_none())
    {
        return Ok(false);
    }
    let all: i64 = conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM attempts", [], |r| {
        r.get(0)
    })?;
    let matching: i64 = conn.query_row(
        "SELECT COUNT(*) FROM attempts WHERE ended_at >= ?1 AND ended_at < ?2",
        [
            filter.since.unwrap_or(i64::MIN),
            filter.until.unwrap_or(i64::MAX),
        ],
        |r| r.get(0),
    )?;
    Ok(matching * 4 < all)
}

const TRAINEE_COLUMNS: &str =
    "t.id, t.name, COALESCE(t.employee_no, ''), t.site, COALESCE(c.name, ''), t.archived";

fn trainee_of_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Trainee> {
    trainee_at(row, 0)
}

/// The trainee whose `TRAINEE_COLUMNS` start at column `first`.
fn trainee_at(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Trainee> {
    Ok(Trainee {
        id: row.get(first)?,
        name: row.get(first + 1)?,
        employee_no: row.get(first + 2)?,
        site: row.get(first + 3)?,
        cohort: row.get(first + 4)?,
        archived: row.get(first + 5)?,
    })
}

impl Db {
    /// Opens (or creates) `records.sqlite3` in `dir`, upgrading its schema if it is older.
    /// A file that is locked, read-only, newer or damaged is reported and never changed.
    pub fn open_dir(dir: &Path) -> Result<Db, RecordsError> {
        std::fs::create_dir_all(dir).map_err(|source| RecordsError::Io {
            path: dir.display().to_string(),
            source,
        })?;
        Db::open(&dir.join(DB_FILE))
    }

    pub fn open(path: &Path) -> Result<Db, RecordsError> {
        let exists = path.exists();
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if !exists {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).map_err(|e| classify(Some(path), e))?;
        if exists && is_read_only(path) {
            return Err(RecordsError::ReadOnly {
                path: describe(Some(path)),
            });
        }
        Db::prepare(conn, Some(path.to_path_buf()))
    }

    /// Records that last as long as the program: guests, tests.
    pub fn in_memory() -> Result<Db, RecordsError> {
        let conn = Connection::open_in_memory().map_err(|e| classify(None, e))?;
        Db::prepare(conn, None)
    }

    fn prepare(mut conn: Connection, path: Option<PathBuf>) -> Result<Db, RecordsError> {
        let p = path.as_deref();
        let fail = |e| classify(p, e);
        conn.busy_timeout(BUSY_WAIT).map_err(fail)?;
        // A bigger page cache and memory-mapped reads: the dashboard reads many small rows.
        conn.execute_batch("PRAGMA cache_size = -65536; PRAGMA mmap_size = 2147418112;")
            .map_err(fail)?;
        // Reading the header finds a file that is not a database before anything is written.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(fail)?;
        if version > latest() {
            return Err(RecordsError::NewerSchema {
                path: describe(p),
                found: version,
                known: latest(),
            });
        }
        if p.is_some() {
            let mode: String = conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .map_err(fail)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(RecordsError::Locked { path: describe(p) });
            }
        }
        // FULL: a completed attempt survives a power cut, not only a crash.
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
            .map_err(fail)?;
        for (i, step) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(fail)?;
            tx.execute_batch(step).map_err(fail)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(fail)?;
            tx.commit().map_err(fail)?;
        }
        Ok(Db {
            conn: Mutex::new(conn),
            path,
            known_texts: Mutex::new(std::collections::HashSet::new()),
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, RecordsError> {
        self.conn.lock().map_err(|_| RecordsError::Poisoned)
    }

    fn damaged(&self, what: &str, e: packed::PackError) -> RecordsError {
        match e {
            packed::PackError::Sqlite(e) => self.err(e),
            other => RecordsError::Corrupt {
                path: describe(self.path()),
                detail: format!("{what}: {other}"),
            },
        }
    }

    fn insert_attempt(
        &self,
        tx: &Transaction<'_>,
        known: &mut std::collections::HashSet<i64>,
        record: &AttemptRecord,
    ) -> Result<(), RecordsError> {
        let score =
            packed::pack(tx, known, &record.score).map_err(|e| self.damaged("a score card", e))?;
        let transcript = packed::pack(tx, known, &record.transcript)
            .map_err(|e| self.damaged("a transcript", e))?;
        insert_attempt(tx, record, &score, &transcript).map_err(|e| self.err(e))
    }

    fn err(&self, e: rusqlite::Error) -> RecordsError {
        classify(self.path.as_deref(), e)
    }

    /// Runs `PRAGMA integrity_check`; `Ok(())` when SQLite answers "ok".
    pub fn integrity_check(&self) -> Result<(), RecordsError> {
        let conn = self.lock()?;
        let answer: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if answer == "ok" {
            Ok(())
        } else {
            Err(RecordsError::Corrupt {
                path: describe(self.path()),
                detail: answer,
            })
        }
    }

    // ---- trainees and cohorts ----

    /// Trainees by name (in pinyin order, `name_key`); archived ones only when asked.
    pub fn trainees(&self, include_archived: bool) -> Result<Vec<Trainee>, RecordsError> {
        let conn = self.lock()?;
        let sql = format!(
            "SELECT {TRAINEE_COLUMNS} FROM trainees t LEFT JOIN cohorts c ON c.id = t.cohort_id \
             WHERE ?1 OR t.archived = 0 ORDER BY t.id"
        );
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([include_archived], trainee_of_row)
            .map_err(|e| self.err(e))?;
        let mut trainees = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        // Stable: namesakes stay in the order they were registered.
        trainees.sort_by_cached_key(|t| name_key(&t.name));
        Ok(trainees)
    }

    pub fn trainee(&self, id: i64) -> Result<Trainee, RecordsError> {
        let conn = self.lock()?;
        let sql = format!(
            "SELECT {TRAINEE_COLUMNS} FROM trainees t LEFT JOIN cohorts c ON c.id = t.cohort_id WHERE t.id = ?1"
        );
        conn.query_row(&sql, [id], trainee_of_row)
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| RecordsError::UnknownTrainee(id.to_string()))
    }

    /// A trainee by id, employee number or exact name (which must be unique).
    pub fn find_trainee(&self, key: &str) -> Result<Trainee, RecordsError> {
        let key = key.trim();
        let all = self.trainees(true)?;
        if let Ok(id) = key.parse::<i64>()
            && let Some(t) = all.iter().find(|t| t.id == id)
        {
            return Ok(t.clone());
        }
        if let Some(t) = all
            .iter()
            .find(|t| !t.employee_no.is_empty() && t.employee_no == key)
        {
            return Ok(t.clone());
        }
        let named: Vec<&Trainee> = all.iter().filter(|t| t.name == key).collect();
        match named.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(RecordsError::UnknownTrainee(format!("`{key}`"))),
            many => Err(RecordsError::AmbiguousTrainee(many.len(), key.to_string())),
        }
    }

    /// Saves a new trainee after checking it; creates its cohort by name if there is none.
    pub fn add_trainee(&self, draft: &Trainee) -> Result<Trainee, RecordsError> {
        let t = draft.cleaned()?;
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        if !t.employee_no.is_empty() {
            let taken: bool = tx
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM trainees WHERE employee_no = ?1)",
                    [&t.employee_no],
                    |r| r.get(0),
                )
                .map_err(|e| self.err(e))?;
            if taken {
                return Err(TraineeError::Duplicate(t.employee_no).into());
            }
        }
        let cohort_id = if t.cohort.is_empty() {
            None
        } else {
            Some(cohort_id_or_create(&tx, &t.cohort).map_err(|e| self.err(e))?)
        };
        let employee_no = (!t.employee_no.is_empty()).then_some(t.employee_no.as_str());
        tx.execute(
            "INSERT INTO trainees (name, employee_no, site, cohort_id, archived, created_at) VALUES (?1, ?2, ?3, ?4, 0, ?5)",
            params![t.name, employee_no, t.site, cohort_id, now_secs()],
        )
        .map_err(|e| self.err(e))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| self.err(e))?;
        Ok(Trainee {
            id,
            archived: false,
            ..t
        })
    }

    pub fn rename_trainee(&self, id: i64, name: &str) -> Result<Trainee, RecordsError> {
        let name = clean_name(name)?;
        self.update_trainee(id, "UPDATE trainees SET name = ?2 WHERE id = ?1", &name)?;
        self.trainee(id)
    }

    pub fn set_archived(&self, id: i64, archived: bool) -> Result<Trainee, RecordsError> {
        let value = i64::from(archived).to_string();
        self.update_trainee(
            id,
            "UPDATE trainees SET archived = CAST(?2 AS INTEGER) WHERE id = ?1",
            &value,
        )?;
        self.trainee(id)
    }

    /// Moves a trainee into a cohort (by name, created if new), or out of any with "".
    pub fn set_cohort(&self, id: i64, cohort: &str) -> Result<Trainee, RecordsError> {
        let cohort = super::trainee::clean_field(cohort, "cohort", super::MAX_FIELD_CHARS)?;
        {
            let mut conn = self.lock()?;
            let tx = conn.transaction().map_err(|e| self.err(e))?;
            let cohort_id = if cohort.is_empty() {
                None
            } else {
                Some(cohort_id_or_create(&tx, &cohort).map_err(|e| self.err(e))?)
            };
            let n = tx
                .execute(
                    "UPDATE trainees SET cohort_id = ?2 WHERE id = ?1",
                    params![id, cohort_id],
                )
                .map_err(|e| self.err(e))?;
            if n == 0 {
                return Err(RecordsError::UnknownTrainee(id.to_string()));
            }
            tx.commit().map_err(|e| self.err(e))?;
        }
        self.trainee(id)
    }

    fn update_trainee(&self, id: i64, sql: &str, value: &str) -> Result<(), RecordsError> {
        let conn = self.lock()?;
        let n = conn
            .execute(sql, params![id, value])
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(RecordsError::UnknownTrainee(id.to_string()));
        }
        Ok(())
    }

    pub fn cohorts(&self) -> Result<Vec<Cohort>, RecordsError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare_cached("SELECT id, name, trainer, starts, ends FROM cohorts ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let starts: Option<String> = r.get(3)?;
                let ends: Option<String> = r.get(4)?;
                Ok(Cohort {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    trainer: r.get(2)?,
                    starts: starts.as_deref().and_then(Date::parse),
                    ends: ends.as_deref().and_then(Date::parse),
                })
            })
            .map_err(|e| self.err(e))?;
        let mut cohorts = rows
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        cohorts.sort_by_cached_key(|c| name_key(&c.name));
        Ok(cohorts)
    }

    /// A cohort by id or exact name.
    pub fn find_cohort(&self, key: &str) -> Result<Cohort, RecordsError> {
        let key = key.trim();
        let all = self.cohorts()?;
        all.iter()
            .find(|c| c.name == key || key.parse::<i64>().is_ok_and(|id| id == c.id))
            .cloned()
            .ok_or_else(|| RecordsError::UnknownCohort(format!("`{key}`")))
    }

    pub fn add_cohort(&self, draft: &Cohort) -> Result<Cohort, RecordsError> {
        let c = draft.cleaned()?;
        let conn = self.lock()?;
        let result = conn.execute(
            "INSERT INTO cohorts (name, trainer, starts, ends, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                c.name,
                c.trainer,
                c.starts.map(|d| d.to_string()),
                c.ends.map(|d| d.to_string()),
                now_secs()
            ],
        );
        match result {
            Ok(_) => Ok(Cohort {
                id: conn.last_insert_rowid(),
                ..c
            }),
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == ErrorCode::ConstraintViolation =>
            {
                Err(TraineeError::DuplicateCohort(c.name).into())
            }
            Err(e) => Err(self.err(e)),
        }
    }

    // ---- attempts ----

    /// Writes a finished attempt, its transcript, the kept totals, its LRS statements (when an
    /// LRS is set up) and clears the trainee's attempt in progress, all in one transaction.
    pub fn save_attempt(&self, record: &AttemptRecord) -> Result<(), RecordsError> {
        let trainee = self.trainee(record.trainee_id)?;
        let lrs = self.lrs_config()?;
        let statements = match &lrs {
            Some(config) => {
                super::export::xapi::attempt_statements(record, &trainee, &config.home_page)
            }
            None => Vec::new(),
        };
        let mut conn = self.lock()?;
        let mut known = self
            .known_texts
            .lock()
            .map_err(|_| RecordsError::Poisoned)?;
        let result = (|| {
            let tx = conn.transaction().map_err(|e| self.err(e))?;
            self.insert_attempt(&tx, &mut known, record)?;
            for s in &statements {
                let text = to_json("a statement", s)?;
                let id = s.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                tx.execute(
                    "INSERT OR IGNORE INTO outbox (attempt_id, statement_id, statement, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![record.id.to_string(), id, text, now_secs()],
                )
                .map_err(|e| self.err(e))?;
            }
            tx.execute(
                "DELETE FROM in_progress WHERE trainee_id = ?1",
                [record.trainee_id],
            )
            .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))
        })();
        if result.is_err() {
            // Texts written in the rolled-back transaction are gone again.
            known.clear();
        }
        result
    }

    /// Writes many attempts in one transaction (generated data for benchmarks and tests); no
    /// statements are queued.
    pub fn save_attempts_batch(&self, records: &[AttemptRecord]) -> Result<(), RecordsError> {
        let mut conn = self.lock()?;
        let mut known = self
            .known_texts
            .lock()
            .map_err(|_| RecordsError::Poisoned)?;
        let result = (|| {
            let tx = conn.transaction().map_err(|e| self.err(e))?;
            for r in records {
                self.insert_attempt(&tx, &mut known, r)?;
            }
            tx.commit().map_err(|e| self.err(e))
        })();
        if result.is_err() {
            known.clear();
        }
        result
    }

    /// One attempt with its transcript.
    pub fn attempt(&self, id: Uuid) -> Result<Option<AttemptRecord>, RecordsError> {
        let conn = self.lock()?;
        let row = conn
            .query_row(
                "SELECT a.trainee_id, a.started_at, a.ended_at, a.duration_secs, x.score, x.transcript \
                 FROM attempts a JOIN transcripts x ON x.attempt = a.seq WHERE a.id = ?1",
                [id.to_string()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                        r.get::<_, Vec<u8>>(5)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((trainee_id, started_at, ended_at, duration, score, transcript)) = row else {
            return Ok(None);
        };
        Ok(Some(AttemptRecord {
            id,
            trainee_id,
            started_at,
            ended_at,
            duration_secs: u64::try_from(duration).unwrap_or(0),
            score: packed::unpack(&conn, &score)
                .map_err(|e| self.damaged("an attempt's score card", e))?,
            transcript: packed::unpack(&conn, &transcript)
                .map_err(|e| self.damaged("an attempt's transcript", e))?,
        }))
    }

    /// Attempts that match a filter: one trainee's by time, otherwise in the order recorded.
    pub fn attempts(&self, filter: &Filter) -> Result<Vec<AttemptSummary>, RecordsError> {
        let mut out = Vec::new();
        self.for_each_attempt(filter, |a, _| {
            out.push(a);
            Ok(())
        })?;
        Ok(out)
    }

    /// Streams attempts that match a filter with their trainee, without holding them all in
    /// memory (exports): one trainee's by time, otherwise in the order they were recorded.
    pub fn for_each_attempt(
        &self,
        filter: &Filter,
        mut each: impl FnMut(AttemptSummary, &Trainee) -> Result<(), RecordsError>,
    ) -> Result<(), RecordsError> {
        let conn = self.lock()?;
        let (mut stmt, values) = self.attempts_statement(
            &conn,
            filter,
            &format!("{SUMMARY_COLUMNS}, {TRAINEE_COLUMNS}"),
            "LEFT JOIN cohorts c ON c.id = t.cohort_id",
        )?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .map_err(|e| self.err(e))?;
        let mut trainee: Option<Trainee> = None;
        let mut batch = StoredBatch::with_capacity(1);
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            batch.clear();
            batch.push(row).map_err(|e| self.err(e))?;
            let summary = match batch.rows.first() {
                Some(stored) => stored.summary(&batch)?,
                None => continue,
            };
            if trainee.as_ref().is_none_or(|t| t.id != summary.trainee_id) {
                trainee = Some(trainee_at(row, 17).map_err(|e| self.err(e))?);
            }
            if let Some(t) = &trainee {
                each(summary, t)?;
            }
        }
        Ok(())
    }

    /// Streams the attempts that match a filter as stored, `batch_rows` at a time, in the same
    /// order as [`Db::for_each_attempt`]. Nothing is parsed: text columns are copied into the
    /// batch, so that an export of a million attempts spends its time writing, not allocating.
    /// Rows whose trainee is missing are left out, as the joined reads leave them out.
    pub fn for_each_stored_batch(
        &self,
        filter: &Filter,
        batch_rows: usize,
        mut each: impl FnMut(StoredBatch) -> Result<(), RecordsError>,
    ) -> Result<(), RecordsError> {
        let conn = self.lock()?;
        let (mut stmt, values) = self.attempts_statement(&conn, filter, SUMMARY_COLUMNS, "")?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .map_err(|e| self.err(e))?;
        let batch_rows = batch_rows.max(1);
        let mut batch = StoredBatch::with_capacity(batch_rows);
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            batch.push(row).map_err(|e| self.err(e))?;
            if batch.rows.len() == batch_rows {
                each(std::mem::replace(
                    &mut batch,
                    StoredBatch::with_capacity(batch_rows),
                ))?;
            }
        }
        if !batch.rows.is_empty() {
            each(batch)?;
        }
        Ok(())
    }

    /// Streams what the dashboard's table and profile need of the attempts that match a
    /// filter, in the same order as [`Db::for_each_attempt`], reading nothing else.
    fn for_each_tally_row(
        &self,
        filter: &Filter,
        mut each: impl FnMut(&TallyRow<'_>) -> Result<(), RecordsError>,
    ) -> Result<(), RecordsError> {
        let conn = self.lock()?;
        let (mut stmt, values) = self.attempts_statement(&conn, filter, TALLY_COLUMNS, "")?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            each(&TallyRow::of(row).map_err(|e| self.err(e))?)?;
        }
        Ok(())
    }

    /// The prepared query for the attempts that match a filter (see `attempts_query`), and
    /// the values to bind.
    fn attempts_statement<'c>(
        &self,
        conn: &'c Connection,
        filter: &Filter,
        columns: &str,
        more_joins: &str,
    ) -> Result<(rusqlite::CachedStatement<'c>, Vec<rusqlite::types::Value>), RecordsError> {
        let by_time = narrow_time_range(conn, filter).map_err(|e| self.err(e))?;
        let (sql, values) = attempts_query(filter, by_time, columns, more_joins);
        let stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        Ok((stmt, values))
    }

    /// A trainee's attempts, oldest first (their history).
    pub fn history(
        &self,
        trainee_id: i64,
        filter: &Filter,
    ) -> Result<Vec<AttemptSummary>, RecordsError> {
        let filter = Filter {
            trainee: Some(trainee_id),
            cohort: None,
            ..filter.clone()
        };
        self.attempts(&filter)
    }

    /// The best total per scenario for one trainee.
    pub fn best_scores(&self, trainee_id: i64) -> Result<HashMap<String, f64>, RecordsError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT scenario, MAX(total) FROM attempts WHERE trainee_id = ?1 GROUP BY scenario",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([trainee_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, f64>(1)?))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<HashMap<_, _>>>()
            .map_err(|e| self.err(e))
    }

    pub fn attempt_count(&self) -> Result<u64, RecordsError> {
        let conn = self.lock()?;
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM attempts", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    // ---- the dashboard ----

    /// One row per trainee who matches the filter's cohort: attempts, best and latest totals,
    /// pass rate, time practised, weakest principle. With only a cohort (or nothing) chosen,
    /// the kept totals answer at once; other filters read the matching attempts.
    pub fn cohort_table(
        &self,
        filter: &Filter,
        include_archived: bool,
    ) -> Result<Vec<TraineeRow>, RecordsError> {
        let trainees: Vec<Trainee> = self
            .trainees(include_archived)?
            .into_iter()
            .filter(|t| filter.trainee.is_none_or(|id| id == t.id))
            .collect();
        let cohort_name = match filter.cohort {
            Some(id) => Some(
                self.cohorts()?
                    .into_iter()
                    .find(|c| c.id == id)
                    .map(|c| c.name)
                    .ok_or_else(|| RecordsError::UnknownCohort(id.to_string()))?,
            ),
            None => None,
        };
        let trainees: Vec<Trainee> = trainees
            .into_iter()
            .filter(|t| cohort_name.as_ref().is_none_or(|n| *n == t.cohort))
            .collect();
        if filter.is_cohort_only() {
            self.table_from_totals(trainees)
        } else {
            let mut tallies: HashMap<i64, RowTally> = trainees
                .iter()
                .map(|t| (t.id, RowTally::default()))
                .collect();
            self.for_each_tally_row(filter, |row| match tallies.get_mut(&row.trainee_id) {
                Some(tally) => tally.add(row),
                None => Ok(()),
            })?;
            Ok(trainees
                .into_iter()
                .map(|t| tallies.remove(&t.id).unwrap_or_default().row(t))
                .collect())
        }
    }

    fn table_from_totals(&self, trainees: Vec<Trainee>) -> Result<Vec<TraineeRow>, RecordsError> {
        let conn = self.lock()?;
        let mut totals = conn
            .prepare_cached(
                "SELECT attempts, passed, secs, best_total, latest_total, latest_at FROM trainee_totals WHERE trainee_id = ?1",
            )
            .map_err(|e| self.err(e))?;
        let mut principles = conn
            .prepare_cached(
                "SELECT principle, sum_percent / attempts, attempts FROM principle_totals WHERE trainee_id = ?1 AND attempts > 0",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = Vec::with_capacity(trainees.len());
        for t in trainees {
            let kept = totals
                .query_row([t.id], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, f64>(3)?,
                        r.get::<_, f64>(4)?,
                        r.get::<_, i64>(5)?,
                    ))
                })
                .optional()
                .map_err(|e| self.err(e))?;
            let mut averages = principles
                .query_map([t.id], average_of_row)
                .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
                .map_err(|e| self.err(e))?;
            sort_weakest_first(&mut averages);
            rows.push(match kept {
                Some((n, passed, secs, best, latest, latest_at)) if n > 0 => TraineeRow {
                    trainee: t,
                    attempts: n as u64,
                    best_total: Some(best),
                    latest_total: Some(latest),
                    pass_rate: Some(passed as f64 / n as f64),
                    practised_secs: u64::try_from(secs).unwrap_or(0),
                    weakest: averages.into_iter().next(),
                    latest_at: Some(latest_at),
                },
                _ => TraineeRow::without_attempts(t),
            });
        }
        Ok(rows)
    }

    /// Average per principle over a cohort (or everyone), from the kept totals or, with other
    /// filters, from the matching attempts. Lowest first.
    pub fn principle_profile(
        &self,
        filter: &Filter,
    ) -> Result<Vec<PrincipleAverage>, RecordsError> {
        if !filter.is_cohort_only() {
            let mut tally = PrincipleTally::default();
            self.for_each_tally_row(filter, |row| row.tally_principles(&mut tally))?;
            return Ok(tally.averages());
        }
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT p.principle, SUM(p.sum_percent) / SUM(p.attempts), SUM(p.attempts) \
                 FROM principle_totals p JOIN trainees t ON t.id = p.trainee_id \
                 WHERE (?1 IS NULL OR t.cohort_id = ?1) AND p.attempts > 0 GROUP BY p.principle",
            )
            .map_err(|e| self.err(e))?;
        let mut averages = stmt
            .query_map([filter.cohort], average_of_row)
            .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
            .map_err(|e| self.err(e))?;
        sort_weakest_first(&mut averages);
        Ok(averages)
    }

    // ---- the attempt in progress ----

    pub fn save_progress(&self, progress: &InProgress) -> Result<(), RecordsError> {
        let text = to_json("the attempt in progress", progress)?;
        let conn = self.lock()?;
        conn.execute(
            "INSERT INTO in_progress (trainee_id, attempt, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT(trainee_id) DO UPDATE SET attempt = excluded.attempt, updated_at = excluded.updated_at",
            params![progress.trainee_id, text, now_secs()],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    pub fn progress(&self, trainee_id: i64) -> Result<Option<InProgress>, RecordsError> {
        let conn = self.lock()?;
        let text: Option<String> = conn
            .query_row(
                "SELECT attempt FROM in_progress WHERE trainee_id = ?1",
                [trainee_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        text.map(|t| stored("the attempt in progress", &t))
            .transpose()
    }

    pub fn clear_progress(&self, trainee_id: i64) -> Result<(), RecordsError> {
        let conn = self.lock()?;
        conn.execute(
            "DELETE FROM in_progress WHERE trainee_id = ?1",
            [trainee_id],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    // ---- settings kept in the records ----

    pub fn setting(&self, key: &str) -> Result<Option<String>, RecordsError> {
        let conn = self.lock()?;
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(|e| self.err(e))
    }

    pub fn set_setting(&self, key: &str, value: Option<&str>) -> Result<(), RecordsError> {
        let conn = self.lock()?;
        match value {
            Some(v) => conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            ),
            None => conn.execute("DELETE FROM settings WHERE key = ?1", [key]),
        }
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The LRS this machine sends statements to, if one is set up.
    pub fn lrs_config(&self) -> Result<Option<super::sync::LrsConfig>, RecordsError> {
        self.setting("lrs")?
            .map(|text| stored("the LRS settings", &text))
            .transpose()
    }

    /// Sets up (or, with `None`, forgets) the LRS. Attempts recorded before are queued too,
    /// so that the store receives the whole history once. Returns how many statements were queued.
    pub fn set_lrs_config(
        &self,
        config: Option<&super::sync::LrsConfig>,
    ) -> Result<u64, RecordsError> {
        let Some(config) = config else {
            self.set_setting("lrs", None)?;
            return Ok(0);
        };
        self.set_setting("lrs", Some(&to_json("the LRS settings", config)?))?;
        let missing: Vec<String> = {
            let conn = self.lock()?;
            let mut stmt = conn
                .prepare("SELECT id FROM attempts WHERE id NOT IN (SELECT attempt_id FROM outbox) ORDER BY seq")
                .map_err(|e| self.err(e))?;
            stmt.query_map([], |r| r.get(0))
                .map_err(|e| self.err(e))?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(|e| self.err(e))?
        };
        let mut queued = 0;
        for id in missing {
            let Ok(uuid) = Uuid::parse_str(&id) else {
                continue;
            };
            let Some(record) = self.attempt(uuid)? else {
                continue;
            };
            let trainee = self.trainee(record.trainee_id)?;
            let statements =
                super::export::xapi::attempt_statements(&record, &trainee, &config.home_page);
            let mut conn = self.lock()?;
            let tx = conn.transaction().map_err(|e| self.err(e))?;
            for s in &statements {
                let sid = s.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                queued += tx
                    .execute(
                        "INSERT OR IGNORE INTO outbox (attempt_id, statement_id, statement, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![id, sid, to_json("a statement", s)?, now_secs()],
                    )
                    .map_err(|e| self.err(e))? as u64;
            }
            tx.commit().map_err(|e| self.err(e))?;
        }
        Ok(queued)
    }

    // ---- the outbox ----

    /// Statements not yet accepted by the LRS whose next try is due, oldest first.
    /// Statements after queue position `after` (so that one round sees each once).
    pub fn outbox_due(
        &self,
        now: i64,
        after: i64,
        limit: usize,
    ) -> Result<Vec<(i64, serde_json::Value)>, RecordsError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, statement FROM outbox WHERE sent_at IS NULL AND next_try_at <= ?1 AND id > ?3 ORDER BY id LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![now, limit as i64, after], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(id, text)| Ok((id, stored("a queued statement", &text)?)))
            .collect()
    }

    pub fn outbox_mark_sent(&self, ids: &[i64], now: i64) -> Result<(), RecordsError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        for id in ids {
            tx.execute(
                "UPDATE outbox SET sent_at = ?2, last_error = NULL WHERE id = ?1",
                params![id, now],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    pub fn outbox_mark_failed(
        &self,
        ids: &[i64],
        error: &str,
        next_try_at: i64,
    ) -> Result<(), RecordsError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        for id in ids {
            tx.execute(
                "UPDATE outbox SET tries = tries + 1, last_error = ?2, next_try_at = ?3 WHERE id = ?1",
                params![id, error, next_try_at],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// How many times sending this statement has failed.
    pub fn outbox_tries(&self, id: i64) -> Result<u32, RecordsError> {
        let conn = self.lock()?;
        let n: i64 = conn
            .query_row("SELECT tries FROM outbox WHERE id = ?1", [id], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// (waiting, sent, last error) for the outbox.
    pub fn outbox_status(&self) -> Result<(u64, u64, Option<String>), RecordsError> {
        let conn = self.lock()?;
        conn.query_row(
            "SELECT COUNT(*) FILTER (WHERE sent_at IS NULL), COUNT(*) FILTER (WHERE sent_at IS NOT NULL), \
             (SELECT last_error FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1) FROM outbox",
            [],
            |r| {
                Ok((
                    u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    r.get(2)?,
                ))
            },
        )
        .map_err(|e| self.err(e))
    }

    /// Puts every statement back in the queue, when the same history goes to a new store.
    pub fn outbox_requeue_all(&self) -> Result<u64, RecordsError> {
        let conn = self.lock()?;
        let n = conn
            .execute(
                "UPDATE outbox SET sent_at = NULL, tries = 0, next_try_at = 0, last_error = NULL",
                [],
            )
            .map_err(|e| self.err(e))?;
        Ok(n as u64)
    }
}

/// (principle, average, attempts) as the kept totals give them.
fn average_of_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PrincipleAverage> {
    Ok(PrincipleAverage {
        id: r.get(0)?,
        average: r.get(1)?,
        attempts: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
    })
}

fn cohort_id_or_create(tx: &Transaction<'_>, name: &str) -> rusqlite::Result<i64> {
    if let Some(id) = tx
        .query_row("SELECT id FROM cohorts WHERE name = ?1", [name], |r| {
            r.get(0)
        })
        .optional()?
    {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO cohorts (name, trainer, created_at) VALUES (?1, '', ?2)",
        params![name, now_secs()],
    )?;
    Ok(tx.last_insert_rowid())
}

fn insert_attempt(
    tx: &Transaction<'_>,
    record: &AttemptRecord,
    score: &[u8],
    transcript: &[u8],
) -> rusqlite::Result<()> {
    let s = record.summary();
    tx.prepare_cached(
        "INSERT INTO attempts (id, trainee_id, scenario, scenario_version, persona, mode, seed, started_at, ended_at, \
         duration_secs, total, passed, ending, outcome, critical, principles, steps) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        s.id.to_string(),
        s.trainee_id,
        s.scenario,
        s.scenario_version,
        s.persona,
        s.mode.as_str(),
        s.seed as i64,
        s.started_at,
        s.ended_at,
        s.duration_secs as i64,
        s.total,
        s.passed,
        s.ending,
        outcome_text(s.outcome),
        s.critical,
        encode_lines(&s.principles),
        encode_lines(&s.steps),
    ])?;
    let seq = tx.last_insert_rowid();
    tx.prepare_cached("INSERT INTO transcripts (attempt, score, transcript) VALUES (?1, ?2, ?3)")?
        .execute(params![seq, score, transcript])?;
    tx.prepare_cached(
        "INSERT INTO trainee_totals (trainee_id, attempts, passed, secs, best_total, latest_total, latest_at) \
         VALUES (?1, 1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT(trainee_id) DO UPDATE SET \
         attempts = attempts + 1, passed = passed + excluded.passed, secs = secs + excluded.secs, \
         best_total = MAX(best_total, excluded.best_total), \
         latest_total = CASE WHEN excluded.latest_at >= latest_at THEN excluded.latest_total ELSE latest_total END, \
         latest_at = MAX(latest_at, excluded.latest_at)",
    )?
    .execute(params![
        s.trainee_id,
        i64::from(s.passed),
        s.duration_secs as i64,
        s.total,
        s.ended_at
    ])?;
    let mut principle = tx.prepare_cached(
        "INSERT INTO principle_totals (trainee_id, principle, sum_percent, attempts) VALUES (?1, ?2, ?3, 1) \
         ON CONFLICT(trainee_id, principle) DO UPDATE SET sum_percent = sum_percent + excluded.sum_percent, \
         attempts = attempts + 1",
    )?;
    for p in &s.principles {
        if let Some(percent) = p.percent {
            principle.execute(params![s.trainee_id, p.id, percent])?;
        }
    }
    Ok(())
}

/// A row of the cohort table computed from attempts (when filters other than the cohort apply).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::generate::Templates;
    use crate::records::sync::LrsConfig;
    use crate::scenario::ScenarioSource;
    use rand::SeedableRng;
    use std::sync::OnceLock;

    fn templates() -> &'static Templates {
        static T: OnceLock<Templates> = OnceLock::new();
        T.get_or_init(|| {
            let library = ScenarioSource::Embedded.sources().load();
            Templates::play(&library, &["warmup-late-car".into()], false, 6, 7).unwrap()
        })
    }

    fn trainee(db: &Db, name: &str, no: &str, cohort: &str) -> Trainee {
        db.add_trainee(&Trainee {
            name: name.into(),
            employee_no: no.into(),
            cohort: cohort.into(),
            ..Trainee::default()
        })
        .unwrap()
    }

    #[test]
    fn line_scores_round_trip_in_their_compact_form() {
        let lines = vec![
            LineScore {
                id: "feelings_first".into(),
                points: -3,
                min: -6,
                max: 9,
                percent: Some(20.0),
            },
            LineScore {
                id: "win_win".into(),
                points: 0,
                min: 0,
                max: 0,
                percent: None,
            },
            LineScore {
                id: "x".into(),
                points: 7,
                min: -2,
                max: 7,
                percent: Some(100.0 / 3.0),
            },
        ];
        let text = encode_lines(&lines);
        assert_eq!(decode_lines(&text), Some(lines));
        assert_eq!(decode_lines(""), Some(vec![]));
        for bad in ["a,1,2", "a,1,2,3,x", "a,1,2,3,4,5", "a,b,2,3,"] {
            assert_eq!(decode_lines(bad), None, "{bad}");
        }
    }

    #[test]
    fn trainees_cohorts_rename_archive() {
        let db = Db::in_memory().unwrap();
        let a = trainee(&db, "王喆", "A1", "2026 秋季班");
        let b = trainee(&db, "李堃玥", "", "2026 秋季班");
        assert!(a.id > 0 && b.id > a.id);
        assert!(matches!(
            db.add_trainee(&Trainee {
                name: "x".into(),
                employee_no: " A1 ".into(),
                ..Trainee::default()
            }),
            Err(RecordsError::Trainee(TraineeError::Duplicate(_)))
        ));
        // Several trainees may have no employee number.
        trainee(&db, "赵六", "", "");
        assert_eq!(
            db.cohorts().unwrap().len(),
            1,
            "the cohort was created once"
        );
        assert_eq!(db.find_trainee("A1").unwrap().id, a.id);
        assert_eq!(db.find_trainee("李堃玥").unwrap().id, b.id);
        assert_eq!(db.find_trainee(&b.id.to_string()).unwrap().name, "李堃玥");
        assert!(matches!(
            db.find_trainee("nobody"),
            Err(RecordsError::UnknownTrainee(_))
        ));
        assert_eq!(db.rename_trainee(a.id, " 王喆喆 ").unwrap().name, "王喆喆");
        assert!(db.rename_trainee(a.id, "  ").is_err());
        db.set_archived(b.id, true).unwrap();
        assert_eq!(db.trainees(false).unwrap().len(), 2);
        assert_eq!(db.trainees(true).unwrap().len(), 3);
        assert!(matches!(
            db.add_cohort(&Cohort {
                name: "2026 秋季班".into(),
                ..Cohort::default()
            }),
            Err(RecordsError::Trainee(TraineeError::DuplicateCohort(_)))
        ));
        assert_eq!(db.set_cohort(a.id, "").unwrap().cohort, "");
    }

    #[test]
    fn attempts_round_trip_with_their_transcripts() {
        let db = Db::in_memory().unwrap();
        let t = trainee(&db, "王喆", "A1", "");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let record = templates().attempt(&mut rng, t.id, 1_795_392_000);
        db.save_attempt(&record).unwrap();
        let back = db.attempt(record.id).unwrap().unwrap();
        assert_eq!(back, record);
        let summaries = db.history(t.id, &Filter::default()).unwrap();
        assert_eq!(summaries, vec![record.summary()]);
        assert_eq!(
            db.best_scores(t.id).unwrap().get("warmup-late-car"),
            Some(&record.score.total)
        );
        let stranger = AttemptRecord {
            trainee_id: 999,
            id: Uuid::new_v4(),
            ..record.clone()
        };
        assert!(
            db.save_attempt(&stranger).is_err(),
            "attempts need a trainee"
        );
        assert!(
            db.save_attempt(&record).is_err(),
            "the same attempt is not recorded twice"
        );
        assert_eq!(db.attempt_count().unwrap(), 1);
    }

    /// The filtered table and profile, streamed, equal what the matching attempts' summaries
    /// give when read whole and summed afterwards (ties on the end time included).
    #[test]
    fn streamed_table_equals_the_attempts_read_whole() {
        let db = Db::in_memory().unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let ids = crate::records::generate::add_trainees(&db, 5, 2, &mut rng).unwrap();
        for i in 0..80 {
            // Every third attempt ends at the same time as the one before it.
            let ended = 1_795_392_000 + (i - i / 3) as i64 * 600;
            let record = templates().attempt(&mut rng, ids[i % ids.len()], ended);
            db.save_attempt(&record).unwrap();
        }
        let filter = Filter {
            since: Some(1_795_392_000 + 20 * 600),
            ..Filter::default()
        };
        let attempts = db.attempts(&filter).unwrap();
        assert!(attempts.len() > 20 && attempts.len() < 80);
        let table = db.cohort_table(&filter, false).unwrap();
        assert_eq!(table.len(), ids.len());
        for row in &table {
            let mine: Vec<&AttemptSummary> = attempts
                .iter()
                .filter(|a| a.trainee_id == row.trainee.id)
                .collect();
            let n = mine.len() as u64;
            let latest = mine.iter().max_by_key(|a| a.ended_at);
            assert_eq!(row.attempts, n);
            assert_eq!(
                row.best_total,
                mine.iter().map(|a| a.total).reduce(f64::max)
            );
            assert_eq!(row.latest_total, latest.map(|a| a.total));
            assert_eq!(row.latest_at, latest.map(|a| a.ended_at));
            assert_eq!(
                row.pass_rate,
                (n > 0).then(|| mine.iter().filter(|a| a.passed).count() as f64 / n as f64)
            );
            assert_eq!(
                row.practised_secs,
                mine.iter().map(|a| a.duration_secs).sum::<u64>()
            );
            assert_eq!(
                row.weakest,
                super::super::principle_averages(mine.iter().copied())
                    .into_iter()
                    .next()
            );
        }
        assert_eq!(
            db.principle_profile(&filter).unwrap(),
            super::super::principle_averages(&attempts)
        );
    }

    #[test]
    fn kept_totals_agree_with_the_attempts() {
        let db = Db::in_memory().unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let ids = crate::records::generate::add_trainees(&db, 6, 2, &mut rng).unwrap();
        for i in 0..60 {
            let record = templates().attempt(
                &mut rng,
                ids[i % ids.len()],
                1_795_392_000 + i as i64 * 3600,
            );
            db.save_attempt(&record).unwrap();
        }
        let cohort = db.cohorts().unwrap()[0].id;
        for filter in [
            Filter::default(),
            Filter {
                cohort: Some(cohort),
                ..Filter::default()
            },
        ] {
            let fast = db.cohort_table(&filter, false).unwrap();
            // A filter that matches everything takes the slow path over the attempts.
            let slow = db
                .cohort_table(
                    &Filter {
                        since: Some(0),
                        ..filter.clone()
                    },
                    false,
                )
                .unwrap();
            assert_eq!(fast.len(), slow.len());
            for (f, s) in fast.iter().zip(&slow) {
                assert_eq!(f.trainee, s.trainee);
                assert_eq!(
                    (f.attempts, f.best_total, f.latest_total, f.practised_secs),
                    (s.attempts, s.best_total, s.latest_total, s.practised_secs)
                );
                assert!((f.pass_rate.unwrap() - s.pass_rate.unwrap()).abs() < 1e-9);
                let (fw, sw) = (f.weakest.as_ref().unwrap(), s.weakest.as_ref().unwrap());
                assert_eq!(fw.id, sw.id);
                assert!((fw.average - sw.average).abs() < 1e-6);
            }
            let profile_fast = db.principle_profile(&filter).unwrap();
            let profile_slow = db
                .principle_profile(&Filter {
                    since: Some(0),
                    ..filter
                })
                .unwrap();
            assert_eq!(profile_fast.len(), profile_slow.len());
            for (a, b) in profile_fast.iter().zip(&profile_slow) {
                assert_eq!(a.id, b.id);
                assert!((a.average - b.average).abs() < 1e-6);
            }
        }
        let later = db
            .attempts(&Filter {
                since: Some(1_795_392_000 + 30 * 3600),
                ..Filter::default()
            })
            .unwrap();
        assert_eq!(later.len(), 30);
    }

    #[test]
    fn progress_is_kept_until_the_attempt_is_saved() {
        let db = Db::in_memory().unwrap();
        let t = trainee(&db, "王喆", "A1", "");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let record = templates().attempt(&mut rng, t.id, 1_795_392_000);
        let progress = InProgress {
            trainee_id: t.id,
            started_at: 5,
            elapsed_secs: 60,
            transcript: record.transcript.clone(),
        };
        db.save_progress(&progress).unwrap();
        db.save_progress(&progress).unwrap();
        assert_eq!(db.progress(t.id).unwrap(), Some(progress));
        db.save_attempt(&record).unwrap();
        assert_eq!(db.progress(t.id).unwrap(), None);
    }

    #[test]
    fn an_lrs_queues_history_and_new_attempts() {
        let db = Db::in_memory().unwrap();
        let t = trainee(&db, "王喆", "A1", "");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let first = templates().attempt(&mut rng, t.id, 1_795_392_000);
        db.save_attempt(&first).unwrap();
        assert_eq!(db.outbox_status().unwrap().0, 0);
        let config = LrsConfig {
            endpoint: "http://127.0.0.1:9/xAPI/".into(),
            username: "u".into(),
            password: "p".into(),
            home_page: "https://dealer.example.com".into(),
        };
        let queued = db.set_lrs_config(Some(&config)).unwrap();
        assert_eq!(
            queued,
            (first.transcript.turns.len()
                + 3
                + first
                    .score
                    .principles
                    .iter()
                    .filter(|p| p.percent.is_some())
                    .count()) as u64
        );
        assert_eq!(
            db.set_lrs_config(Some(&config)).unwrap(),
            0,
            "nothing is queued twice"
        );
        let second = templates().attempt(&mut rng, t.id, 1_795_392_100);
        db.save_attempt(&second).unwrap();
        let (waiting, sent, _) = db.outbox_status().unwrap();
        assert!(waiting > queued && sent == 0);
        assert!(
            !format!("{config:?}").contains("\"p\""),
            "the password is not printed"
        );
    }

    #[test]
    fn newer_and_damaged_files_are_refused_and_left_alone() {
        let dir = std::env::temp_dir().join(format!("ct-db-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(DB_FILE);
        {
            let db = Db::open(&path).unwrap();
            trainee(&db, "王喆", "A1", "");
        }
        // Reopening keeps what was saved.
        assert_eq!(Db::open(&path).unwrap().trainees(true).unwrap().len(), 1);
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = Db::open(&path).unwrap_err();
        assert!(
            matches!(err, RecordsError::NewerSchema { found: 99, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("newer version"));
        assert_eq!(std::fs::read(&path).unwrap(), before);

        let junk = dir.join("junk.sqlite3");
        std::fs::write(
            &junk,
            b"this is not a database, just text that someone saved here",
        )
        .unwrap();
        let err = Db::open(&junk).unwrap_err();
        assert!(matches!(err, RecordsError::Corrupt { .. }), "{err}");
        assert!(err.is_unusable());
        assert_eq!(
            std::fs::read(&junk).unwrap(),
            b"this is not a database, just text that someone saved here"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_locked_file_is_reported() {
        let dir = std::env::temp_dir().join(format!("ct-db-{}", Uuid::new_v4()));
        let db = Db::open_dir(&dir).unwrap();
        let holder = Connection::open(dir.join(DB_FILE)).unwrap();
        // Another program in the middle of a write holds the file.
        holder
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO settings (key, value) VALUES ('x', 'y');")
            .unwrap();
        let err = db
            .add_trainee(&Trainee {
                name: "王喆".into(),
                ..Trainee::default()
            })
            .unwrap_err();
        assert!(matches!(err, RecordsError::Locked { .. }), "{err}");
        assert!(err.to_string().contains("in use by another program"));
        drop(holder);
        db.add_trainee(&Trainee {
            name: "王喆".into(),
            ..Trainee::default()
        })
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
