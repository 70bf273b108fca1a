//! Loading: bytes → RON → raw types → checked types, with every problem as a positioned diagnostic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ron::error::{Error as RonError, SpannedError};

use super::diagnostics::{Code, Diagnostic, Position, Sink};
use super::locate::Locator;
use super::model::{Catalogue, Scenario};
use super::raw::{RawCatalogue, RawScenario};
use super::split;
use super::text::Text;
use super::validate::{self, CatalogueIds};
use crate::parallel::map_on_all_cores;

/// The largest file the loader reads. The generated 100,000-node benchmark scenario fits.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The deepest nesting the parser follows before it reports the file instead of recursing on.
pub const MAX_NESTING: usize = 64;
/// The file that holds the catalogue in a scenario folder.
pub const CATALOGUE_FILE: &str = "catalogue.ron";

/// A file to load: its name for messages, and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        SourceFile {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    pub fn read(path: &Path) -> Result<SourceFile, Diagnostic> {
        let name = path.display().to_string();
        let too_large = |size: u64| Diagnostic::in_file(&name, Code::TooLarge, too_large(size));
        let unreadable = |e: std::io::Error| {
            Diagnostic::in_file(
                &name,
                Code::Unreadable,
                Text::new(
                    format!("无法读取文件：{e}"),
                    format!("cannot read the file: {e}"),
                ),
            )
        };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if meta.len() > MAX_FILE_BYTES as u64 {
            return Err(too_large(meta.len()));
        }
        let bytes = std::fs::read(path).map_err(unreadable)?;
        Ok(SourceFile { name, bytes })
    }
}

fn too_large(size: u64) -> Text {
    Text::new(
        format!("文件有 {size} 字节，而情景文件最多只能有 {MAX_FILE_BYTES} 字节"),
        format!("the file is {size} bytes; scenario files may be at most {MAX_FILE_BYTES} bytes"),
    )
}

fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(
            ron::extensions::Extensions::IMPLICIT_SOME
                | ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES,
        )
        .with_recursion_limit(MAX_NESTING)
}

/// Decodes UTF-8, reporting the line and column of the first bad byte.
fn decode(file: &SourceFile) -> Result<&str, Diagnostic> {
    if file.bytes.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::in_file(
            &file.name,
            Code::TooLarge,
            too_large(file.bytes.len() as u64),
        ));
    }
    std::str::from_utf8(&file.bytes).map_err(|e| {
        let good = &file.bytes[..e.valid_up_to()];
        let text = String::from_utf8_lossy(good);
        let line = text.matches('\n').count() + 1;
        let col = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let (bad, at) = (file.bytes[e.valid_up_to()], e.valid_up_to());
        Diagnostic {
            line,
            col,
            ..Diagnostic::in_file(
                &file.name,
                Code::NotUtf8,
                Text::new(
                    format!(
                        "文件不是 UTF-8 文本（第 {at} 字节是无效的 0x{bad:02x}）；请存为 UTF-8 编码"
                    ),
                    format!(
                        "the file is not UTF-8 text (bad byte 0x{bad:02x} at byte {at}); save it as UTF-8"
                    ),
                ),
            )
        }
    })
}

/// Moves a position forward over spaces, so that it points at the value itself.
fn skip_blanks(text: &str, line: usize, col: usize) -> (usize, usize) {
    let Some(row) = text.split('\n').nth(line.saturating_sub(1)) else {
        return (line, col);
    };
    let rest = row.chars().skip(col.saturating_sub(1));
    let blanks = rest.take_while(|c| *c == ' ' || *c == '\t').count();
    if col.saturating_sub(1) + blanks < row.chars().count() {
        (line, col + blanks)
    } else {
        (line, col)
    }
}

