//! The command line's help and usage errors in Chinese: every command's and option's
//! description, by its path, and what a mistyped command line is told.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, Command};

/// `"list"` names a command, `"list:json"` one of its options (`":lang"` a global one).
const ZH: &[(&str, &str)] = &[
    (
        "",
        "练习预防和处理汽车经销商的顾客投诉。不带命令时打开桌面应用；`list` 和 `play ID` 可在终端中使用。",
    ),
    (
        ":data_dir",
        "设置和记录存放的文件夹（默认：系统的数据文件夹）",
    ),
    (
        ":scenarios",
        "含有 catalogue.ron 的情景文件夹（默认：./scenarios，没有则用内置的情景）",
    ),
    (
        ":lang",
        "文字输出的语言：zh 或 en（默认：按系统的语言环境）",
    ),
    ("check", "检查情景文件：语法、引用、翻译、可达性、结局"),
    ("check:paths", "要检查的文件或文件夹（默认：内置的情景）"),
    ("check:json", "以 JSON 输出结果"),
    (
        "check:max_states",
        "分析一个情景时，局面超过这个数量就放弃（错误 CT035）",
    ),
    ("list", "列出各个情景，以及可能得到的最高分和最低分"),
    ("list:json", "以 JSON 输出列表"),
    (
        "analyse",
        "按每种客户类型精确分析一个情景：最高和最低总分、各处理原则的范围、不同走法的数量、能到达的结局",
    ),
    ("analyse:id", "情景 id（见 `list`）"),
    ("analyse:json", "以 JSON 输出结果"),
    ("graph", "画出情景的图（Graphviz DOT 或 Mermaid）"),
    ("graph:id", "情景 id（见 `list`）"),
    (
        "graph:format",
        "Graphviz DOT，或用于 Markdown 页面的 Mermaid",
    ),
    (
        "play",
        "在终端中演练一个情景，或用 --choices、--strategy 自动演练",
    ),
    ("play:id", "情景 id（见 `list`）"),
    (
        "play:persona",
        "让顾客按另一种客户类型来演：passive、talker、angry 或 activist",
    ),
    (
        "play:seed",
        "决定台词变体和回应顺序的种子（默认：新取一个并显示出来）",
    ),
    ("play:mode", "练习模式每步点评；考核模式只在结束后讲评"),
    ("play:choices", "要选的回应，按屏幕上显示的编号，例如 2,1,3"),
    (
        "play:strategy",
        "由程序来选：best（最好）、worst（最差）或 random（随机）",
    ),
    ("play:json", "以一个 JSON 对象输出结果"),
    ("play:transcript", "同时把演练记录（JSON）写入这个文件"),
    (
        "play:trainee",
        "像桌面应用一样，为这位学员记录这次演练（id、工号或唯一的姓名）",
    ),
    (
        "replay",
        "按保存的演练记录重新评分，并检查它是否仍按记录的方式进行",
    ),
    (
        "replay:file",
        "由 `play --transcript` 或 `play --json` 写出的演练记录",
    ),
    ("replay:json", "以 JSON 输出成绩单"),
    ("trainee", "登记、列出、改名和归档学员"),
    ("trainee add", "登记一位学员；显示新学员的 id"),
    ("trainee add:name", "学员的姓名，登录时显示"),
    ("trainee add:employee_id", "工号（填写时不得重复）"),
    ("trainee add:site", "经销店或所在地"),
    (
        "trainee add:cohort",
        "班级的名称或 id（新的名称会建立这个班级）",
    ),
    ("trainee list", "列出学员"),
    ("trainee list:json", "以 JSON 输出列表"),
    ("trainee list:all", "也列出已归档的学员"),
    ("trainee rename", "修改学员的姓名"),
    ("trainee rename:trainee", "id、工号或唯一的姓名"),
    ("trainee rename:name", "新的姓名"),
    ("trainee archive", "在登录界面隐藏一位学员；其记录保留"),
    ("trainee archive:trainee", "id、工号或唯一的姓名"),
    ("trainee unarchive", "恢复一位已归档的学员"),
    ("trainee unarchive:trainee", "id、工号或唯一的姓名"),
    (
        "trainee move",
        "把学员调到另一个班级（名称或 id；\"\" 表示不属于任何班级）",
    ),
    ("trainee move:trainee", "id、工号或唯一的姓名"),
    (
        "trainee move:cohort",
        "班级的名称或 id；\"\" 表示移出所有班级",
    ),
    ("cohort", "建立和列出班级"),
    ("cohort add", "建立一个班级；显示它的 id"),
    ("cohort add:name", "班级的名称，例如“2026 年春季服务顾问班”"),
    ("cohort add:trainer", "负责这个班级的培训师"),
    ("cohort add:starts", "开始日期，YYYY-MM-DD"),
    ("cohort add:ends", "结束日期，YYYY-MM-DD"),
    ("cohort list", "列出班级"),
    ("cohort list:json", "以 JSON 输出列表"),
    (
        "records",
        "导出记录、同步到学习记录存储（LRS）、检查记录文件",
    ),
    (
        "records export",
        "把演练记录导出为 CSV、xAPI 语句（JSON）或可打印的 HTML 报告",
    ),
    (
        "records export:format",
        "CSV 用于电子表格，xAPI 语句（JSON），或用于打印的 HTML 报告",
    ),
    ("records export:cohort", "只导出这个班级（名称或 id）"),
    (
        "records export:trainee",
        "只导出这位学员（id、工号或唯一的姓名）；HTML 会生成这位学员的报告",
    ),
    (
        "records export:since",
        "只导出在这一天或之后结束的演练（YYYY-MM-DD，本地时间）",
    ),
    ("records export:until", "只导出在这一天之前结束的演练"),
    (
        "records export:scenario",
        "只导出这个情景（它的 id，见 `list`）",
    ),
    ("records export:mode", "只导出练习或只导出考核"),
    (
        "records export:home_page",
        "用于 xAPI：机构的主页（默认：LRS 设置中的主页，没有则为 http://localhost）",
    ),
    ("records export:out", "要写入的文件"),
    ("records sync", "现在就把排队的语句发送到 LRS"),
    ("records sync:timeout", "每次请求等待 LRS 的秒数"),
    ("records lrs", "设置、查看或清除学习记录存储（LRS）"),
    (
        "records lrs set",
        "设置地址和账号；密码从环境变量 COMPLAINT_TRAINER_LRS_PASSWORD 读取，未设置时从标准输入的第一行读取",
    ),
    (
        "records lrs set:endpoint",
        "xAPI 地址，例如 https://lrs.example.com/xAPI/",
    ),
    ("records lrs set:username", "LRS 账号的用户名"),
    (
        "records lrs set:home_page",
        "机构的主页，用于学员账号和活动 id",
    ),
    ("records lrs show", "显示 LRS 设置（不含密码）和发送队列"),
    (
        "records lrs clear",
        "清除 LRS 设置；排队的语句保留，待重新设置后发送",
    ),
    ("records check", "检查记录文件是否完好，并统计其中的内容"),
    (
        "records generate",
        "用生成的演练填充记录（用来试看培训师看板，也用于测试）",
    ),
    ("records generate:attempts", "要生成的演练次数"),
    ("records generate:trainees", "为这些演练登记的学员人数"),
    ("records generate:cohorts", "学员分到的班级数"),
    ("records generate:scenario", "只用这些情景（默认：全部）"),
    (
        "records generate:batch",
        "每个事务写入的演练数；1 表示像应用那样逐次记录",
    ),
    (
        "records generate:print_ids",
        "每次演练安全保存后显示它的 id",
    ),
    ("records generate:seed", "相同的种子生成相同的记录"),
    ("info", "显示情景和数据从哪里读取"),
    ("gui", "打开桌面应用（不带命令时的默认做法）"),
    (
        "gui:autoplay",
        "自动完成登录、这个情景的一次完整演练和讲评，然后退出",
    ),
    ("gui:strategy", "自动演练时选哪种回应"),
    (
        "gui:screenshot_dir",
        "把自动演练的每个画面存为 PNG，放在这个文件夹里",
    ),
    (
        "gui:persona",
        "自动演练时的客户类型（默认：情景自己的类型）",
    ),
    ("gui:mode", "自动演练用练习模式还是考核模式"),
    ("gui:seed", "自动演练时决定台词变体和回应顺序的种子"),
    ("gui:watch", "情景文件改动时重新载入（开发版本默认开启）"),
    ("help", "显示帮助"),
    ("version", "显示版本"),
];

