//! Diagnostics: every problem found in a file, with a stable code and a position.

use std::fmt;

use serde::Serialize;

/// A diagnostic's stable code. The numbers never change meaning; new checks get new numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Code {
    /// RON syntax error.
    Syntax,
    /// A field the format does not know (often a misspelling).
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// The same field twice in one item.
    DuplicateField,
    /// A value of the wrong kind (text where a number belongs, an unknown variant...).
    WrongValue,
    /// The file is not UTF-8 text.
    NotUtf8,
    /// The file is larger than any scenario should be.
    TooLarge,
    /// Nesting deeper than the loader allows.
    TooDeep,
    /// The file could not be read.
    Unreadable,
    /// Two items share an id.
    DuplicateId,
    /// A reference to a node that does not exist.
    UnknownNode,
    UnknownTechnique,
    UnknownPrinciple,
    UnknownPersona,
    /// A reference to an undeclared fact or flag.
    UnknownFactOrFlag,
    UnknownStep,
    /// A text lacks one of its languages.
    MissingTranslation,
    /// A number outside its allowed range.
    OutOfBounds,
    /// A list that must not be empty is empty.
    EmptyList,
    /// No path from the start reaches this node.
    UnreachableNode,
    /// A turn with no replies: the conversation cannot go on.
    DeadEnd,
    /// A group of nodes that, once entered, can never be left.
    LoopWithoutExit,
    /// No play, under any behaviour type, ends here.
    EndingNeverReached,
    /// In some reachable state every reply of a turn is hidden by its condition.
    NoReplyAvailable,
    /// The scenario has more states than the analysis can explore.
    TooComplex,
    /// The catalogue file is missing next to the scenarios.
    NoCatalogue,
    /// Two scenario files share an id.
    DuplicateScenario,
    /// A decision offers only one reply (warning).
    SingleReply,
    /// A Chinese text with no Chinese characters (warning).
    SuspectTranslation,
    /// Two replies of one turn use exactly the same techniques (warning).
    SameTechniques,
}

impl Code {
    pub const ALL: [Code; 30] = [
        Code::Syntax,
        Code::UnknownField,
        Code::MissingField,
        Code::DuplicateField,
        Code::WrongValue,
        Code::NotUtf8,
        Code::TooLarge,
        Code::TooDeep,
        Code::Unreadable,
        Code::DuplicateId,
        Code::UnknownNode,
        Code::UnknownTechnique,
        Code::UnknownPrinciple,
        Code::UnknownPersona,
        Code::UnknownFactOrFlag,
        Code::UnknownStep,
        Code::MissingTranslation,
        Code::OutOfBounds,
        Code::EmptyList,
        Code::UnreachableNode,
        Code::DeadEnd,
        Code::LoopWithoutExit,
        Code::EndingNeverReached,
        Code::NoReplyAvailable,
        Code::TooComplex,
        Code::NoCatalogue,
        Code::DuplicateScenario,
        Code::SingleReply,
        Code::SuspectTranslation,
        Code::SameTechniques,
    ];

    /// The stable code, as printed: `CT001`…; warnings are numbered from `CT101`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "CT001",
            Code::UnknownField => "CT002",
            Code::MissingField => "CT003",
            Code::DuplicateField => "CT004",
            Code::WrongValue => "CT005",
            Code::NotUtf8 => "CT006",
            Code::TooLarge => "CT007",
            Code::TooDeep => "CT008",
            Code::Unreadable => "CT009",
            Code::DuplicateId => "CT010",
            Code::UnknownNode => "CT011",
            Code::UnknownTechnique => "CT012",
            Code::UnknownPrinciple => "CT013",
            Code::UnknownPersona => "CT014",
            Code::UnknownFactOrFlag => "CT015",
            Code::UnknownStep => "CT016",
            Code::MissingTranslation => "CT020",
            Code::OutOfBounds => "CT021",
            Code::EmptyList => "CT022",
            Code::UnreachableNode => "CT030",
            Code::DeadEnd => "CT031",
            Code::LoopWithoutExit => "CT032",
            Code::EndingNeverReached => "CT033",
            Code::NoReplyAvailable => "CT034",
            Code::TooComplex => "CT035",
            Code::NoCatalogue => "CT040",
            Code::DuplicateScenario => "CT041",
            Code::SingleReply => "CT101",
            Code::SuspectTranslation => "CT102",
            Code::SameTechniques => "CT103",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Code::SingleReply | Code::SuspectTranslation | Code::SameTechniques => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Severity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A 1-based line and column (columns count characters, as editors do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Position {
    pub line: usize,
    pub col: usize,
}

impl Position {
    pub fn new(line: usize, col: usize) -> Self {
        Position { line, col }
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    #[serde(serialize_with = "serialize_code")]
    pub code: Code,
    pub message: String,
    /// Where in the file's structure, e.g. `nodes[3].replies[1].goto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

fn serialize_code<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}[{}]: {}",
            self.file,
            self.line,
            self.col,
            self.severity.as_str(),
            self.code,
            self.message
        )
    }
}

/// A diagnostic found during validation, placed by its path in the file until the file's text
/// is scanned for positions (only done when something is wrong, so clean files pay nothing).
#[derive(Debug, Clone)]
pub struct Pending {
    pub code: Code,
    pub path: String,
    pub message: String,
}

/// Collects pending diagnostics while a file is validated.
#[derive(Debug, Default)]
pub struct Sink {
    pub pending: Vec<Pending>,
}

impl Sink {
    pub fn push(&mut self, code: Code, path: impl std::fmt::Display, message: impl Into<String>) {
        self.pending.push(Pending {
            code,
            path: path.to_string(),
            message: message.into(),
        });
    }

    pub fn has_errors(&self) -> bool {
        self.pending
            .iter()
            .any(|p| p.code.severity() == Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
        }
    }

    #[test]
    fn displays_like_a_compiler() {
        let d = Diagnostic {
            file: "a.ron".into(),
            line: 3,
            col: 7,
            severity: Severity::Error,
            code: Code::UnknownNode,
            message: "no node `x`".into(),
            path: None,
        };
        assert_eq!(d.to_string(), "a.ron:3:7: error[CT011]: no node `x`");
    }
}