/// A number with a fraction where the parser stopped at its point, as in `mood: 6.5` where only
/// a whole number fits: the column where the number starts, and the number.
fn fraction_at(text: &str, line: usize, col: usize) -> Option<(usize, String)> {
    let row: Vec<char> = text
        .split('\n')
        .nth(line.checked_sub(1)?)?
        .chars()
        .collect();
    let point = col.checked_sub(1)?;
    if row.get(point) != Some(&'.') || !row.get(point + 1)?.is_ascii_digit() {
        return None;
    }
    let whole = row[..point]
        .iter()
        .rev()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if whole == 0 {
        return None;
    }
    let mut start = point - whole;
    if start > 0 && row[start - 1] == '-' {
        start -= 1;
    }
    let fraction = row[point + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    Some((start + 1, row[start..point + 1 + fraction].iter().collect()))
}

fn ron_diagnostic(file: &str, text: &str, err: &SpannedError) -> Diagnostic {
    // The parser reads `6.5` in a whole-number field as 6 followed by a stray `.5`.
    if matches!(
        err.code,
        RonError::ExpectedComma
            | RonError::ExpectedStructLikeEnd
            | RonError::ExpectedArrayEnd
            | RonError::ExpectedOptionEnd
    ) && let Some((col, number)) = fraction_at(text, err.span.start.line, err.span.start.col)
    {
        return Diagnostic {
            line: err.span.start.line,
            col,
            ..Diagnostic::in_file(
                file,
                Code::WrongValue,
                Text::new(
                    format!("这里只能写整数，却写了 {number}"),
                    format!("only a whole number fits here, but found {number}"),
                ),
            )
        };
    }
    let code = match &err.code {
        RonError::NoSuchStructField { .. } => Code::UnknownField,
        RonError::MissingStructField { .. } => Code::MissingField,
        RonError::DuplicateStructField { .. } => Code::DuplicateField,
        RonError::ExceededRecursionLimit => Code::TooDeep,
        RonError::InvalidValueForType { .. }
        | RonError::NoSuchEnumVariant { .. }
        | RonError::ExpectedDifferentStructName { .. }
        | RonError::ExpectedDifferentLength { .. }
        | RonError::IntegerOutOfBounds
        | RonError::ExpectedBoolean
        | RonError::ExpectedFloat
        | RonError::ExpectedInteger
        | RonError::ExpectedString
        | RonError::ExpectedArray
        | RonError::ExpectedMap
        | RonError::ExpectedStructLike
        | RonError::ExpectedNamedStructLike(_)
        | RonError::ExpectedOption
        | RonError::ExpectedUnit
        | RonError::ExpectedChar
        | RonError::Message(_) => Code::WrongValue,
        _ => Code::Syntax,
    };
    let (line, col) = skip_blanks(text, err.span.start.line.max(1), err.span.start.col.max(1));
    Diagnostic {
        line,
        col,
        ..Diagnostic::in_file(file, code, ron_message(&err.code))
    }
}

/// What the RON parser found wrong, in both languages. The English is the parser's own
/// wording, except where that speaks of Rust rather than of the file; the Chinese says the same.
fn ron_message(error: &RonError) -> Text {
    let en = match error {
        RonError::ExceededRecursionLimit => {
            format!("nesting deeper than {MAX_NESTING} levels; scenario files never need this much")
        }
        RonError::Eof => "the file ends too early: a bracket or quote is not closed".to_string(),
        // The parser suggests Rust's raw identifiers, which mean nothing to an author.
        RonError::SuggestRawIdentifier(found) | RonError::InvalidIdentifier(found) => {
            format!("expected a name (of a field or a variant) but found {found:?}")
        }
        other => other.to_string(),
    };
    let within = |outer: &Option<String>| {
        outer
            .as_ref()
            .map(|o| format!("（在 `{o}` 里）"))
            .unwrap_or_default()
    };
    let one_of = |names: &[&str]| match names {
        [] => String::new(),
        names => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("；可用的有：{}", quoted.join("、"))
        }
    };
    let zh = match error {
        RonError::ExceededRecursionLimit => {
            format!("嵌套超过 {MAX_NESTING} 层；情景文件从来用不着这么深")
        }
        RonError::Eof => "文件提前结束了：有括号或引号没有闭合".to_string(),
        RonError::ExpectedComma => "这里应该有逗号".to_string(),
        RonError::ExpectedArray => "这里应该是列表的开头 `[`".to_string(),
        RonError::ExpectedArrayEnd => "这里应该是列表的结尾 `]`".to_string(),
        RonError::ExpectedMap => "这里应该是 `{`".to_string(),
        RonError::ExpectedMapEnd => "这里应该是 `}`".to_string(),
        RonError::ExpectedMapColon => "这里应该有冒号".to_string(),
        RonError::ExpectedNamedStructLike(name) if !name.is_empty() => {
            format!("这里应该是 `{name}` 的左括号 `(`")
        }
        RonError::ExpectedStructLike | RonError::ExpectedNamedStructLike(_) => {
            "这里应该是左括号 `(`".to_string()
        }
        RonError::SuggestRawIdentifier(found) | RonError::InvalidIdentifier(found) => {
            format!("这里应该是名称（字段名或变体名），却写了 {found:?}")
        }
        RonError::ExpectedStructLikeEnd | RonError::ExpectedOptionEnd => {
            "这里应该是右括号 `)`".to_string()
        }
        RonError::ExpectedBoolean => "这里应该是 true 或 false".to_string(),
        RonError::ExpectedInteger => "这里应该是整数".to_string(),
        RonError::ExpectedFloat => "这里应该是数字".to_string(),
        RonError::ExpectedString => "这里应该是带引号的文字".to_string(),
        RonError::ExpectedStringEnd => "文字缺少结尾的引号".to_string(),
        RonError::ExpectedIdentifier => "这里应该是名称（字段名或变体名）".to_string(),
        RonError::ExpectedChar => "这里应该是单个字符".to_string(),
        RonError::ExpectedUnit => "这里应该是 `()`".to_string(),
        RonError::ExpectedOption => "这里应该是 Some(…) 或 None".to_string(),
        RonError::IntegerOutOfBounds => "整数超出了允许的范围".to_string(),
        RonError::UnexpectedChar(c) => format!("这里不该出现字符 {c:?}"),
        RonError::TrailingCharacters => "文件结尾之后还有多余的内容".to_string(),
        RonError::UnclosedBlockComment => "块注释 `/* … */` 没有闭合".to_string(),
        RonError::ExpectedDifferentStructName { expected, found } => {
            format!("这里应该是 `{expected}`，却写了 `{found}`")
        }
        RonError::InvalidValueForType { expected, found } => {
            format!("这里应该是 {expected}，却写了 {found}")
        }
        RonError::ExpectedDifferentLength { expected, found } => {
            format!("这里应该是 {expected}，却有 {found} 项")
        }
        RonError::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => format!(
            "没有名为 `{found}` 的选项{}{}",
            within(outer),
            one_of(expected)
        ),
        RonError::NoSuchStructField {
            expected,
            found,
            outer,
        } => format!(
            "没有名为 `{found}` 的字段{}{}",
            within(outer),
            one_of(expected)
        ),
        RonError::MissingStructField { field, outer } => {
            format!("缺少字段 `{field}`{}", within(outer))
        }
        RonError::DuplicateStructField { field, outer } => {
            format!("字段 `{field}` 写了两次{}", within(outer))
        }
        // The rest are rare; the parser's own words, after what the code means.
        other => format!("RON 格式错误：{other}"),
    };
    Text::new(zh, en)
}

