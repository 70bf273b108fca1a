//! Exports of attempts: CSV for spreadsheets, xAPI statements for an LRS, printable HTML reports.

pub mod csv;
pub mod html;
pub mod xapi;

use std::io::Write;
use std::path::Path;

use thiserror::Error;

use super::time::Zone;
use super::{Db, Filter};
use crate::scenario::{Lang, Library, Text};

pub use csv::ExportError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xapi,
    Html,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xapi => "json",
            ExportFormat::Html => "html",
        }
    }
}

/// Everything an export needs besides the records.
#[derive(Debug, Clone)]
pub struct ExportRequest<'a> {
    pub format: ExportFormat,
    /// With `trainee` set, HTML gives that trainee's report; otherwise the cohort's.
    pub filter: Filter,
    pub names: &'a Names,
    pub lang: Lang,
    /// For xAPI: the organisation's home page (accounts and activity ids).
    pub home_page: String,
    pub generated_at: i64,
    /// The zone the report shows times and counts days in.
    pub zone: Zone,
}

/// Principle and step names, scenario titles and the pass mark, from the catalogue.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub principles: Vec<(String, Text)>,
    pub steps: Vec<(String, Text)>,
    pub titles: Vec<(String, Text)>,
    pub pass_mark: f64,
}

impl Names {
    pub fn of(library: &Library) -> Names {
        let catalogue = library.catalogue.as_ref();
        Names {
            principles: catalogue
                .map(|c| {
                    c.principles
                        .iter()
                        .map(|p| (p.id.clone(), p.name.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            steps: catalogue
                .map(|c| {
                    c.steps
                        .iter()
                        .map(|s| (s.id.clone(), s.name.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            titles: library
                .scenarios
                .iter()
                .map(|s| (s.id.clone(), s.title.clone()))
                .collect(),
            pass_mark: catalogue.map_or(60.0, |c| c.pass_mark),
        }
    }
}

#[derive(Debug, Error)]
pub enum FileExportError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Export { path: String, source: ExportError },
}

/// Writes an export to `path` by way of a temporary file beside it, so that a failure never
/// leaves half a file (or destroys an older export). Returns how many rows, statements or
/// reports were written.
pub fn export_to_file(
    db: &Db,
    request: &ExportRequest<'_>,
    path: &Path,
) -> Result<u64, FileExportError> {
    let shown = path.display().to_string();
    let write_error = |source| FileExportError::Write {
        path: shown.clone(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        write_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let file = std::fs::File::create(&tmp).map_err(write_error)?;
    let mut out = std::io::BufWriter::new(file);
    let written = write_export(db, request, &mut out).and_then(|n| {
        out.flush()?;
        out.get_ref().sync_all()?;
        Ok(n)
    });
    match written {
        Ok(n) => {
            std::fs::rename(&tmp, path).map_err(write_error)?;
            Ok(n)
        }
        Err(source) => {
            let _ = std::fs::remove_file(&tmp);
            Err(FileExportError::Export {
                path: shown,
                source,
            })
        }
    }
}

/// Writes an export to any writer.
pub fn write_export(
    db: &Db,
    request: &ExportRequest<'_>,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    let names = request.names;
    match request.format {
        ExportFormat::Csv => csv::write_attempts_with_steps(
            db,
            &request.filter,
            &names.principles,
            &names.steps,
            request.lang,
            out,
        ),
        ExportFormat::Xapi => {
            let mut count = 0;
            out.write_all(b"[")?;
            for summary in db.attempts(&request.filter)? {
                let Some(record) = db.attempt(summary.id)? else {
                    continue;
                };
                let trainee = db.trainee(record.trainee_id)?;
                for statement in xapi::attempt_statements(&record, &trainee, &request.home_page) {
                    if count > 0 {
                        out.write_all(b",\n")?;
                    }
                    serde_json::to_writer(&mut *out, &statement).map_err(std::io::Error::from)?;
                    count += 1;
                }
            }
            out.write_all(b"]\n")?;
            Ok(count)
        }
        ExportFormat::Html => {
            let page = match request.filter.trainee {
                Some(id) => html::trainee_report(db, id, request)?,
                None => html::cohort_report(db, request)?,
            };
            out.write_all(page.as_bytes())?;
            Ok(1)
        }
    }
}
