//! Trainees and their attempts, behind one interface that a storage backend implements.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::roleplay::{Mode, Transcript};
use crate::scenario::{Lang, Outcome};

/// Longest name, site or cohort accepted, in characters.
pub const MAX_FIELD_CHARS: usize = 60;
/// Longest employee number accepted, in characters.
pub const MAX_EMPLOYEE_NO_CHARS: usize = 32;

/// A person who practises; the employee number identifies them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Trainee {
    pub name: String,
    pub employee_no: String,
    /// Dealer or site.
    pub site: String,
    pub cohort: String,
}

/// Why a trainee as typed cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TraineeError {
    #[error("the name is empty")]
    EmptyName,
    #[error("the employee number is empty")]
    EmptyEmployeeNo,
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} contains a control character")]
    ControlCharacter { field: &'static str },
    #[error("employee number {0} is already registered")]
    Duplicate(String),
}

impl TraineeError {
    /// The message shown beside the form, in the trainee's language.
    pub fn message(&self, lang: Lang) -> String {
        let field_zh = |f: &str| match f {
            "name" => "姓名",
            "employee number" => "员工编号",
            "site" => "经销店",
            _ => "班级",
        };
        match (self, lang) {
            (_, Lang::En) => {
                let s = self.to_string();
                let mut c = s.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
            (TraineeError::EmptyName, Lang::Zh) => "请填写姓名。".into(),
            (TraineeError::EmptyEmployeeNo, Lang::Zh) => "请填写员工编号。".into(),
            (TraineeError::TooLong { field, max }, Lang::Zh) => {
                format!("{}不能超过 {max} 个字符。", field_zh(field))
            }
            (TraineeError::ControlCharacter { field }, Lang::Zh) => {
                format!("{}含有不可见的控制字符。", field_zh(field))
            }
            (TraineeError::Duplicate(no), Lang::Zh) => format!("员工编号 {no} 已经登记过了。"),
        }
    }
}

impl Trainee {
    /// Trims every field and checks it, so that what is saved is what a person meant to type.
    pub fn cleaned(&self) -> Result<Trainee, TraineeError> {
        fn field(value: &str, name: &'static str, max: usize) -> Result<String, TraineeError> {
            let v = value.trim();
            if v.chars().count() > max {
                return Err(TraineeError::TooLong { field: name, max });
            }
            if v.chars().any(char::is_control) {
                return Err(TraineeError::ControlCharacter { field: name });
            }
            Ok(v.to_string())
        }
        let t = Trainee {
            name: field(&self.name, "name", MAX_FIELD_CHARS)?,
            employee_no: field(&self.employee_no, "employee number", MAX_EMPLOYEE_NO_CHARS)?,
            site: field(&self.site, "site", MAX_FIELD_CHARS)?,
            cohort: field(&self.cohort, "cohort", MAX_FIELD_CHARS)?,
        };
        if t.name.is_empty() {
            return Err(TraineeError::EmptyName);
        }
        if t.employee_no.is_empty() {
            return Err(TraineeError::EmptyEmployeeNo);
        }
        Ok(t)
    }
}

/// One finished attempt, as kept for the trainee and for HR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    /// The trainee's employee number.
    pub employee_no: String,
    pub scenario: String,
    pub persona: String,
    pub mode: Mode,
    pub total: f64,
    pub passed: bool,
    pub outcome: Option<Outcome>,
    /// Seconds since the Unix epoch when the attempt started.
    pub started_at: u64,
    /// Seconds spent, pauses excluded.
    pub duration_secs: u64,
    pub transcript: Transcript,
}

#[derive(Debug, Error)]
pub enum RecordsError {
    #[error("no trainee with employee number {0}")]
    UnknownTrainee(String),
    #[error(transparent)]
    Trainee(#[from] TraineeError),
}

/// Where trainees and attempts are kept.
pub trait Records: Send + Sync + std::fmt::Debug {
    fn trainees(&self) -> Vec<Trainee>;
    /// Adds a trainee after checking it; returns the cleaned record.
    fn add_trainee(&mut self, trainee: &Trainee) -> Result<Trainee, RecordsError>;
    fn save_attempt(&mut self, attempt: AttemptRecord) -> Result<(), RecordsError>;
    fn attempts(&self, employee_no: &str) -> Vec<AttemptRecord>;

