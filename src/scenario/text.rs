//! Bilingual text: every string a trainee sees exists in Simplified Chinese and English.

use serde::{Deserialize, Serialize};

/// A line in brackets, such as "(After the customer leaves, your manager asks…)", sets the
/// scene rather than being said by anyone.
pub fn is_narration(said: &str) -> bool {
    let t = said.trim();
    (t.starts_with('(') && t.ends_with(')')) || (t.starts_with('（') && t.ends_with('）'))
}

/// An error's own message as a sentence on its own: the first letter in capitals.
pub fn as_sentence(message: impl std::fmt::Display) -> String {
    let message = message.to_string();
    let mut chars = message.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// An English count and its noun: "1 attempt", "2 attempts".
pub fn count_en<N: std::fmt::Display + PartialEq + From<u8>>(
    n: N,
    one: &str,
    many: &str,
) -> String {
    if n == N::from(1) {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Parses `zh`, `zh-CN`, `zh_CN.UTF-8`, `en`, `en_GB`... (case-insensitive).
    pub fn parse(s: &str) -> Option<Lang> {
        let lower = s.trim().to_ascii_lowercase();
        if lower.starts_with("zh") || lower == "cn" || lower == "中文" {
            Some(Lang::Zh)
        } else if lower.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language the user's environment asks for (`LC_ALL`, `LC_MESSAGES`, `LANG`), English otherwise.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|var| std::env::var(var).ok())
            .find(|v| !v.is_empty() && v != "C" && v != "POSIX")
            .and_then(|v| Lang::parse(&v))
            .unwrap_or(Lang::En)
    }
}

/// A text in both languages. Scenario files write it as `(zh: "…", en: "…")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text `say` gives in each language (an error's `message(lang)`, say).
    pub fn in_both(say: impl Fn(Lang) -> String) -> Self {
        Text {
            zh: say(Lang::Zh),
            en: say(Lang::En),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// True for characters of the CJK ideograph blocks (what a Chinese text must contain).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locale_names() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn recognises_cjk() {
        assert!(is_cjk('投'));
        assert!(!is_cjk('a'));
        assert!(!is_cjk('，'));
    }

    #[test]
    fn counts_in_english_take_the_singular_for_one_only() {
        assert_eq!(count_en(1usize, "attempt", "attempts"), "1 attempt");
        assert_eq!(count_en(0usize, "attempt", "attempts"), "0 attempts");
        assert_eq!(count_en(2i64, "reply", "replies"), "2 replies");
    }
}
