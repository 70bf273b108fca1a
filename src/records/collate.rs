//! The order of trainees' and cohorts' names in lists: Chinese characters by their pinyin and
//! tone (陈 chen, 李 li, 王 wang, 张 zhang), other letters as letters, case aside.

use pinyin::ToPinyin;

/// A key whose order is the names' order: per Chinese character its syllable and tone
/// ("zhang1"; the neutral tone as 5) closed by a space, so that a syllable sorts before its
/// longer neighbours ("li" before "lin"); other characters as they are, in lower case. Names
/// that read the same are then told apart by their characters.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len() * 4);
    for c in name.chars() {
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