fn zh(key: &str) -> Option<&'static str> {
    ZH.iter().find(|(k, _)| *k == key).map(|(_, text)| *text)
}

const TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The command tree with its help in Chinese: descriptions, headings, defaults and choices.
/// Built first, so that the help options and `help` commands clap adds are there to translate.
pub fn in_chinese(mut cmd: Command) -> Command {
    cmd.build();
    localize(cmd, "")
}

fn localize(cmd: Command, path: &str) -> Command {
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令");
    // Under `help`, clap lists every command again, to say what `help COMMAND` shows.
    let real_path: Vec<&str> = path.split(' ').filter(|w| *w != "help").collect();
    let about = if cmd.get_name() == "help" && !path.is_empty() {
        Some("显示本帮助，或某个命令的帮助")
    } else {
        zh(&real_path.join(" "))
    };
    if let Some(about) = about {
        cmd = cmd.about(about).long_about(None);
    }
    let ids: Vec<(String, bool)> = cmd
        .get_arguments()
        .map(|a| (a.get_id().to_string(), a.is_global_set()))
        .collect();
    for (id, global) in ids {
        // Global options are copied into every command: they say what they say at the top.
        let key = match id.as_str() {
            "help" | "version" => id.clone(),
            _ if global => format!(":{id}"),
            _ => format!("{path}:{id}"),
        };
        cmd = cmd.mut_arg(id, |arg| localize_arg(arg, &key));
    }
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(name, |sub| localize(sub, &sub_path));
    }
    cmd
}

