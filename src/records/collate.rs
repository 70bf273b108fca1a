//! The order of trainees' and cohorts' names in lists: Chinese characters by their pinyin and
//! tone (陈 chen, 李 li, 王 wang, 张 zhang), other letters as letters, case aside.

use pinyin::ToPinyin;

/// Surnames whose reading is not their character's commonest one, as syllables with tones;
/// the two-character ones first, so that a name starts with the longest surname it can.
const SURNAME_READINGS: &[(&str, &[&str])] = &[
    ("尉迟", &["yu4", "chi2"]),
    ("万俟", &["mo4", "qi2"]),
    ("单于", &["chan2", "yu2"]),
    ("长孙", &["zhang3", "sun1"]),
    ("澹台", &["tan2", "tai2"]),
    ("单", &["shan4"]),
    ("曾", &["zeng1"]),
    ("解", &["xie4"]),
    ("仇", &["qiu2"]),
    ("朴", &["piao2"]),
    ("区", &["ou1"]),
    ("查", &["zha1"]),
    ("盖", &["ge3"]),
    ("乐", &["yue4"]),
    ("覃", &["qin2"]),
    ("召", &["shao4"]),
    ("缪", &["miao4"]),
    ("员", &["yun4"]),
    ("秘", &["bi4"]),
    ("种", &["chong2"]),
    ("华", &["hua4"]),
    ("任", &["ren2"]),
    ("纪", &["ji3"]),
    ("过", &["guo1"]),
    ("宁", &["ning4"]),
    ("相", &["xiang4"]),
    ("隗", &["wei3"]),
    ("句", &["gou1"]),
    ("繁", &["po2"]),
    ("祭", &["zhai4"]),
    ("翟", &["zhai2"]),
];

/// A key whose order is the names' order: per Chinese character its syllable and tone
/// ("zhang1"; the neutral tone as 5) closed by a space, so that a syllable sorts before its
/// longer neighbours ("li" before "lin"); other characters as they are, in lower case. Names
/// that read the same are then told apart by their characters.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() * 4);
    // A surname is read as a surname (单 Shàn, not dān as in 简单).
    let (surname, rest) = SURNAME_READINGS
        .iter()
        .find_map(|(surname, syllables)| name.strip_prefix(surname).map(|rest| (*syllables, rest)))
        .unwrap_or((&[], name));
    for syllable in surname {
        key.push_str(syllable);
        key.push(' ');
    }
    for c in rest.chars() {
        match c.to_pinyin() {
            Some(p) => {
                let syllable = p.with_tone_num_end();
                key.push_str(syllable);
                if !syllable.ends_with(|c: char| c.is_ascii_digit()) {
                    key.push('5');
                }
                key.push(' ');
            }
            None => key.extend(c.to_lowercase()),
        }
    }
    // Below every character a reading contains, so a reading that is a prefix still sorts first.
    key.push('\0');
    key.push_str(name);
    key
}

#[cfg(test)]
mod tests {
    use std::cmp::Ordering;

    use super::*;

    fn name_order(a: &str, b: &str) -> Ordering {
        name_key(a).cmp(&name_key(b))
    }

    #[test]
    fn chinese_names_go_by_pinyin() {
        let mut names = vec![
            "周或洋",
            "张敏伟",
            "李伟艳",
            "杨伟艳",
            "王伟玥",
            "陈芳芳",
            "李堃玥",
        ];
        names.sort_by(|a, b| name_order(a, b));
        assert_eq!(
            names,
            [
                "陈芳芳",
                "李堃玥",
                "李伟艳",
                "王伟玥",
                "杨伟艳",
                "张敏伟",
                "周或洋"
            ]
        );
    }

    #[test]
    fn surnames_are_read_as_surnames() {
        // 单 Shàn between 沙 Shā and 尚 Shàng, not with the d's; 解 Xiè with the x's, not the
        // j's; 尉迟 Yùchí with the y's, not the w's; 曾 Zēng with the z's, not the c's.
        let mut names = vec![
            "尚明",
            "单明",
            "沙明",
            "曾明",
            "陈明",
            "尉迟明",
            "王明",
            "解明",
            "许明",
        ];
        names.sort_by(|a, b| name_order(a, b));
        assert_eq!(
            names,
            [
                "陈明",
                "沙明",
                "单明",
                "尚明",
                "王明",
                "解明",
                "许明",
                "尉迟明",
                "曾明"
            ]
        );
        // Only at the start: 单 inside a given name keeps its common reading.
        assert!(name_key("王单").starts_with("wang2 dan1 "));
        assert!(name_key("单").starts_with("shan4 "));
    }

    #[test]
    fn syllables_tones_and_letters() {
        // li before lin; wan before wang; the same syllable by tone (妈 mā, 马 mǎ).
        assert_eq!(name_order("李", "林"), Ordering::Less);
        assert_eq!(name_order("万", "王"), Ordering::Less);
        assert_eq!(name_order("妈", "马"), Ordering::Less);
        // A shorter name first; Latin letters spell with the syllables (an before anna), case
        // aside.
        assert_eq!(name_order("王", "王伟"), Ordering::Less);
        assert_eq!(name_order("anna", "Bob"), Ordering::Less);
        assert_eq!(name_order("Anna", "安"), Ordering::Greater);
        assert_eq!(name_order("Wang Wei", "王伟"), Ordering::Less);
        assert_eq!(name_order("王伟", "王伟"), Ordering::Equal);
    }
}
