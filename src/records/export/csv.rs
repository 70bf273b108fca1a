//! CSV export (RFC 4180, UTF-8 with BOM, safe against formula injection).
//!
//! Formula-injection policy (OWASP "CSV Injection"): a cell whose first character is `=`, `+`,
//! `-`, `@`, tab, carriage return or line feed gets a single quote `'` put in front, then is
//! quoted as RFC 4180 requires. This applies to every cell, numbers included: the numbers this
//! export writes are never negative in practice (totals, percentages, durations, ids), but one
//! that is (damaged data) is written as `'-3` rather than bare, so no cell can start a formula.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::io::{self, BufWriter, Write};

use thiserror::Error;
use uuid::Uuid;

use crate::records::db::{mode_of, outcome_of};
use crate::records::time::Date;
use crate::records::{Db, Filter, RecordsError, StoredBatch, StoredRow, Trainee};
use crate::roleplay::Mode;
use crate::scenario::{Lang, Outcome, Text};

/// Why an export failed: the output could not be written, or the records could not be read.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("writing the export failed: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Records(#[from] RecordsError),
}

/// The UTF-8 byte order mark, without which Excel reads the file in the local code page.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// First characters that make a spreadsheet treat a cell as a formula.
fn starts_formula(cell: &str) -> bool {
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\n')
    )
}

/// A cell as it is written: guarded against formulas, then quoted if it needs to be.
fn write_cell(out: &mut impl Write, cell: &str) -> io::Result<()> {
    let guard = starts_formula(cell);
    let quote = cell
        .bytes()
        .any(|b| matches!(b, b'"' | b',' | b'\r' | b'\n'));
    if quote {
        out.write_all(b"\"")?;
    }
    if guard {
        out.write_all(b"'")?;
    }
    if quote {
        for (i, part) in cell.split('"').enumerate() {
            if i > 0 {
                out.write_all(b"\"\"")?;
            }
            out.write_all(part.as_bytes())?;
        }
        out.write_all(b"\"")
    } else {
        out.write_all(cell.as_bytes())
    }
}

/// The decimal digits of `value` (with a `-` when `negative`), at the end of `buf`.
fn integer_text(mut value: u64, negative: bool, buf: &mut [u8; 20]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 || at == 0 {
            break;
        }
    }
    if negative && at > 0 {
        at -= 1;
        buf[at] = b'-';
    }
    // ASCII digits only.
    std::str::from_utf8(&buf[at..]).unwrap_or_default()
}

/// A number with at most one decimal as `f64`'s `Display` writes it (`62.5`, `60`, `-0.5`,
/// never `-0`), or None when `value` is not such a number. `Display` writes the shortest text
/// that reads back as the same value; for a value that equals tenths/10 that is this text.
fn tenths_text(value: f64, buf: &mut [u8; 24]) -> Option<&str> {
    let tenths = (value * 10.0).round();
    // NaN fails the first test as well as large values.
    if tenths.abs().partial_cmp(&1e15) != Some(std::cmp::Ordering::Less) || tenths / 10.0 != value {
        return None;
    }
    let tenths = tenths as i64;
    let (whole, fraction) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
    let mut at = buf.len();
    if fraction != 0 {
        at -= 2;
        buf[at] = b'.';
        buf[at + 1] = b'0' + fraction as u8;
    }
    let mut digits = [0u8; 20];
    let whole = integer_text(whole, tenths < 0, &mut digits);
    at -= whole.len();
    buf[at..at + whole.len()].copy_from_slice(whole.as_bytes());
    std::str::from_utf8(&buf[at..]).ok()
}

/// Text `f64`'s `Display` could have written for a finite value other than -0: an optional
/// `-`, digits, and optionally `.` and more digits, with no needless zeros at either end.
fn plain_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole)
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(|f| digits(f) && !f.ends_with('0'))
        // -0 prints as 0 here.
        && !(text.starts_with('-') && unsigned.bytes().all(|b| b == b'0' || b == b'.'))
}

/// Writes rows cell by cell, reusing one buffer for formatted values so that a row allocates
/// nothing of its own.
struct CsvWriter<W: Write> {
    out: BufWriter<W>,
    at_row_start: bool,
    scratch: String,
}

impl<W: Write> CsvWriter<W> {
    fn new(out: W) -> Self {
        CsvWriter {
            out: BufWriter::with_capacity(1 << 16, out),
            at_row_start: true,
            scratch: String::with_capacity(64),
        }
    }