/// Places pending diagnostics found later (by the analysis, say) in a file's text.
pub fn place_in(file: &SourceFile, pending: Vec<super::diagnostics::Pending>) -> Vec<Diagnostic> {
    let text = String::from_utf8_lossy(&file.bytes);
    place(&file.name, &text, Sink { pending })
}

/// Places pending diagnostics in the text (scanned only when there is something to place).
fn place(file: &str, text: &str, sink: Sink) -> Vec<Diagnostic> {
    if sink.pending.is_empty() {
        return Vec::new();
    }
    let paths: Vec<&str> = sink.pending.iter().map(|p| p.path.as_str()).collect();
    let locator = Locator::scan_for(text, &paths);
    let mut out: Vec<Diagnostic> = sink
        .pending
        .into_iter()
        .map(|p| {
            let pos: Position = locator.find(&p.path);
            Diagnostic {
                file: file.to_string(),
                line: pos.line,
                col: pos.col,
                severity: p.code.severity(),
                code: p.code,
                message: p.message.en,
                message_zh: p.message.zh,
                path: Some(p.path),
            }
        })
        .collect();
    out.sort_by_key(|d| (d.line, d.col, d.code));
    out
}

/// Parses and checks a catalogue file.
pub fn catalogue(file: &SourceFile) -> (Option<Catalogue>, Vec<Diagnostic>) {
    let text = match decode(file) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    let mut raw: RawCatalogue = match ron_options().from_str(text) {
        Ok(raw) => raw,
        Err(e) => return (None, vec![ron_diagnostic(&file.name, text, &e)]),
    };
    let mut sink = Sink::default();
    let checked = validate::catalogue(&mut raw, &mut sink);
    (checked, place(&file.name, text, sink))
}

/// Only the first stage of `scenario`: the RON text into raw types, nothing checked. A large
/// file's nodes are parsed on every core (`split`), with the same result as one parse.
pub fn parse_scenario(text: &str) -> Result<RawScenario, ron::error::SpannedError> {
    let parts = if text.len() >= split::PARALLEL_FROM_BYTES {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        1
    };
    parse_scenario_in_parts(text, parts)
}

/// As `parse_scenario`, with the node list cut into `parts` parts whatever the file's size.
pub fn parse_scenario_in_parts(
    text: &str,
    parts: usize,
) -> Result<RawScenario, ron::error::SpannedError> {
    let options = ron_options();
    split::parse_in_parts(
        text,
        parts,
        |whole| options.from_str(whole),
        |nodes| options.from_str(nodes),
    )
}