    /// The best total per scenario for one trainee.
    fn best_scores(&self, employee_no: &str) -> HashMap<String, f64> {
        let mut best: HashMap<String, f64> = HashMap::new();
        for a in self.attempts(employee_no) {
            let entry = best.entry(a.scenario).or_insert(a.total);
            if a.total > *entry {
                *entry = a.total;
            }
        }
        best
    }
}

/// Records kept for as long as the program runs.
#[derive(Debug, Default)]
pub struct MemoryRecords {
    trainees: Vec<Trainee>,
    attempts: Vec<AttemptRecord>,
}

impl Records for MemoryRecords {
    fn trainees(&self) -> Vec<Trainee> {
        self.trainees.clone()
    }

    fn add_trainee(&mut self, trainee: &Trainee) -> Result<Trainee, RecordsError> {
        let t = trainee.cleaned()?;
        if self.trainees.iter().any(|o| o.employee_no == t.employee_no) {
            return Err(TraineeError::Duplicate(t.employee_no).into());
        }
        self.trainees.push(t.clone());
        Ok(t)
    }

    fn save_attempt(&mut self, attempt: AttemptRecord) -> Result<(), RecordsError> {
        if !self
            .trainees
            .iter()
            .any(|t| t.employee_no == attempt.employee_no)
        {
            return Err(RecordsError::UnknownTrainee(attempt.employee_no));
        }
        self.attempts.push(attempt);
        Ok(())
    }

    fn attempts(&self, employee_no: &str) -> Vec<AttemptRecord> {
        self.attempts
            .iter()
            .filter(|a| a.employee_no == employee_no)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trainee(name: &str, no: &str) -> Trainee {
        Trainee {
            name: name.into(),
            employee_no: no.into(),
            site: " 北京店 ".into(),
            cohort: String::new(),
        }
    }

    #[test]
    fn cleans_and_rejects_bad_fields() {
        let t = trainee("  王喆 ", " A-01 ").cleaned().unwrap();
        assert_eq!((t.name.as_str(), t.employee_no.as_str()), ("王喆", "A-01"));
        assert_eq!(t.site, "北京店");
        assert_eq!(trainee(" ", "1").cleaned(), Err(TraineeError::EmptyName));
        assert_eq!(
            trainee("a", "").cleaned(),
            Err(TraineeError::EmptyEmployeeNo)
        );
        assert!(matches!(
            trainee(&"堃".repeat(61), "1").cleaned(),
            Err(TraineeError::TooLong { field: "name", .. })
        ));
        assert!(matches!(
            trainee("a\u{7}b", "1").cleaned(),
            Err(TraineeError::ControlCharacter { .. })
        ));
        assert!(TraineeError::EmptyName.message(Lang::Zh).contains("姓名"));
        assert_eq!(
            TraineeError::EmptyName.message(Lang::En),
            "The name is empty"
        );
    }

    #[test]
    fn memory_records_refuse_duplicates_and_unknown_trainees() {
        let mut r = MemoryRecords::default();
        r.add_trainee(&trainee("王玥", "7")).unwrap();
        assert!(matches!(
            r.add_trainee(&trainee("李彧", " 7")),
            Err(RecordsError::Trainee(TraineeError::Duplicate(_)))
        ));
        assert_eq!(r.trainees().len(), 1);
        let transcript = Transcript {
            scenario: "s".into(),
            scenario_version: 1,
            persona: "angry".into(),
            seed: 1,
            mode: Mode::Practice,
            turns: vec![],
            ending: None,
            critical: vec![],
        };
        let attempt = |no: &str, total: f64| AttemptRecord {
            employee_no: no.into(),
            scenario: "s".into(),
            persona: "angry".into(),
            mode: Mode::Practice,
            total,
            passed: false,
            outcome: None,
            started_at: 0,
            duration_secs: 1,
            transcript: transcript.clone(),
        };
        assert!(r.save_attempt(attempt("8", 50.0)).is_err());
        r.save_attempt(attempt("7", 50.0)).unwrap();
        r.save_attempt(attempt("7", 72.5)).unwrap();
        r.save_attempt(attempt("7", 60.0)).unwrap();
        assert_eq!(r.best_scores("7").get("s"), Some(&72.5));
        assert_eq!(r.attempts("7").len(), 3);
    }
}