    fn text(&mut self, cell: &str) -> io::Result<()> {
        if !self.at_row_start {
            self.out.write_all(b",")?;
        }
        self.at_row_start = false;
        write_cell(&mut self.out, cell)
    }

    /// A formatted value, through the same guard as text.
    fn formatted(&mut self, value: fmt::Arguments<'_>) -> io::Result<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // Formatting into a String only fails if a Display impl does; ours never do.
        let result = scratch
            .write_fmt(value)
            .map_err(io::Error::other)
            .and_then(|()| self.text(&scratch));
        self.scratch = scratch;
        result
    }

    /// A whole number. Formatted by hand: an export writes ten of them per row, a million rows.
    fn integer(&mut self, value: i64) -> io::Result<()> {
        let mut buf = [0u8; 20];
        let text = integer_text(value.unsigned_abs(), value < 0, &mut buf);
        self.text(text)
    }

    fn unsigned(&mut self, value: u64) -> io::Result<()> {
        let mut buf = [0u8; 20];
        let text = integer_text(value, false, &mut buf);
        self.text(text)
    }

    /// A score as stored (already rounded to one decimal), written as `f64`'s `Display` writes
    /// it; empty when not a number.
    fn score(&mut self, value: f64) -> io::Result<()> {
        let mut buf = [0u8; 24];
        match tenths_text(value, &mut buf) {
            Some(text) => self.text(text),
            // `+ 0.0` turns -0.0 into 0.0, which prints without a sign.
            None if value.is_finite() => self.formatted(format_args!("{}", value + 0.0)),
            None => self.text(""),
        }
    }

    /// A percentage as kept in the score lines (`f64`'s `Display`, or empty): copied when it is
    /// a plain decimal, otherwise read and written again.
    fn stored_score(&mut self, text: &str) -> Result<(), ExportError> {
        if plain_decimal(text) {
            self.text(text)?;
        } else if text.is_empty() {
            self.text("")?;
        } else {
            let value: f64 = text.parse().map_err(|_| RecordsError::Corrupt {
                path: "attempts".into(),
                detail: format!("unreadable score `{text}`"),
            })?;
            self.score(value)?;
        }
        Ok(())
    }

    /// `2026-11-23T01:27:31Z`, as `time::iso_timestamp` writes it.
    fn timestamp(&mut self, secs: i64) -> io::Result<()> {
        let date = Date::of_secs(secs);
        let s = secs.rem_euclid(86_400);
        if !(0..=9999).contains(&date.year) {
            return self.formatted(format_args!(
                "{date}T{:02}:{:02}:{:02}Z",
                s / 3600,
                s / 60 % 60,
                s % 60
            ));
        }
        let mut out = *b"0000-00-00T00:00:00Z";
        let two = |out: &mut [u8; 20], at: usize, v: i64| {
            out[at] = b'0' + (v / 10 % 10) as u8;
            out[at + 1] = b'0' + (v % 10) as u8;
        };
        let year = i64::from(date.year);
        two(&mut out, 0, year / 100);
        two(&mut out, 2, year % 100);
        two(&mut out, 5, i64::from(date.month));
        two(&mut out, 8, i64::from(date.day));
        two(&mut out, 11, s / 3600);
        two(&mut out, 14, s / 60 % 60);
        two(&mut out, 17, s % 60);
        // Digits and separators only: always UTF-8.
        self.text(std::str::from_utf8(&out).unwrap_or_default())
    }

    fn end_row(&mut self) -> io::Result<()> {
        self.at_row_start = true;
        self.out.write_all(b"\r\n")
    }
}

/// A principle or step column: its id, and its name when the caller knows it.
struct LineColumn {
    id: String,
    name: Option<Text>,
}

/// The fixed columns: English id, Chinese label.
const FIXED_COLUMNS: [(&str, &str); 19] = [
    ("attempt_id", "记录编号"),
    ("trainee_id", "学员编号"),
    ("trainee_name", "姓名"),
    ("employee_no", "员工编号"),
    ("site", "经销店"),
    ("cohort", "班级"),
    ("scenario", "情景"),
    ("scenario_version", "情景版本"),
    ("behaviour_type", "客户类型"),
    ("mode", "练习方式"),
    ("seed", "随机种子"),
    ("started_at", "开始时间（UTC）"),
    ("ended_at", "结束时间（UTC）"),
    ("duration_secs", "用时（秒）"),
    ("total", "总分"),
    ("passed", "是否通过"),
    ("ending", "结局"),
    ("outcome", "结果"),
    ("critical_errors", "严重错误数"),
];