/// Parses and checks a scenario file against a catalogue.
pub fn scenario(file: &SourceFile, ids: &CatalogueIds) -> (Option<Scenario>, Vec<Diagnostic>) {
    let text = match decode(file) {
        Ok(t) => t,
        Err(d) => return (None, vec![d]),
    };
    let mut raw = match parse_scenario(text) {
        Ok(raw) => raw,
        Err(e) => return (None, vec![ron_diagnostic(&file.name, text, &e)]),
    };
    let mut sink = Sink::default();
    let checked = validate::scenario(&mut raw, ids, &file.name, &mut sink);
    (checked, place(&file.name, text, sink))
}

/// A catalogue and the scenarios that loaded cleanly, plus every diagnostic found on the way.
#[derive(Debug, Default, Clone)]
pub struct Library {
    pub catalogue: Option<Arc<Catalogue>>,
    pub scenarios: Vec<Arc<Scenario>>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Library {
    pub fn scenario(&self, id: &str) -> Option<&Arc<Scenario>> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Loads a catalogue and scenario files. One broken scenario never stops the others.
    pub fn from_sources(catalogue_file: &SourceFile, scenario_files: &[SourceFile]) -> Library {
        let (catalogue, mut diagnostics) = catalogue(catalogue_file);
        let Some(catalogue) = catalogue else {
            return Library {
                catalogue: None,
                scenarios: Vec::new(),
                diagnostics,
            };
        };
        let ids = CatalogueIds::from_catalogue(&catalogue);
        // Files load on every core; what they say is then taken in the files' order.
        let loaded = map_on_all_cores(scenario_files, |file| scenario(file, &ids));
        let mut scenarios: Vec<Arc<Scenario>> = Vec::new();
        for (file, (checked, found)) in scenario_files.iter().zip(loaded) {
            diagnostics.extend(found);
            if let Some(s) = checked {
                if let Some(first) = scenarios.iter().find(|o| o.id == s.id) {
                    diagnostics.push(Diagnostic {
                        path: Some("id".into()),
                        ..Diagnostic::in_file(
                            &file.name,
                            Code::DuplicateScenario,
                            Text::new(
                                format!("情景 id `{}` 已经被 {} 用了", s.id, first.source),
                                format!(
                                    "scenario id `{}` is already used by {}",
                                    s.id, first.source
                                ),
                            ),
                        )
                    });
                } else {
                    scenarios.push(Arc::new(s));
                }
            }
        }
        Library {
            catalogue: Some(Arc::new(catalogue)),
            scenarios,
            diagnostics,
        }
    }
}

/// The files to load: a catalogue, scenario files, and problems met while finding them.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub catalogue: Option<SourceFile>,
    pub scenarios: Vec<SourceFile>,
    pub problems: Vec<Diagnostic>,
}

impl Sources {
    /// The `.ron` files named by files and folders (each folder's files sorted). The catalogue is
    /// the `catalogue.ron` among them, or else `fallback`.
    pub fn from_paths(paths: &[PathBuf], fallback: impl FnOnce() -> Option<SourceFile>) -> Sources {
        let mut catalogue_path = None;
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for path in paths {
            if path.is_dir() {
                match std::fs::read_dir(path) {
                    Ok(entries) => {
                        let mut found: Vec<PathBuf> = entries
                            .filter_map(Result::ok)
                            .map(|e| e.path())
                            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "ron"))
                            .collect();
                        found.sort();
                        for f in found {
                            if f.file_name().is_some_and(|n| n == CATALOGUE_FILE) {
                                catalogue_path = Some(f);
                            } else {
                                files.push(f);
                            }
                        }
                    }
                    Err(e) => problems.push(Diagnostic::in_file(
                        path.display().to_string(),
                        Code::Unreadable,
                        Text::new(
                            format!("无法读取文件夹：{e}"),
                            format!("cannot read the folder: {e}"),
                        ),
                    )),
                }
            } else if path.file_name().is_some_and(|n| n == CATALOGUE_FILE) {
                catalogue_path = Some(path.clone());
            } else if path.exists() {
                files.push(path.clone());
            } else {
                problems.push(Diagnostic::in_file(
                    path.display().to_string(),
                    Code::Unreadable,
                    Text::new("没有这个文件或文件夹", "no such file or folder"),
                ));
            }
        }
        let catalogue = match catalogue_path {
            Some(path) => match SourceFile::read(&path) {
                Ok(f) => Some(f),
                Err(d) => {
                    problems.push(d);
                    None
                }
            },
            None => fallback(),
        };
        let mut scenarios = Vec::new();
        for path in files {
            match SourceFile::read(&path) {
                Ok(f) => scenarios.push(f),
                Err(d) => problems.push(d),
            }
        }
        Sources {
            catalogue,
            scenarios,
            problems,
        }
    }

    /// The catalogue and scenarios built into the program.
    pub fn embedded() -> Sources {
        Sources {
            catalogue: Some(embedded_catalogue()),
            scenarios: super::bundled::SCENARIOS
                .iter()
                .map(|(name, text)| SourceFile::new(format!("scenarios/{name}"), text.as_bytes()))
                .collect(),
            problems: Vec::new(),
        }
    }

    pub fn load(&self) -> Library {
        let mut library = match &self.catalogue {
            Some(catalogue) => Library::from_sources(catalogue, &self.scenarios),
            None => Library {
                diagnostics: vec![Diagnostic::in_file(
                    CATALOGUE_FILE,
                    Code::NoCatalogue,
                    Text::new(
                        "情景文件旁边找不到 catalogue.ron",
                        "no catalogue.ron was found beside the scenarios",
                    ),
                )],
                ..Library::default()
            },
        };
        let mut all = self.problems.clone();
        all.append(&mut library.diagnostics);
        library.diagnostics = all;
        library
    }

    /// The file a scenario was loaded from.
    pub fn file(&self, name: &str) -> Option<&SourceFile> {
        self.scenarios.iter().find(|f| f.name == name)
    }
}

