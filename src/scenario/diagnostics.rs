//! Diagnostics: every problem found in a file, with a stable code and a position.

use std::fmt;

use serde::Serialize;

use super::Lang;
use super::text::Text;

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

    /// What the code means, in a few words (the table in `scenarios/AUTHORING.md`).
    pub fn summary(self, lang: Lang) -> &'static str {
        let (zh, en) = match self {
            Code::Syntax => ("RON 语法错误", "RON syntax error"),
            Code::UnknownField => (
                "未知字段（常常是拼写错误）",
                "unknown field (often a misspelling)",
            ),
            Code::MissingField => ("缺少字段", "missing field"),
            Code::DuplicateField => ("同一字段写了两次", "field given twice"),
            Code::WrongValue => (
                "值的类型不对（该写数字的地方写了文字、未知的枚举值，等等）",
                "wrong kind of value (text for a number, unknown variant, …)",
            ),
            Code::NotUtf8 => ("文件不是 UTF-8 编码", "the file is not UTF-8"),
            Code::TooLarge => ("文件太大", "the file is too large"),
            Code::TooDeep => ("嵌套层数太深", "nesting too deep"),
            Code::Unreadable => ("无法读取文件", "the file cannot be read"),
            Code::DuplicateId => ("两个条目的 id 相同", "two items share an id"),
            Code::UnknownNode => ("未知节点", "unknown node"),
            Code::UnknownTechnique => ("未知技巧", "unknown technique"),
            Code::UnknownPrinciple => ("未知处理原则", "unknown principle"),
            Code::UnknownPersona => ("未知客户类型", "unknown behaviour type"),
            Code::UnknownFactOrFlag => ("未声明的事实或标记", "undeclared fact or flag"),
            Code::UnknownStep => ("未知处理步骤", "unknown handling step"),
            Code::MissingTranslation => ("缺少翻译", "missing translation"),
            Code::OutOfBounds => ("数值超出范围", "number out of range"),
            Code::EmptyList => ("必须有内容的列表是空的", "empty list where one is needed"),
            Code::UnreachableNode => ("没有任何路径能到达的节点", "node that no path reaches"),
            Code::DeadEnd => ("死路：没有回应的回合", "dead end: a turn without replies"),
            Code::LoopWithoutExit => ("走不出去的循环", "loop with no way out"),
            Code::EndingNeverReached => (
                "任何一次演练都到达不了的结局",
                "ending that no play reaches",
            ),
            Code::NoReplyAvailable => (
                "所有回应都因条件不成立而被隐藏的回合",
                "a turn where every reply is hidden by its condition",
            ),
            Code::TooComplex => ("状态太多，无法分析", "too many states to analyse"),
            Code::NoCatalogue => (
                "情景文件旁边没有 catalogue.ron",
                "no catalogue.ron beside the scenarios",
            ),
            Code::DuplicateScenario => (
                "两个文件使用了同一个情景 id",
                "two files share a scenario id",
            ),
            Code::SingleReply => ("只有一条回应的回合", "a turn with only one reply"),
            Code::SuspectTranslation => (
                "中文文字里没有汉字，或英文文字里夹有中文",
                "a Chinese text without Chinese characters, or Chinese in English text",
            ),
            Code::SameTechniques => (
                "同一回合中有两条回应所用的技巧完全相同",
                "two replies of a turn with the same techniques",
            ),
        };
        match lang {
            Lang::Zh => zh,
            Lang::En => en,
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
    /// In English; `message_zh` says the same in Chinese. Both quote the file's own ids and
    /// fields as written.
    pub message: String,
    pub message_zh: String,
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

    /// A diagnostic of `code` in `file`, before its place is known (line 1, column 1).
    pub fn in_file(file: impl Into<String>, code: Code, message: Text) -> Self {
        Diagnostic {
            file: file.into(),
            line: 1,
            col: 1,
            severity: code.severity(),
            code,
            message: message.en,
            message_zh: message.zh,
            path: None,
        }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.message_zh,
            Lang::En => &self.message,
        }
    }

    /// As `Display`, in either language; `error[CTnnn]` stays as it is for tools.
    pub fn in_lang(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Zh => format!(
                "{}:{}:{}: {}[{}] {}",
                self.file,
                self.line,
                self.col,
                self.severity.as_str(),
                self.code,
                self.message_zh
            ),
        }
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
    pub message: Text,
}

/// Collects pending diagnostics while a file is validated.
#[derive(Debug, Default)]
pub struct Sink {
    pub pending: Vec<Pending>,
}

impl Sink {
    pub fn push(&mut self, code: Code, path: impl std::fmt::Display, message: Text) {
        self.pending.push(Pending {
            code,
            path: path.to_string(),
            message,
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
    fn every_code_is_summed_up_in_both_languages() {
        for code in Code::ALL {
            let (zh, en) = (code.summary(Lang::Zh), code.summary(Lang::En));
            assert!(zh.chars().any(|c| c >= '\u{4e00}'), "{code}: {zh}");
            assert!(
                !en.is_empty() && !en.chars().any(|c| c >= '\u{2e80}'),
                "{code}: {en}"
            );
        }
    }

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
            message_zh: "没有节点 `x`".into(),
            path: None,
        };
        assert_eq!(d.to_string(), "a.ron:3:7: error[CT011]: no node `x`");
        assert_eq!(d.in_lang(Lang::En), d.to_string());
        assert_eq!(d.in_lang(Lang::Zh), "a.ron:3:7: error[CT011] 没有节点 `x`");
    }
}