fn write_header<W: Write>(
    csv: &mut CsvWriter<W>,
    principles: &[LineColumn],
    steps: &[LineColumn],
    lang: Lang,
) -> io::Result<()> {
    for (en, zh) in FIXED_COLUMNS {
        csv.text(match lang {
            Lang::En => en,
            Lang::Zh => zh,
        })?;
    }
    for (kind_en, kind_zh, columns) in [("principle", "原则", principles), ("step", "步骤", steps)]
    {
        for c in columns {
            match (lang, &c.name) {
                (Lang::En, _) => csv.formatted(format_args!("{kind_en}:{}", c.id))?,
                (Lang::Zh, Some(name)) => csv.formatted(format_args!("{kind_zh}：{}", name.zh))?,
                (Lang::Zh, None) => csv.formatted(format_args!("{kind_zh}：{}", c.id))?,
            }
        }
    }
    csv.end_row()
}

/// The percentage of each score line in `text` (`id,points,min,max,percent;…`), by id.
fn split_lines<'a>(text: &'a str, out: &mut Vec<(&'a str, &'a str)>) -> Result<(), ExportError> {
    out.clear();
    if text.is_empty() {
        return Ok(());
    }
    for line in text.split(';') {
        let mut fields = line.split(',');
        let (Some(id), Some(_points), Some(_min), Some(_max), Some(percent), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(RecordsError::Corrupt {
                path: "attempts".into(),
                detail: format!("unreadable score line `{line}`"),
            }
            .into());
        };
        out.push((id, percent));
    }
    Ok(())
}

/// The percentage on the line with this id; lines come in catalogue order, so the same
/// position is tried first.
fn percent_for<'a>(lines: &[(&'a str, &'a str)], position: usize, id: &str) -> &'a str {
    lines
        .get(position)
        .filter(|(line, _)| *line == id)
        .or_else(|| lines.iter().find(|(line, _)| *line == id))
        .map_or("", |(_, percent)| percent)
}

fn mode_text(mode: Mode, lang: Lang) -> &'static str {
    match (lang, mode) {
        (Lang::En, m) => m.as_str(),
        (Lang::Zh, Mode::Practice) => "练习",
        (Lang::Zh, Mode::Assessment) => "考核",
    }
}

fn outcome_text(outcome: Outcome, lang: Lang) -> &'static str {
    match (lang, outcome) {
        (Lang::En, o) => o.as_str(),
        (Lang::Zh, Outcome::Resolved) => "圆满解决",
        (Lang::Zh, Outcome::Damaged) => "已解决但关系受损",
        (Lang::Zh, Outcome::Escalated) => "投诉升级",
        (Lang::Zh, Outcome::Lost) => "顾客流失",
    }
}

/// What a row needs besides the attempt: its trainee, the columns, the language, and scratch
/// space for the score lines.
struct RowContext<'a> {
    trainees: &'a HashMap<i64, Trainee>,
    principles: &'a [LineColumn],
    steps: &'a [LineColumn],
    lang: Lang,
}