/// Where the bundled scenarios are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioSource {
    /// A folder with `catalogue.ron` and scenario files (editable by authors).
    Dir(PathBuf),
    /// The copies built into the program, for machines without the folder.
    Embedded,
}

impl ScenarioSource {
    /// `./scenarios` when it exists, else the project's own folder, else the built-in copies.
    pub fn default_source() -> ScenarioSource {
        let candidates = [
            PathBuf::from("scenarios"),
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        ];
        candidates
            .into_iter()
            .find(|dir| dir.join(CATALOGUE_FILE).is_file())
            .map_or(ScenarioSource::Embedded, ScenarioSource::Dir)
    }

    pub fn sources(&self) -> Sources {
        match self {
            ScenarioSource::Dir(dir) => Sources::from_paths(std::slice::from_ref(dir), || None),
            ScenarioSource::Embedded => Sources::embedded(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            ScenarioSource::Dir(dir) => dir.display().to_string(),
            ScenarioSource::Embedded => "built-in copies".to_string(),
        }
    }
}

/// The catalogue built into the program.
pub fn embedded_catalogue() -> SourceFile {
    SourceFile::new(
        format!("scenarios/{CATALOGUE_FILE}"),
        super::bundled::CATALOGUE.as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_where_a_name_belongs_is_told_without_rust_terms() {
        let file = SourceFile::new("t.ron", "Scenario(kind: 5)");
        let (checked, _) = catalogue(&embedded_catalogue());
        let ids = CatalogueIds::from_catalogue(&checked.expect("the built-in catalogue"));
        let (_, found) = scenario(&file, &ids);
        let d = &found[0];
        assert_eq!(d.code, Code::Syntax);
        assert_eq!(
            d.message,
            "expected a name (of a field or a variant) but found \"5\""
        );
        assert_eq!(
            d.message_zh,
            "这里应该是名称（字段名或变体名），却写了 \"5\""
        );
    }

    #[test]
    fn a_fraction_where_a_whole_number_belongs_is_told_as_such() {
        let (checked, _) = catalogue(&embedded_catalogue());
        let ids = CatalogueIds::from_catalogue(&checked.expect("the built-in catalogue"));
        for (text, col, number) in [
            ("Scenario(\n  start: (mood: 6.5, trust: 5))", 17, "6.5"),
            ("Scenario(\n  start: (mood: -12.25))", 17, "-12.25"),
            (
                "Scenario(\n  escalations: [(when: MoodAtLeast(7.5)",
                36,
                "7.5",
            ),
        ] {
            let (_, found) = scenario(&SourceFile::new("t.ron", text), &ids);
            let d = &found[0];
            assert_eq!(
                (d.code, d.line, d.col),
                (Code::WrongValue, 2, col),
                "{text}"
            );
            assert_eq!(
                d.message,
                format!("only a whole number fits here, but found {number}")
            );
            assert_eq!(d.message_zh, format!("这里只能写整数，却写了 {number}"));
        }
        // A stray point after something else is still a syntax error.
        let (_, found) = scenario(&SourceFile::new("t.ron", "Scenario(id: \"a\".5)"), &ids);
        assert_eq!(found[0].code, Code::Syntax);
    }
}