/// The option's description in Chinese, its default and its choices said after it.
fn localize_arg(arg: Arg, key: &str) -> Arg {
    let Some(text) = zh(key) else {
        return arg;
    };
    let mut help = text.to_string();
    let takes_value = arg.get_num_args().is_none_or(|n| n.takes_values());
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if takes_value && !choices.is_empty() {
        help.push_str(&format!("（可选：{}）", choices.join("、")));
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    if takes_value && !defaults.is_empty() {
        help.push_str(&format!("（默认：{}）", defaults.join("、")));
    }
    let heading = if arg.is_positional() {
        "参数"
    } else {
        "选项"
    };
    arg.help(help)
        .long_help(None)
        .hide_possible_values(true)
        .hide_default_value(true)
        .help_heading(heading)
}

/// Help as clap renders it, with Chinese punctuation where clap adds its own: a full-width
/// colon after the headings (命令：, 选项：, 参数：) and 选项 for the options in usage lines.
pub fn chinese_punctuation(help: &str) -> String {
    let mut out = help.replace("[OPTIONS]", "[选项]");
    for heading in ["命令", "选项", "参数"] {
        out = out.replace(&format!("{heading}:"), &format!("{heading}："));
    }
    out
}

/// A usage error in Chinese, with its hint and usage line; None for the rare kinds this does
/// not know, which are then told as the parser tells them.
pub fn usage_error_in_chinese(error: &clap::Error) -> Option<String> {
    let text = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(list)) => Some(list.join("、")),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let what = match (error.kind(), arg.as_deref(), value.as_deref()) {
        (ErrorKind::UnknownArgument, Some(arg), _) => format!("不认识的选项 '{arg}'"),
        (ErrorKind::InvalidSubcommand, _, _) => format!(
            "不认识的命令 '{}'",
            text(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        (ErrorKind::InvalidValue, Some(arg), Some("")) => format!("'{arg}' 需要一个值"),
        (ErrorKind::InvalidValue, Some(arg), Some(value)) => {
            let mut told = format!("'{value}' 不是 '{arg}' 可用的值");
            if let Some(valid) = text(ContextKind::ValidValue) {
                told.push_str(&format!("（可选：{valid}）"));
            }
            told
        }
        (ErrorKind::ValueValidation, Some(arg), Some(value)) => {
            let why = std::error::Error::source(error)
                .map(|e| format!("：{e}"))
                .unwrap_or_default();
            format!("'{arg}' 的值 '{value}' 无效{why}")
        }
        (ErrorKind::MissingRequiredArgument, Some(args), _) => format!("缺少必需的参数：{args}"),
        (ErrorKind::MissingSubcommand, _, _) => format!(
            "'{}' 后面需要一个命令",
            text(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        (ErrorKind::ArgumentConflict, Some(arg), _) => match text(ContextKind::PriorArg) {
            Some(prior) if prior == arg => format!("'{arg}' 只能用一次"),
            Some(prior) => format!("'{arg}' 不能和 '{prior}' 一起用"),
            None => format!("'{arg}' 不能和其他选项一起用"),
        },
        (ErrorKind::TooManyValues, Some(arg), Some(value)) => {
            format!("'{arg}' 不需要更多的值，多出了 '{value}'")
        }
        _ => return None,
    };
    let mut out = format!("错误：{what}\n");
    // Each suggestion in its own quotes: 是不是 'replay' 或 'play'？
    let quoted = |kind| match error.get(kind) {
        Some(ContextValue::Strings(list)) if !list.is_empty() => Some(
            list.iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(" 或 "),
        ),
        _ => text(kind).map(|s| format!("'{s}'")),
    };
    let hint = quoted(ContextKind::SuggestedArg)
        .or_else(|| quoted(ContextKind::SuggestedSubcommand))
        .or_else(|| quoted(ContextKind::SuggestedValue));
    if let Some(hint) = hint {
        out.push_str(&format!("\n  提示：是不是 {hint}？\n"));
    }
    if let Some(usage) = text(ContextKind::Usage) {
        let usage = usage.trim();
        let usage = usage.strip_prefix("Usage:").unwrap_or(usage).trim();
        out.push_str(&format!("\n用法：{}\n", chinese_punctuation(usage)));
    }
    out.push_str("\n更多信息请用 '--help'。\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn has_han(s: &str) -> bool {
        s.chars().any(crate::scenario::text::is_cjk)
    }

    /// Every command and option shown in the help, whatever is added later, has its Chinese
    /// (a command left out of the list still shows its own help).
    fn check(cmd: &Command, path: &str, missing: &mut Vec<String>) {
        if !cmd.get_about().is_some_and(|a| has_han(&a.to_string())) {
            missing.push(path.to_string());
        }
        for arg in cmd.get_arguments() {
            if !arg.is_hide_set() && !arg.get_help().is_some_and(|h| has_han(&h.to_string())) {
                missing.push(format!("{path}:{}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            let sub_path = if path.is_empty() {
                sub.get_name().to_string()
            } else {
                format!("{path} {}", sub.get_name())
            };
            check(sub, &sub_path, missing);
        }
    }

    #[test]
    fn every_command_and_option_is_described_in_chinese() {
        let cmd = in_chinese(crate::cli::Cli::command());
        let mut missing = Vec::new();
        check(&cmd, "", &mut missing);
        assert!(missing.is_empty(), "no Chinese help for {missing:?}");
    }

    #[test]
    fn every_entry_names_a_real_command_or_option() {
        let mut cmd = crate::cli::Cli::command();
        cmd.build();
        for (key, _) in ZH.iter().filter(|(k, _)| !matches!(*k, "help" | "version")) {
            let (path, arg) = key.split_once(':').unwrap_or((key, ""));
            let mut here = &cmd;
            for name in path.split_whitespace() {
                here = here
                    .find_subcommand(name)
                    .unwrap_or_else(|| panic!("no command `{path}` for {key}"));
            }
            assert!(
                arg.is_empty() || here.get_arguments().any(|a| a.get_id() == arg),
                "no option `{arg}` in `{path}`"
            );
        }
    }

    #[test]
    fn usage_errors_are_told_in_chinese_with_a_hint() {
        let told = |args: &[&str]| {
            let error = in_chinese(crate::cli::Cli::command())
                .try_get_matches_from(args)
                .expect_err("a usage error");
            usage_error_in_chinese(&error).unwrap_or_else(|| panic!("{error}"))
        };
        let unknown = told(&["complaint-trainer", "check", "--jsn"]);
        assert!(
            unknown.starts_with("错误：不认识的选项 '--jsn'"),
            "{unknown}"
        );
        assert!(unknown.contains("提示：是不是 '--json'？"), "{unknown}");
        assert!(
            unknown.contains("用法：complaint-trainer check"),
            "{unknown}"
        );
        let command = told(&["complaint-trainer", "lst"]);
        assert!(command.starts_with("错误：不认识的命令 'lst'"), "{command}");
        assert!(command.contains("是不是 'list'"), "{command}");
        let two = told(&["complaint-trainer", "plai"]);
        assert!(two.contains("是不是 'replay' 或 'play'？"), "{two}");
        assert!(
            two.contains("用法：complaint-trainer [选项] [命令]"),
            "{two}"
        );
        let value = told(&["complaint-trainer", "graph", "x", "--format", "png"]);
        assert!(
            value
                .starts_with("错误：'png' 不是 '--format <FORMAT>' 可用的值（可选：dot、mermaid）"),
            "{value}"
        );
        let missing = told(&["complaint-trainer", "play"]);
        assert!(
            missing.starts_with("错误：缺少必需的参数：<ID>"),
            "{missing}"
        );
        let language = told(&["complaint-trainer", "--lang", "fr", "list"]);
        assert!(
            language.starts_with("错误：'--lang <LANG>' 的值 'fr' 无效"),
            "{language}"
        );
    }

    #[test]
    fn the_help_reads_in_chinese_with_defaults_and_choices() {
        let mut cmd = in_chinese(crate::cli::Cli::command());
        let play = cmd.find_subcommand_mut("play").expect("play");
        let help = play.render_help().to_string();
        let help = chinese_punctuation(&help);
        assert!(
            help.contains("用法：complaint-trainer play [选项] <ID>"),
            "{help}"
        );
        assert!(help.lines().any(|l| l == "选项："), "{help}");
        assert!(help.lines().any(|l| l == "参数："), "{help}");
        assert!(!help.contains(':'), "an ASCII colon in\n{help}");
        assert!(
            help.contains("（可选：practice、assessment）（默认：practice）"),
            "{help}"
        );
        assert!(help.contains("显示帮助"), "{help}");
        assert!(
            !help.contains("Options:") && !help.contains("[default"),
            "{help}"
        );
    }
}