fn write_row<'b, W: Write>(
    csv: &mut CsvWriter<W>,
    batch: &'b StoredBatch,
    a: &StoredRow,
    context: &RowContext<'_>,
    lines: &mut Vec<(&'b str, &'b str)>,
) -> Result<(), ExportError> {
    let lang = context.lang;
    let id = Uuid::parse_str(batch.get(a.id)).map_err(|e| RecordsError::Corrupt {
        path: "attempts".into(),
        detail: format!("attempt id {}: {e}", batch.get(a.id)),
    })?;
    let t = context.trainees.get(&a.trainee_id);
    let trainee_text = |field: fn(&Trainee) -> &str| t.map_or("", field);
    csv.text(id.hyphenated().encode_lower(&mut Uuid::encode_buffer()))?;
    csv.integer(a.trainee_id)?;
    csv.text(trainee_text(|t| &t.name))?;
    csv.text(trainee_text(|t| &t.employee_no))?;
    csv.text(trainee_text(|t| &t.site))?;
    csv.text(trainee_text(|t| &t.cohort))?;
    csv.text(batch.get(a.scenario))?;
    csv.integer(i64::from(u32::try_from(a.scenario_version).unwrap_or(0)))?;
    csv.text(batch.get(a.persona))?;
    csv.text(mode_text(mode_of(batch.get(a.mode)), lang))?;
    // Seeds are stored as the same 64 bits, signed.
    csv.unsigned(a.seed as u64)?;
    csv.timestamp(a.started_at)?;
    csv.timestamp(a.ended_at)?;
    csv.integer(a.duration_secs.max(0))?;
    csv.score(a.total)?;
    csv.text(match (lang, a.passed) {
        (Lang::En, true) => "true",
        (Lang::En, false) => "false",
        (Lang::Zh, true) => "是",
        (Lang::Zh, false) => "否",
    })?;
    csv.text(a.ending.map_or("", |e| batch.get(e)))?;
    let outcome = outcome_of(a.outcome.map(|o| batch.get(o)));
    csv.text(outcome.map_or("", |o| outcome_text(o, lang)))?;
    csv.integer(i64::from(u32::try_from(a.critical).unwrap_or(0)))?;
    for (text, columns) in [(a.principles, context.principles), (a.steps, context.steps)] {
        split_lines(batch.get(text), lines)?;
        for (i, c) in columns.iter().enumerate() {
            csv.stored_score(percent_for(lines, i, &c.id))?;
        }
    }
    csv.end_row()?;
    Ok(())
}

/// Writes the attempts that match `filter` as CSV, oldest first, one row each, and returns how
/// many rows were written (the header not counted). `principles` (id, name) gives one
/// percentage column each, in that order. Step columns follow, one per step of the first
/// attempt written (every attempt lists the catalogue's steps), headed by step id.
pub fn write_attempts<W: Write>(
    db: &Db,
    filter: &Filter,
    principles: &[(String, Text)],
    lang: Lang,
    out: W,
) -> Result<u64, ExportError> {
    export(db, filter, principles, None, lang, out)
}

/// As [`write_attempts`], with the step columns given (id, name) so that the Chinese header
/// names them.
pub fn write_attempts_with_steps<W: Write>(
    db: &Db,
    filter: &Filter,
    principles: &[(String, Text)],
    steps: &[(String, Text)],
    lang: Lang,
    out: W,
) -> Result<u64, ExportError> {
    export(db, filter, principles, Some(steps), lang, out)
}

fn named_columns(lines: &[(String, Text)]) -> Vec<LineColumn> {
    lines
        .iter()
        .map(|(id, name)| LineColumn {
            id: id.clone(),
            name: Some(name.clone()),
        })
        .collect()
}

/// Rows read per batch handed from the reading thread to the writing one.
const BATCH_ROWS: usize = 512;

