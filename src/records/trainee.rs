//! Trainees and cohorts as typed in a form or on the command line, and the checks they pass.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::scenario::{Lang, as_sentence};

use super::time::Date;

/// Longest name, site or cohort accepted, in characters.
pub const MAX_FIELD_CHARS: usize = 60;
/// Longest employee number accepted, in characters.
pub const MAX_EMPLOYEE_NO_CHARS: usize = 32;

/// A person who practises. `id` is 0 until the trainee is saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Trainee {
    pub id: i64,
    pub name: String,
    /// Optional; unique when given.
    pub employee_no: String,
    /// Dealer or site.
    pub site: String,
    /// The cohort's name, or empty.
    pub cohort: String,
    /// Archived trainees keep their records but are not offered at sign-in.
    pub archived: bool,
}

/// A class of trainees with its trainer and dates. `id` is 0 until saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Cohort {
    pub id: i64,
    pub name: String,
    pub trainer: String,
    pub starts: Option<Date>,
    pub ends: Option<Date>,
}

/// Why a trainee or cohort as typed cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TraineeError {
    #[error("the name is empty")]
    EmptyName,
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} contains a control character")]
    ControlCharacter { field: &'static str },
    #[error("employee number {0} is already registered")]
    Duplicate(String),
    #[error("a cohort named {0} already exists")]
    DuplicateCohort(String),
    #[error("the cohort ends ({ends}) before it starts ({starts})")]
    CohortDates { starts: Date, ends: Date },
}

impl TraineeError {
    /// The message shown beside the form, in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        let field_zh = |f: &str| match f {
            "name" => "姓名",
            "employee number" => "员工编号",
            "site" => "经销店",
            "trainer" => "培训师",
            _ => "班级",
        };
        match (self, lang) {
            (_, Lang::En) => as_sentence(self),
            (TraineeError::EmptyName, Lang::Zh) => "请填写姓名。".into(),
            (TraineeError::TooLong { field, max }, Lang::Zh) => {
                format!("{}不能超过 {max} 个字符。", field_zh(field))
            }
            (TraineeError::ControlCharacter { field }, Lang::Zh) => {
                format!("{}含有不可见的控制字符。", field_zh(field))
            }
            (TraineeError::Duplicate(no), Lang::Zh) => format!("员工编号 {no} 已经登记过了。"),
            (TraineeError::DuplicateCohort(name), Lang::Zh) => format!("已有名为 {name} 的班级。"),
            (TraineeError::CohortDates { starts, ends }, Lang::Zh) => {
                format!("班级结束日期（{ends}）早于开始日期（{starts}）。")
            }
        }
    }
}

/// Trims a field and checks its length and characters.
pub fn clean_field(value: &str, name: &'static str, max: usize) -> Result<String, TraineeError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(TraineeError::TooLong { field: name, max });
    }
    if v.chars().any(char::is_control) {
        return Err(TraineeError::ControlCharacter { field: name });
    }
    Ok(v.to_string())
}

/// A name: trimmed, not empty, no control characters.
pub fn clean_name(value: &str) -> Result<String, TraineeError> {
    let name = clean_field(value, "name", MAX_FIELD_CHARS)?;
    if name.is_empty() {
        return Err(TraineeError::EmptyName);
    }
    Ok(name)
}

impl Trainee {
    /// Trims every field and checks it, so that what is saved is what a person meant to type.
    pub fn cleaned(&self) -> Result<Trainee, TraineeError> {
        Ok(Trainee {
            id: self.id,
            name: clean_name(&self.name)?,
            employee_no: clean_field(&self.employee_no, "employee number", MAX_EMPLOYEE_NO_CHARS)?,
            site: clean_field(&self.site, "site", MAX_FIELD_CHARS)?,
            cohort: clean_field(&self.cohort, "cohort", MAX_FIELD_CHARS)?,
            archived: self.archived,
        })
    }

    /// "name · employee number", or the name alone.
    pub fn label(&self) -> String {
        if self.employee_no.is_empty() {
            self.name.clone()
        } else {
            format!("{} · {}", self.name, self.employee_no)
        }
    }
}

impl Cohort {
    pub fn cleaned(&self) -> Result<Cohort, TraineeError> {
        let name = clean_field(&self.name, "cohort", MAX_FIELD_CHARS)?;
        if name.is_empty() {
            return Err(TraineeError::EmptyName);
        }
        if let (Some(starts), Some(ends)) = (self.starts, self.ends)
            && ends < starts
        {
            return Err(TraineeError::CohortDates { starts, ends });
        }
        Ok(Cohort {
            id: self.id,
            name,
            trainer: clean_field(&self.trainer, "trainer", MAX_FIELD_CHARS)?,
            starts: self.starts,
            ends: self.ends,
        })
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
            ..Trainee::default()
        }
    }

    #[test]
    fn cleans_and_rejects_bad_fields() {
        let t = trainee("  王喆 ", " A-01 ").cleaned().unwrap();
        assert_eq!((t.name.as_str(), t.employee_no.as_str()), ("王喆", "A-01"));
        assert_eq!(t.site, "北京店");
        assert_eq!(t.label(), "王喆 · A-01");
        assert_eq!(trainee(" ", "1").cleaned(), Err(TraineeError::EmptyName));
        assert_eq!(trainee("a", "").cleaned().unwrap().label(), "a");
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
    fn cohort_dates_must_be_in_order() {
        let d = |s: &str| Date::parse(s).unwrap();
        let c = Cohort {
            name: " 2026 秋季班 ".into(),
            starts: Some(d("2026-09-01")),
            ends: Some(d("2026-08-01")),
            ..Cohort::default()
        };
        assert!(matches!(c.cleaned(), Err(TraineeError::CohortDates { .. })));
        let ok = Cohort {
            ends: Some(d("2026-12-20")),
            ..c
        }
        .cleaned()
        .unwrap();
        assert_eq!(ok.name, "2026 秋季班");
    }
}
