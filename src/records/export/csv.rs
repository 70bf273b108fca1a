//! CSV export (RFC 4180, UTF-8 with BOM, safe against formula injection).
//!
//! Formula-injection policy (OWASP "CSV Injection"): a cell whose first character is `=`, `+`,
//! `-`, `@`, tab, carriage return or line feed gets a single quote `'` put in front, then is
//! quoted as RFC 4180 requires. This applies to every cell, numbers included: the numbers this
//! export writes are never negative in practice (totals, percentages, durations, ids), but one
//! that is (damaged data) is written as `'-3` rather than bare, so no cell can start a formula.

use std::fmt::{self, Write as _};
use std::io::{self, BufWriter, Write};
use std::sync::Arc;

use thiserror::Error;

use crate::records::time::Date;
use crate::records::{AttemptSummary, Db, Filter, LineScore, RecordsError, Trainee};
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

    fn number(&mut self, value: impl fmt::Display) -> io::Result<()> {
        self.formatted(format_args!("{value}"))
    }

    /// A score as stored (already rounded to one decimal); empty when absent or not a number.
    fn score(&mut self, value: Option<f64>) -> io::Result<()> {
        match value {
            // `+ 0.0` turns -0.0 into 0.0, which prints without a sign.
            Some(v) if v.is_finite() => self.number(v + 0.0),
            _ => self.text(""),
        }
    }

    /// `2026-11-23T01:27:31Z`, as `time::iso_timestamp` writes it, without a String per cell.
    fn timestamp(&mut self, secs: i64) -> io::Result<()> {
        let date = Date::of_secs(secs);
        let s = secs.rem_euclid(86_400);
        self.formatted(format_args!(
            "{date}T{:02}:{:02}:{:02}Z",
            s / 3600,
            s / 60 % 60,
            s % 60
        ))
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

/// The line with this id; attempts list lines in catalogue order, so the same position is
/// tried first.
fn line_for<'a>(lines: &'a [LineScore], position: usize, id: &str) -> Option<&'a LineScore> {
    lines
        .get(position)
        .filter(|l| l.id == id)
        .or_else(|| lines.iter().find(|l| l.id == id))
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

fn write_row<W: Write>(
    csv: &mut CsvWriter<W>,
    a: &AttemptSummary,
    t: &Trainee,
    principles: &[LineColumn],
    steps: &[LineColumn],
    lang: Lang,
) -> io::Result<()> {
    csv.number(a.id)?;
    csv.number(a.trainee_id)?;
    csv.text(&t.name)?;
    csv.text(&t.employee_no)?;
    csv.text(&t.site)?;
    csv.text(&t.cohort)?;
    csv.text(&a.scenario)?;
    csv.number(a.scenario_version)?;
    csv.text(&a.persona)?;
    csv.text(mode_text(a.mode, lang))?;
    csv.number(a.seed)?;
    csv.timestamp(a.started_at)?;
    csv.timestamp(a.ended_at)?;
    csv.number(a.duration_secs)?;
    csv.score(Some(a.total))?;
    csv.text(match (lang, a.passed) {
        (Lang::En, true) => "true",
        (Lang::En, false) => "false",
        (Lang::Zh, true) => "是",
        (Lang::Zh, false) => "否",
    })?;
    csv.text(a.ending.as_deref().unwrap_or(""))?;
    csv.text(a.outcome.map_or("", |o| outcome_text(o, lang)))?;
    csv.number(a.critical)?;
    for (lines, columns) in [(&a.principles, principles), (&a.steps, steps)] {
        for (i, c) in columns.iter().enumerate() {
            csv.score(line_for(lines, i, &c.id).and_then(|l| l.percent))?;
        }
    }
    csv.end_row()
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
    let mut csv = CsvWriter::new(out);
    csv.out.write_all(BOM)?;
    let mut header_written = false;
    let mut rows = 0u64;
    // Reading (SQLite and parsing) and writing (formatting) each take about half the time, so
    // they run on two threads with rows passed between them.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<(AttemptSummary, Arc<Trainee>)>(1024);
    let (written, streamed) = std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut current: Option<Arc<Trainee>> = None;
            db.for_each_attempt(filter, |attempt, trainee| {
                let shared = match &current {
                    Some(c) if c.id == trainee.id => c.clone(),
                    _ => {
                        let fresh = Arc::new(trainee.clone());
                        current = Some(fresh.clone());
                        fresh
                    }
                };
                // The writer stopped (it failed): stop reading; its error is what is reported.
                sender
                    .send((attempt, shared))
                    .map_err(|_| RecordsError::Io {
                        path: "(export)".into(),
                        source: io::Error::other("export stopped"),
                    })
            })
        });
        let mut written: io::Result<()> = Ok(());
        for (attempt, trainee) in receiver.iter() {
            let steps = step_columns.get_or_insert_with(|| {
                attempt
                    .steps
                    .iter()
                    .map(|s| LineColumn {
                        id: s.id.clone(),
                        name: None,
                    })
                    .collect()
            });
            let result = if header_written {
                Ok(())
            } else {
                header_written = true;
                write_header(&mut csv, &principle_columns, steps, lang)
            }
            .and_then(|()| {
                write_row(
                    &mut csv,
                    &attempt,
                    &trainee,
                    &principle_columns,
                    steps,
                    lang,
                )
            });
            match result {
                Ok(()) => rows += 1,
                Err(e) => {
                    written = Err(e);
                    break;
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
        csv.number(-3).expect("write");
        csv.score(Some(-0.0)).expect("write");
        csv.score(Some(72.5)).expect("write");
        csv.score(Some(f64::NAN)).expect("write");
        csv.end_row().expect("write");
        let bytes = csv.out.into_inner().expect("flush");
        assert_eq!(String::from_utf8(bytes).expect("utf-8"), "'-3,0,72.5,\r\n");
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
        let library = library();
        let analysis = warmup(&library);
        let db = Db::in_memory().expect("db");
        let t = db
            .add_trainee(&trainee("王喆", "", "", ""))
            .expect("trainee");
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