fn export<W: Write>(
    db: &Db,
    filter: &Filter,
    principles: &[(String, Text)],
    steps: Option<&[(String, Text)]>,
    lang: Lang,
    out: W,
) -> Result<u64, ExportError> {
    let principle_columns = named_columns(principles);
    // Without named steps the columns come from the first attempt, so the header waits for it.
    let mut step_columns: Option<Vec<LineColumn>> = steps.map(named_columns);
    let trainees: HashMap<i64, Trainee> =
        db.trainees(true)?.into_iter().map(|t| (t.id, t)).collect();
    let mut csv = CsvWriter::new(out);
    csv.out.write_all(BOM)?;
    let mut header_written = false;
    let mut rows = 0u64;
    // Reading (SQLite) and writing (formatting) run on two threads, with batches of rows as
    // stored passed between them.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<StoredBatch>(8);
    let (written, streamed) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            db.for_each_stored_batch(filter, BATCH_ROWS, |batch| {
                // The writer stopped (it failed): stop reading; its error is what is reported.
                sender.send(batch).map_err(|_| RecordsError::Io {
                    path: "(export)".into(),
                    source: io::Error::other("export stopped"),
                })
            })
        });
        let mut written: Result<(), ExportError> = Ok(());
        'batches: for batch in receiver.iter() {
            let mut lines = Vec::with_capacity(16);
            for row in &batch.rows {
                if !header_written {
                    header_written = true;
                    let steps = match step_columns.take() {
                        Some(named) => named,
                        None => {
                            let step_lines =
                                split_lines(batch.get(row.steps), &mut lines).map(|()| {
                                    lines
                                        .iter()
                                        .map(|(id, _)| LineColumn {
                                            id: (*id).to_string(),
                                            name: None,
                                        })
                                        .collect()
                                });
                            match step_lines {
                                Ok(columns) => columns,
                                Err(e) => {
                                    written = Err(e);
                                    break 'batches;
                                }
                            }
                        }
                    };
                    let header = write_header(&mut csv, &principle_columns, &steps, lang);
                    step_columns = Some(steps);
                    if let Err(e) = header {
                        written = Err(e.into());
                        break 'batches;
                    }
                }
                let context = RowContext {
                    trainees: &trainees,
                    principles: &principle_columns,
                    steps: step_columns.as_deref().unwrap_or(&[]),
                    lang,
                };
                match write_row(&mut csv, &batch, row, &context, &mut lines) {
                    Ok(()) => rows += 1,
                    Err(e) => {
                        written = Err(e);
                        break 'batches;
                    }
                }
            }
        }
        // Unblocks the reader if the writer stopped early.
        drop(receiver);
        let streamed = reader.join().unwrap_or_else(|_| {
            Err(RecordsError::Io {
                path: "(export)".into(),
                source: io::Error::other("the reading thread stopped"),
            })
        });
        (written, streamed)
    });
    written?;
    streamed?;
    if !header_written {
        write_header(
            &mut csv,
            &principle_columns,
            step_columns.as_deref().unwrap_or(&[]),
            lang,
        )?;
    }
    csv.out.flush()?;
    Ok(rows)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    use uuid::Uuid;

    use super::*;
    use crate::records::AttemptRecord;
    use crate::roleplay::{Analysis, Strategy, play_strategy};
    use crate::scenario::{Catalogue, Library, Sources};

    pub(crate) fn library() -> Library {
        let library = Sources::embedded().load();
        assert_eq!(library.error_count(), 0, "{:?}", library.diagnostics);
        library
    }

    pub(crate) fn catalogue(library: &Library) -> Arc<Catalogue> {
        library.catalogue.clone().expect("catalogue")
    }

    pub(crate) fn principle_names(catalogue: &Catalogue) -> Vec<(String, Text)> {
        catalogue
            .principles
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect()
    }

    pub(crate) fn step_names(catalogue: &Catalogue) -> Vec<(String, Text)> {
        catalogue
            .steps
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect()
    }

    pub(crate) fn scenario_titles(library: &Library) -> Vec<(String, Text)> {
        library
            .scenarios
            .iter()
            .map(|s| (s.id.clone(), s.title.clone()))
            .collect()
    }

    /// The warm-up scenario as the angry customer, ready to play.
    pub(crate) fn warmup(library: &Library) -> Arc<Analysis> {
        let catalogue = catalogue(library);
        let scenario = library
            .scenario("warmup-late-car")
            .expect("scenario")
            .clone();
        let persona = catalogue.persona_by_id("angry").expect("persona");
        Arc::new(Analysis::run(scenario, catalogue, persona).expect("analysis"))
    }

    /// A finished attempt, played by a strategy, that took 185 s and ended at `ended_at`.
    pub(crate) fn played(
        analysis: &Arc<Analysis>,
        trainee_id: i64,
        strategy: Strategy,
        ended_at: i64,
    ) -> AttemptRecord {
        let session = play_strategy(analysis.clone(), 7, Mode::Practice, strategy).expect("play");
        AttemptRecord {
            id: Uuid::new_v4(),
            trainee_id,
            started_at: ended_at - 185,
            ended_at,
            duration_secs: 185,
            score: session.score(),
            transcript: session.transcript().clone(),
        }
    }

    /// The warm-up's analysis and an empty store with one trainee in it.
    pub(crate) fn warmup_and_one_trainee() -> (Arc<Analysis>, Db, Trainee) {
        let analysis = warmup(&library());
        let db = Db::in_memory().expect("db");
        let t = db
            .add_trainee(&trainee("王喆", "", "", ""))
            .expect("trainee");
        (analysis, db, t)
    }

    pub(crate) fn trainee(name: &str, employee_no: &str, site: &str, cohort: &str) -> Trainee {
        Trainee {
            name: name.into(),
            employee_no: employee_no.into(),
            site: site.into(),
            cohort: cohort.into(),
            ..Trainee::default()
        }
    }

    /// A records file in the temporary folder, removed (with its WAL files) when dropped.
    struct TempDb {
        db: Option<Db>,
        path: PathBuf,
    }

    impl TempDb {
        fn new() -> TempDb {
            let path =
                std::env::temp_dir().join(format!("ct-csv-export-{}.sqlite3", Uuid::new_v4()));
            TempDb {
                db: Some(Db::open(&path).expect("open")),
                path,
            }
        }

        fn db(&self) -> &Db {
            self.db.as_ref().expect("db")
        }

        /// Sets a name the forms would refuse (control characters), as another program might.
        fn force_name(&self, id: i64, name: &str) {
            let conn = rusqlite::Connection::open(&self.path).expect("second connection");
            conn.execute(
                "UPDATE trainees SET name = ?2 WHERE id = ?1",
                rusqlite::params![id, name],
            )
            .expect("update");
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            self.db = None;
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(Path::new(&p));
            }
        }
    }

    /// Names a form accepts, and names only another program could store.
    const FORM_NAMES: [&str; 11] = [
        "王喆",
        "李堃玥",
        "Anna \"Nan\" Li",
        "Li, Wei",
        "=1+2",
        "@SUM(A1)",
        "-3",
        "+x",
        "😀 Emoji",
        "=HYPERLINK(\"http://x\",\"y\")",
        "<script>alert(1)</script>",
    ];
    const RAW_NAMES: [&str; 4] = [
        "line one\nline two",
        "\tTabbed",
        "\rCarriage",
        "crlf\r\ninside",
    ];

    /// A minimal RFC 4180 reader: CRLF between records (a bare CR or LF outside quotes is an
    /// error), quoted fields with doubled quotes, and embedded line breaks inside quotes.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        let mut field_started = false;
        while let Some(c) = chars.next() {
            if quoted {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                } else {
                    field.push(c);
                }
                continue;
            }
            match c {
                '"' => {
                    assert!(
                        !field_started,
                        "a quote inside an unquoted field: {field:?}"
                    );
                    quoted = true;
                    field_started = true;
                }
                ',' => {
                    record.push(std::mem::take(&mut field));
                    field_started = false;
                }
                '\r' => {
                    assert_eq!(
                        chars.next(),
                        Some('\n'),
                        "a CR not followed by LF after {field:?}"
                    );
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                    field_started = false;
                }
                '\n' => panic!("a bare LF outside quotes after {field:?}"),
                c => {
                    field.push(c);
                    field_started = true;
                }
            }
        }
        assert!(!quoted, "the file ends inside a quoted field");
        assert!(
            record.is_empty() && field.is_empty(),
            "the last record has no CRLF"
        );
        records
    }

    fn export_text(
        db: &Db,
        filter: &Filter,
        principles: &[(String, Text)],
        lang: Lang,
    ) -> (u64, String) {
        let mut bytes = Vec::new();
        let rows = write_attempts(db, filter, principles, lang, &mut bytes).expect("export");
        assert!(bytes.starts_with(BOM), "no BOM");
        let text = String::from_utf8(bytes[BOM.len()..].to_vec()).expect("utf-8");
        (rows, text)
    }

    fn guarded(value: &str) -> String {
        if starts_formula(value) {
            format!("'{value}")
        } else {
            value.to_string()
        }
    }

    #[test]
    fn awkward_names_round_trip_and_no_cell_starts_a_formula() {
        let library = library();
        let analysis = warmup(&library);
        let principles = principle_names(&catalogue(&library));
        let temp = TempDb::new();
        let db = temp.db();
        let mut expected: Vec<(i64, String, String)> = Vec::new();
        let mut t0 = 1_790_000_000;
        let names = FORM_NAMES.iter().chain(RAW_NAMES.iter()).enumerate();
        for (i, name) in names {
            let saved_name = if RAW_NAMES.contains(name) {
                "placeholder"
            } else {
                name
            };
            let t = db
                .add_trainee(&trainee(
                    saved_name,
                    &format!("-{i:03}"),
                    "@北京店, \"东区\"",
                    "=2026 秋季班",
                ))
                .expect("trainee");
            if RAW_NAMES.contains(name) {
                temp.force_name(t.id, name);
            }
            for strategy in [Strategy::Best, Strategy::Worst] {
                t0 += 60;
                db.save_attempt(&played(&analysis, t.id, strategy, t0))
                    .expect("save");
            }
            expected.push((t.id, (*name).to_string(), format!("-{i:03}")));
        }

        let (rows, text) = export_text(db, &Filter::default(), &principles, Lang::En);
        assert_eq!(rows, expected.len() as u64 * 2);
        assert!(text.ends_with("\r\n"));
        let records = parse_csv(&text);
        assert_eq!(records.len() as u64, rows + 1);
        let header = &records[0];
        assert_eq!(&header[..3], ["attempt_id", "trainee_id", "trainee_name"]);
        assert_eq!(header[19], format!("principle:{}", principles[0].0));
        assert!(header.contains(&"step:facts".to_string()), "{header:?}");
        for r in &records {
            assert_eq!(r.len(), header.len(), "{r:?}");
            for cell in r {
                assert!(!starts_formula(cell), "a cell starts a formula: {cell:?}");
            }
        }
        for (id, name, employee_no) in &expected {
            let mine: Vec<&Vec<String>> = records[1..]
                .iter()
                .filter(|r| r[1] == id.to_string())
                .collect();
            assert_eq!(mine.len(), 2, "{name:?}");
            for r in mine {
                assert_eq!(r[2], guarded(name));
                assert_eq!(
                    r[2].strip_prefix('\'')
                        .filter(|_| starts_formula(name))
                        .unwrap_or(&r[2]),
                    name
                );
                assert_eq!(r[3], guarded(employee_no));
                assert_eq!(r[4], "'@北京店, \"东区\"");
                assert_eq!(r[5], "'=2026 秋季班");
                assert_eq!(r[6], "warmup-late-car");
            }
        }
    }

    #[test]
    fn figures_match_the_attempts_in_both_languages() {
        let library = library();
        let analysis = warmup(&library);
        let catalogue = catalogue(&library);
        let principles = principle_names(&catalogue);
        let db = Db::in_memory().expect("db");
        let t = db
            .add_trainee(&trainee("王喆", "A-01", "北京店", ""))
            .expect("trainee");
        let best = played(&analysis, t.id, Strategy::Best, 1_790_000_000);
        let worst = played(&analysis, t.id, Strategy::Worst, 1_790_000_600);
        db.save_attempt(&best).expect("save");
        db.save_attempt(&worst).expect("save");

        let (rows, text) = export_text(&db, &Filter::default(), &principles, Lang::En);
        assert_eq!(rows, 2);
        let records = parse_csv(&text);
        for (record, attempt) in records[1..].iter().zip([&best, &worst]) {
            let s = attempt.summary();
            assert_eq!(record[0], s.id.to_string());
            assert_eq!(record[12], crate::records::time::iso_timestamp(s.ended_at));
            assert_eq!(
                record[11],
                crate::records::time::iso_timestamp(s.started_at)
            );
            assert_eq!(record[13], "185");
            assert_eq!(record[14].parse::<f64>().expect("total"), s.total);
            assert_eq!(record[15], s.passed.to_string());
            assert_eq!(record[18], s.critical.to_string());
            for (i, (id, _)) in principles.iter().enumerate() {
                let percent = s
                    .principles
                    .iter()
                    .find(|p| p.id == *id)
                    .and_then(|p| p.percent);
                let cell = &record[19 + i];
                assert_eq!(cell.parse::<f64>().ok(), percent, "{id}");
            }
        }
        assert!(
            records[1][15] == "true" && records[2][15] == "false",
            "{:?}",
            records
        );

        let mut bytes = Vec::new();
        let steps = step_names(&catalogue);
        write_attempts_with_steps(
            &db,
            &Filter::default(),
            &principles,
            &steps,
            Lang::Zh,
            &mut bytes,
        )
        .expect("export");
        let records = parse_csv(std::str::from_utf8(&bytes[BOM.len()..]).expect("utf-8"));
        let header = &records[0];
        assert_eq!(header[2], "姓名");
        assert_eq!(header[19], format!("原则：{}", principles[0].1.zh));
        assert_eq!(
            header[19 + principles.len()],
            format!("步骤：{}", steps[0].1.zh)
        );
        assert_eq!(header.len(), 19 + principles.len() + steps.len());
        assert_eq!(
            (records[1][15].as_str(), records[2][15].as_str()),
            ("是", "否")
        );
        assert_eq!(records[1][9], "练习");
        assert_eq!(records[1][2], "王喆");
    }

    #[test]
    fn no_attempts_gives_the_header_alone() {
        let db = Db::in_memory().expect("db");
        let principles = vec![("p".to_string(), Text::new("原则", "Principle"))];
        let (rows, text) = export_text(&db, &Filter::default(), &principles, Lang::En);
        assert_eq!(rows, 0);
        let records = parse_csv(&text);
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].last().map(String::as_str), Some("principle:p"));
    }

    #[test]
    fn cells_are_quoted_and_guarded() {
        let cell = |s: &str| {
            let mut out = Vec::new();
            write_cell(&mut out, s).expect("write");
            String::from_utf8(out).expect("utf-8")
        };
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=1+2"), "'=1+2");
        assert_eq!(cell("=A1,B1"), "\"'=A1,B1\"");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell(""), "");

        let mut csv = CsvWriter::new(Vec::new());
        csv.integer(-3).expect("write");
        csv.score(-0.0).expect("write");
        csv.score(72.5).expect("write");
        csv.score(f64::NAN).expect("write");
        csv.stored_score("-2.5").expect("write");
        csv.stored_score("-0").expect("write");
        csv.stored_score("").expect("write");
        csv.end_row().expect("write");
        let bytes = csv.out.into_inner().expect("flush");
        assert_eq!(
            String::from_utf8(bytes).expect("utf-8"),
            "'-3,0,72.5,,'-2.5,0,\r\n"
        );
        let mut csv = CsvWriter::new(Vec::new());
        assert!(
            csv.stored_score("1e").is_err(),
            "an unreadable score is an error"
        );
    }

    /// The hand-written number and time formatting writes what `Display` and
    /// `time::iso_timestamp` write.
    #[test]
    fn numbers_and_times_are_written_as_display_writes_them() {
        let written = |f: &dyn Fn(&mut CsvWriter<Vec<u8>>)| {
            let mut csv = CsvWriter::new(Vec::new());
            f(&mut csv);
            let bytes = csv.out.into_inner().expect("flush");
            String::from_utf8(bytes)
                .expect("utf-8")
                .trim_start_matches('\'')
                .to_string()
        };
        for v in [0i64, 1, 9, 10, 99, 100, 12_345, -1, -10, i64::MAX, i64::MIN] {
            assert_eq!(written(&|c| c.integer(v).expect("write")), v.to_string());
        }
        for v in [0u64, 7, u64::MAX] {
            assert_eq!(written(&|c| c.unsigned(v).expect("write")), v.to_string());
        }
        for tenths in -20_000i64..=20_000 {
            let v = tenths as f64 / 10.0;
            let display = format!("{}", v + 0.0);
            assert_eq!(written(&|c| c.score(v).expect("write")), display, "{v}");
            if !display.starts_with('-') {
                assert!(plain_decimal(&display), "{display}");
            }
            let stored = v.to_string();
            assert_eq!(
                written(&|c| c.stored_score(&stored).expect("write")),
                display,
                "{stored}"
            );
        }
        for v in [1.0 / 3.0, 1e20, -1e-7, 123_456.789, f64::MAX] {
            let display = format!("{v}");
            assert_eq!(written(&|c| c.score(v).expect("write")), display);
            assert_eq!(
                written(&|c| c.stored_score(&display).expect("write")),
                display
            );
        }
        for text in ["1.50", "01", "-0.0", "+1", "1.", ".5", "1e3", "0.0"] {
            assert!(!plain_decimal(text), "{text}");
        }
        for secs in [
            0i64,
            1,
            59,
            86_399,
            86_400,
            -1,
            -86_401,
            951_782_400,
            1_790_000_000,
            4_102_444_799,
            253_402_300_799,
            253_402_300_800,
            -62_167_219_201,
        ] {
            assert_eq!(
                written(&|c| c.timestamp(secs).expect("write")),
                crate::records::time::iso_timestamp(secs),
                "{secs}"
            );
        }
    }

    /// An output that fails after a few bytes, to check that the error is the write's.
    struct Failing(usize);

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 < buf.len() {
                return Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_is_reported_as_such() {
        let (analysis, db, t) = warmup_and_one_trainee();
        let record = played(&analysis, t.id, Strategy::Best, 1_790_000_000);
        let copies: Vec<AttemptRecord> = (0..2000)
            .map(|i| AttemptRecord {
                id: Uuid::new_v4(),
                ended_at: record.ended_at + i,
                ..record.clone()
            })
            .collect();
        db.save_attempts_batch(&copies).expect("save");
        let result = write_attempts(&db, &Filter::default(), &[], Lang::En, Failing(100_000));
        assert!(
            matches!(&result, Err(ExportError::Io(e)) if e.kind() == io::ErrorKind::StorageFull),
            "{result:?}"
        );
    }
}
