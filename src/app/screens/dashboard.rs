//! The records: for a trainer, every cohort's table and any trainee's progress; for a trainee,
//! only their own. Filters, charts, exports, LRS status, and any attempt's debrief.

use std::path::PathBuf;
use std::time::Instant;

use bevy::prelude::*;
use bevy_egui::{EguiPrimaryContextPass, egui};
use uuid::Uuid;

use super::chrome::ScreenView;
use super::debrief::{ReportInput, attempt_report};
use super::manage::{ManageAction, ManageForms, new_cohort_form, trainee_controls};
use super::{Screen, ViewSet};
use crate::app::charts::{Bar, bars, score_line};
use crate::app::state::{DataDir, Notices, RecordsStore, ScenarioLibrary, SignedIn};
use crate::app::widgets::{date_field, tone, tr, wrapping_group};
use crate::records::export::{ExportFormat, ExportRequest, Names, export_to_file};
use crate::records::time::{Zone, human_duration, now_secs};
use crate::records::{
    AttemptRecord, AttemptSummary, Cohort, Filter, PrincipleAverage, Trainee, TraineeRow, name_key,
    principle_averages,
};
use crate::roleplay::Mode;
use crate::scenario::{Catalogue, Lang, count_en};

/// Who may see what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Nothing: the area is closed.
    #[default]
    Closed,
    /// A trainer or HR, after the password: everyone's records.
    Trainer,
    /// A signed-in trainee: their own records only.
    Own(i64),
}

/// The cohort table's columns, for sorting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Column {
    #[default]
    Name,
    Attempts,
    Best,
    Latest,
    PassRate,
    Time,
    Weakest,
}

/// What is on show.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Page {
    #[default]
    Cohort,
    Trainee(i64),
    Attempt {
        id: Uuid,
        trainee: i64,
    },
}

/// The filters as typed (dates stay text until they parse).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FilterForm {
    pub cohort: Option<i64>,
    pub since: String,
    pub until: String,
    pub scenario: Option<String>,
    pub mode: Option<Mode>,
    /// Also list archived trainees (trainer area).
    pub archived: bool,
}

impl FilterForm {
    /// The filter, or which date does not parse.
    pub fn filter(&self, lang: Lang) -> Result<Filter, String> {
        // Days are the trainer's own, as the times in the tables are.
        let zone = Zone::local();
        let since = date_field(&self.since, lang)?.map(|d| zone.day_start(d));
        // "Until" includes the day typed.
        let until = date_field(&self.until, lang)?.map(|d| zone.day_end(d));
        Ok(Filter {
            cohort: self.cohort,
            trainee: None,
            since,
            until,
            scenario: self.scenario.clone(),
            mode: self.mode,
        })
    }
}

/// A trainee's records as loaded for their page.
#[derive(Debug, Clone, Default)]
pub struct TraineePage {
    pub trainee: Trainee,
    pub attempts: Vec<AttemptSummary>,
    pub averages: Vec<PrincipleAverage>,
}

#[derive(Resource, Debug, Default)]
pub struct Dashboard {
    pub scope: Scope,
    pub form: FilterForm,
    pub sort: (Column, bool),
    pub page: Page,
    pub cohorts: Vec<Cohort>,
    pub rows: Vec<TraineeRow>,
    pub profile: Vec<PrincipleAverage>,
    pub trainee: Option<TraineePage>,
    pub attempt: Option<AttemptRecord>,
    /// Why the figures could not be read, or a date that does not parse.
    pub error: Option<String>,
    /// Milliseconds the last load took.
    pub load_ms: f64,
    /// The form or page changed since the figures were read.
    pub stale: bool,
    /// Queued, sent, last error.
    pub outbox: (u64, u64, Option<String>),
    /// The local zone's offset when the figures were read (`UTC+08:00`), for the views to name
    /// the clock their days and times are on.
    pub zone: String,
}

/// What the dashboard's views ask for.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum DashboardAction {
    Open(Scope),
    Show(Page),
    Sort(Column),
    Filters(FilterForm),
    Export(ExportFormat),
    Leave,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Dashboard>();
    app.add_message::<DashboardAction>();
    app.add_systems(Update, (handle_actions, load).chain());
    app.add_systems(OnExit(Screen::Dashboard), close);
    app.add_systems(
        EguiPrimaryContextPass,
        view.in_set(ViewSet::Screen)
            .run_if(in_state(Screen::Dashboard)),
    );
}

fn close(mut dashboard: ResMut<Dashboard>) {
    // Leaving closes the trainer area: the next person must give the password again.
    *dashboard = Dashboard::default();
}

#[expect(
    clippy::too_many_arguments,
    reason = "a system: each parameter is a resource it uses"
)]
fn handle_actions(
    mut actions: MessageReader<DashboardAction>,
    mut dashboard: ResMut<Dashboard>,
    records: Res<RecordsStore>,
    library: Res<ScenarioLibrary>,
    data_dir: Res<DataDir>,
    signed_in: Res<SignedIn>,
    view: Res<crate::app::state::Prefs>,
    (mut notices, mut next): (ResMut<Notices>, ResMut<NextState<Screen>>),
) {
    let lang = view.0.lang;
    for action in actions.read() {
        match action {
            DashboardAction::Open(scope) => {
                // A trainee may only open their own records.
                let allowed = match scope {
                    Scope::Trainer => true,
                    Scope::Own(id) => signed_in.0.as_ref().is_some_and(|t| t.id == *id),
                    Scope::Closed => false,
                };
                if !allowed {
                    continue;
                }
                *dashboard = Dashboard {
                    scope: *scope,
                    page: match scope {
                        Scope::Own(id) => Page::Trainee(*id),
                        _ => Page::Cohort,
                    },
                    stale: true,
                    ..Dashboard::default()
                };
                next.set(Screen::Dashboard);
            }
            DashboardAction::Show(page) => {
                if permitted(dashboard.scope, page) {
                    dashboard.page = page.clone();
                    dashboard.stale = true;
                }
            }
            DashboardAction::Sort(column) => {
                let (current, descending) = dashboard.sort;
                dashboard.sort = (
                    *column,
                    if current == *column {
                        !descending
                    } else {
                        *column != Column::Name
                    },
                );
                let sort = dashboard.sort;
                sort_rows(&mut dashboard.rows, sort);
            }
            DashboardAction::Filters(form) => {
                dashboard.form = form.clone();
                dashboard.stale = true;
            }
            DashboardAction::Export(format) => {
                match export(&dashboard, *format, &records, &library, &data_dir.0, lang) {
                    Ok((path, n)) => notices.push(
                        format!("已导出 {n} 项到 {}", path.display()),
                        format!("Exported {n} to {}", path.display()),
                    ),
                    Err(e) => notices.failed("导出失败", "Export failed", |_| e.clone()),
                }
            }
            DashboardAction::Leave => {
                next.set(
                    if signed_in.0.is_some() && matches!(dashboard.scope, Scope::Own(_)) {
                        Screen::Home
                    } else {
                        Screen::SignIn
                    },
                );
            }
        }
    }
}

/// A trainee's scope reaches only their own pages.
fn permitted(scope: Scope, page: &Page) -> bool {
    match (scope, page) {
        (Scope::Trainer, _) => true,
        (Scope::Own(id), Page::Trainee(t)) | (Scope::Own(id), Page::Attempt { trainee: t, .. }) => {
            id == *t
        }
        _ => false,
    }
}

fn sort_rows(rows: &mut [TraineeRow], (column, descending): (Column, bool)) {
    let key = |r: &TraineeRow| -> f64 {
        match column {
            // Names sort by their pinyin key, made once per row below.
            Column::Name => 0.0,
            Column::Attempts => r.attempts as f64,
            Column::Best => r.best_total.unwrap_or(-1.0),
            Column::Latest => r.latest_total.unwrap_or(-1.0),
            Column::PassRate => r.pass_rate.unwrap_or(-1.0),
            Column::Time => r.practised_secs as f64,
            Column::Weakest => r.weakest.as_ref().map_or(101.0, |w| w.average),
        }
    };
    if column == Column::Name {
        rows.sort_by_cached_key(|r| (name_key(&r.trainee.name), r.trainee.id));
    } else {
        rows.sort_by(|a, b| {
            key(a)
                .total_cmp(&key(b))
                .then_with(|| a.trainee.id.cmp(&b.trainee.id))
        });
    }
    // Ids tell every two rows apart, so the reverse of the order is the descending one.
    if descending {
        rows.reverse();
    }
}

/// Reads the figures the page needs, once per change rather than every frame.
fn load(mut dashboard: ResMut<Dashboard>, records: Res<RecordsStore>) {
    if !dashboard.stale || dashboard.scope == Scope::Closed {
        return;
    }
    dashboard.stale = false;
    let started = Instant::now();
    dashboard.zone = Zone::local().label(now_secs());
    let lang = Lang::En;
    let filter = match dashboard.form.filter(lang) {
        Ok(f) => f,
        Err(e) => {
            dashboard.error = Some(e);
            return;
        }
    };
    let db = &records.db;
    let result: Result<(), crate::records::RecordsError> = (|| {
        if dashboard.scope == Scope::Trainer {
            dashboard.cohorts = db.cohorts()?;
        }
        match dashboard.page.clone() {
            Page::Cohort => {
                let mut rows = db.cohort_table(&filter, dashboard.form.archived)?;
                sort_rows(&mut rows, dashboard.sort);
                dashboard.rows = rows;
                dashboard.profile = db.principle_profile(&filter)?;
                dashboard.outbox = db.outbox_status()?;
            }
            Page::Trainee(id) => {
                let trainee = db.trainee(id)?;
                let attempts = db.history(id, &filter)?;
                let averages = principle_averages(&attempts);
                dashboard.trainee = Some(TraineePage {
                    trainee,
                    attempts,
                    averages,
                });
            }
            Page::Attempt { id, .. } => {
                dashboard.attempt = db.attempt(id)?;
            }
        }
        Ok(())
    })();
    dashboard.error = result.err().map(|e| e.to_string());
    dashboard.load_ms = started.elapsed().as_secs_f64() * 1000.0;
}

fn export(
    dashboard: &Dashboard,
    format: ExportFormat,
    records: &RecordsStore,
    library: &ScenarioLibrary,
    data_dir: &std::path::Path,
    lang: Lang,
) -> Result<(PathBuf, u64), String> {
    let mut filter = dashboard.form.filter(lang)?;
    let trainee = match (&dashboard.page, dashboard.scope) {
        (_, Scope::Own(id)) => Some(id),
        (Page::Trainee(id) | Page::Attempt { trainee: id, .. }, _) => Some(*id),
        _ => None,
    };
    filter.trainee = trainee;
    let names = Names::of(&library.library);
    let home_page = records
        .db
        .lrs_config()
        .ok()
        .flatten()
        .map_or_else(|| "http://localhost".to_string(), |c| c.home_page);
    let request = ExportRequest {
        format,
        filter,
        names: &names,
        lang,
        home_page,
        generated_at: now_secs(),
        zone: Zone::local(),
    };
    let who = match trainee {
        Some(id) => format!("trainee-{id}"),
        None => dashboard
            .form
            .cohort
            .map_or_else(|| "all".to_string(), |c| format!("cohort-{c}")),
    };
    let stamp = Zone::local()
        .short_timestamp(now_secs())
        .replace([' ', ':'], "-");
    let path = data_dir
        .join("exports")
        .join(format!("records-{who}-{stamp}.{}", format.extension()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let n = export_to_file(&records.db, &request, &path).map_err(|e| e.to_string())?;
    Ok((path, n))
}

fn view(
    mut view: ScreenView,
    dashboard: Res<Dashboard>,
    library: Res<ScenarioLibrary>,
    mut forms: ResMut<ManageForms>,
    mut actions: MessageWriter<DashboardAction>,
    mut manage: MessageWriter<ManageAction>,
) -> Result {
    let (ctx, mut root, lang) = view.begin("dashboard")?;
    if !ctx.egui_wants_keyboard_input() && ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        actions.write(match (&dashboard.page, dashboard.scope) {
            (Page::Attempt { trainee, .. }, _) => DashboardAction::Show(Page::Trainee(*trainee)),
            (Page::Trainee(_), Scope::Trainer) => DashboardAction::Show(Page::Cohort),
            _ => DashboardAction::Leave,
        });
    }
    let catalogue = library.library.catalogue.clone();
    egui::Panel::top("dashboard_filters").show(&mut root, |ui| {
        ui.add_space(4.0);
        toolbar(ui, &dashboard, &library, lang, &mut actions);
        ui.add_space(4.0);
    });
    egui::CentralPanel::default().show(&mut root, |ui| {
        if let Some(error) = &dashboard.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| match &dashboard.page {
                Page::Cohort => {
                    cohort_page(ui, &dashboard, catalogue.as_deref(), lang, &mut actions);
                    new_cohort_form(ui, &mut forms, lang, &mut manage);
                }
                Page::Trainee(_) => {
                    if let Some(page) = &dashboard.trainee {
                        if dashboard.scope == Scope::Trainer {
                            trainee_controls(
                                ui,
                                &page.trainee,
                                &dashboard.cohorts,
                                &mut forms,
                                lang,
                                &mut manage,
                            );
                        }
                        trainee_page(
                            ui,
                            page,
                            &dashboard.zone,
                            catalogue.as_deref(),
                            &library,
                            lang,
                            &mut actions,
                        );
                    }
                }
                Page::Attempt { .. } => match (&dashboard.attempt, catalogue.as_deref()) {
                    (Some(record), Some(catalogue)) => {
                        let scenario = library.scenario(&record.transcript.scenario);
                        let title = scenario
                            .map_or(record.transcript.scenario.as_str(), |s| s.title.get(lang));
                        let customer = scenario.map_or("", |s| s.customer.name.get(lang));
                        ui.label(Zone::local().short_timestamp(record.ended_at));
                        attempt_report(
                            ui,
                            &ReportInput {
                                title,
                                customer,
                                card: &record.score,
                                transcript: &record.transcript,
                                catalogue,
                                time: human_duration(record.duration_secs, lang),
                            },
                            lang,
                        );
                    }
                    _ => {
                        ui.label(tr(
                            lang,
                            "找不到这次练习的记录。",
                            "This attempt's record was not found.",
                        ));
                    }
                },
            });
    });
    Ok(())
}

fn toolbar(
    ui: &mut egui::Ui,
    dashboard: &Dashboard,
    library: &ScenarioLibrary,
    lang: Lang,
    actions: &mut MessageWriter<DashboardAction>,
) {
    let mut form = dashboard.form.clone();
    ui.horizontal_wrapped(|ui| {
        let back = match (&dashboard.page, dashboard.scope) {
            (Page::Attempt { trainee, .. }, _) => {
                Some(DashboardAction::Show(Page::Trainee(*trainee)))
            }
            (Page::Trainee(_), Scope::Trainer) => Some(DashboardAction::Show(Page::Cohort)),
            _ => None,
        };
        match back {
            Some(back) => {
                if ui
                    .button(tr(lang, "◀ 返回 (Esc)", "◀ Back (Esc)"))
                    .clicked()
                {
                    actions.write(back);
                }
            }
            None => {
                if ui
                    .button(tr(lang, "◀ 离开 (Esc)", "◀ Leave (Esc)"))
                    .clicked()
                {
                    actions.write(DashboardAction::Leave);
                }
            }
        }
        ui.separator();
        // A narrow window (a 1280 × 720 projector) breaks the bar between these groups.
        if dashboard.scope == Scope::Trainer {
            wrapping_group(ui, "cohort", |ui| {
                ui.label(tr(lang, "班级", "Cohort"));
                let selected = form
                    .cohort
                    .and_then(|id| dashboard.cohorts.iter().find(|c| c.id == id))
                    .map_or_else(|| tr(lang, "全部", "All").to_string(), |c| c.name.clone());
                egui::ComboBox::from_id_salt("dash_cohort")
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut form.cohort, None, tr(lang, "全部", "All"));
                        for c in &dashboard.cohorts {
                            ui.selectable_value(&mut form.cohort, Some(c.id), &c.name);
                        }
                    });
                if dashboard.page == Page::Cohort {
                    ui.checkbox(&mut form.archived, tr(lang, "含已归档", "Archived too"));
                }
            });
        }
        wrapping_group(ui, "dates", |ui| {
            ui.label(tr(lang, "从", "From"));
            ui.add(
                egui::TextEdit::singleline(&mut form.since)
                    .hint_text("YYYY-MM-DD")
                    .desired_width(120.0),
            );
            ui.label(tr(lang, "到", "to"));
            ui.add(
                egui::TextEdit::singleline(&mut form.until)
                    .hint_text("YYYY-MM-DD")
                    .desired_width(120.0),
            );
            // Which clock the days and the times in the tables are on; short, so that the bar
            // stays on one line where it can.
            let zone = &dashboard.zone;
            ui.weak(zone).on_hover_text(match lang {
                Lang::Zh => format!("日期和时间均为本地时间（{zone}）"),
                Lang::En => format!("Dates and times are local ({zone})"),
            });
        });
        wrapping_group(ui, "scenario", |ui| {
            ui.label(tr(lang, "情景", "Scenario"));
            let selected = form
                .scenario
                .as_deref()
                .and_then(|id| library.scenario(id))
                .map_or_else(
                    || tr(lang, "全部", "All").to_string(),
                    |s| s.title.get(lang).to_string(),
                );
            egui::ComboBox::from_id_salt("dash_scenario")
                .selected_text(selected)
                .width(220.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut form.scenario, None, tr(lang, "全部", "All"));
                    for s in &library.library.scenarios {
                        ui.selectable_value(
                            &mut form.scenario,
                            Some(s.id.clone()),
                            s.title.get(lang),
                        );
                    }
                });
        });
        wrapping_group(ui, "mode", |ui| {
            ui.label(tr(lang, "方式", "Mode"));
            ui.selectable_value(&mut form.mode, None, tr(lang, "全部", "All"));
            ui.selectable_value(
                &mut form.mode,
                Some(Mode::Practice),
                tr(lang, "练习", "Practice"),
            );
            ui.selectable_value(
                &mut form.mode,
                Some(Mode::Assessment),
                tr(lang, "考核", "Assessment"),
            );
        });
        ui.separator();
        wrapping_group(ui, "export", |ui| {
            ui.label(tr(lang, "导出：", "Export:"));
            for (format, label) in [
                (ExportFormat::Csv, "CSV"),
                (ExportFormat::Html, "HTML"),
                (ExportFormat::Xapi, "xAPI"),
            ] {
                if ui.button(label).clicked() {
                    actions.write(DashboardAction::Export(format));
                }
            }
        });
    });
    if form != dashboard.form {
        actions.write(DashboardAction::Filters(form));
    }
}

fn principle_name(catalogue: Option<&Catalogue>, id: &str, lang: Lang) -> String {
    catalogue
        .and_then(|c| c.principles.iter().find(|p| p.id == id))
        .map_or_else(|| id.to_string(), |p| p.name.get(lang).to_string())
}

fn profile_bars(
    averages: &[PrincipleAverage],
    catalogue: Option<&Catalogue>,
    lang: Lang,
) -> Vec<Bar> {
    // Lowest first in the data; the two weakest are highlighted (unless they are as good as the
    // best), and with them any that shows the same whole figure as the second, so that two
    // bars both reading "27" are never one weakest and one not. Shown in the catalogue's order.
    let top = averages.iter().map(|a| a.average).fold(f64::MIN, f64::max);
    let shown = |average: f64| average.round();
    let second = averages.get(1).map(|a| shown(a.average));
    let weakest: Vec<&str> = averages
        .iter()
        .enumerate()
        .take_while(|&(place, a)| place < 2 || second.is_some_and(|s| shown(a.average) <= s))
        .filter(|(_, a)| a.average < top - 0.5)
        .map(|(_, a)| a.id.as_str())
        .collect();
    let mut ordered: Vec<&PrincipleAverage> = averages.iter().collect();
    if let Some(c) = catalogue {
        ordered.sort_by_key(|a| {
            c.principles
                .iter()
                .position(|p| p.id == a.id)
                .unwrap_or(usize::MAX)
        });
    }
    ordered
        .into_iter()
        .map(|a| Bar {
            label: principle_name(catalogue, &a.id, lang),
            value: a.average,
            highlight: weakest.contains(&a.id.as_str()),
            note: if weakest.contains(&a.id.as_str()) {
                tr(lang, "最薄弱", "weakest").to_string()
            } else {
                String::new()
            },
        })
        .collect()
}

/// Where a cell's text goes: names in the first and last columns from the left, figures from
/// the right, in the header as in the rows below it.
fn cell_anchor(column: usize, columns: usize, left: f32, width: f32) -> (f32, egui::Align2) {
    if column == 0 || column + 1 == columns {
        (left + 4.0, egui::Align2::LEFT_CENTER)
    } else {
        (left + width - 12.0, egui::Align2::RIGHT_CENTER)
    }
}

/// The column titles, each a button sorting by its column (the arrow shows the order); the
/// column clicked, if any.
fn header_row(
    ui: &mut egui::Ui,
    columns: &[(Column, &str, f32)],
    sort: (Column, bool),
    height: f32,
) -> Option<Column> {
    let width: f32 = columns.iter().map(|(_, _, w)| w).sum();
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    let font = egui::TextStyle::Body.resolve(ui.style());
    let mut clicked = None;
    let mut left = rect.left();
    for (i, &(column, label, w)) in columns.iter().enumerate() {
        let cell = egui::Rect::from_min_size(egui::pos2(left, rect.top()), egui::vec2(w, height));
        let response = ui
            .interact(cell, ui.id().with(("sort", i)), egui::Sense::click())
            .on_hover_cursor(egui::CursorIcon::PointingHand);
        let arrow = match sort {
            (c, true) if c == column => " ▼",
            (c, false) if c == column => " ▲",
            _ => "",
        };
        let color = if response.hovered() {
            ui.visuals().widgets.hovered.fg_stroke.color
        } else {
            ui.visuals().strong_text_color()
        };
        let (x, align) = cell_anchor(i, columns.len(), left, w);
        let last = i + 1 == columns.len();
        let cut = cell_text(
            ui.painter(),
            (egui::pos2(x, cell.center().y), align),
            (label, arrow),
            &font,
            color,
            last.then_some(w - 8.0),
        );
        let response = if cut {
            response.on_hover_text(label)
        } else {
            response
        };
        if response.clicked() {
            clicked = Some(column);
        }
        left += w;
    }
    clicked
}

/// How wide the two text columns may be, the trainee's first and the weakest principle's last:
/// the trainee's gives way first, down to about a name and the start of an ID, so that the
/// principle keeps room for a short name; below that both are shortened (their texts end in
/// "…"), and only when neither can shrink further does the table scroll sideways.
struct TextColumns {
    narrowest_first: f32,
    narrowest_last: f32,
    comfortable_last: f32,
    widest_last: f32,
}

/// The trainee column's width when there is room: most names with their ID fit, and longer
/// ones run on into the space the right-aligned figures beside them leave.
const NAME_WIDTH: f32 = 220.0;

const TEXT_COLUMNS: TextColumns = TextColumns {
    narrowest_first: 150.0,
    narrowest_last: 96.0,
    comfortable_last: 200.0,
    widest_last: 420.0,
};

/// Shares what the figures' columns leave of `available` between the first and last columns
/// (the first's width on entry is the one it prefers; the last's is ignored).
fn fit_text_columns<'a, const N: usize>(
    mut columns: [(Column, &'a str, f32); N],
    available: f32,
    bounds: &TextColumns,
) -> [(Column, &'a str, f32); N] {
    if N < 3 {
        return columns;
    }
    let figures: f32 = columns[1..N - 1].iter().map(|(_, _, w)| w).sum();
    let room = available - figures;
    let last_within = |w: f32| w.clamp(bounds.narrowest_last, bounds.widest_last);
    let preferred_first = columns[0].2;
    let mut last = last_within(room - preferred_first);
    if last < bounds.comfortable_last {
        let first = (room - bounds.comfortable_last)
            .clamp(bounds.narrowest_first.min(preferred_first), preferred_first);
        columns[0].2 = first;
        last = last_within(room - first);
    }
    columns[N - 1].2 = last;
    columns
}

/// Paints a cell's text and then its `tail` anchored at `pos`; with `fit`, the text is cut to
/// leave the tail room within that width and ends in "…" (the tail is never cut). Whether it
/// was cut.
fn cell_text(
    painter: &egui::Painter,
    (pos, align): (egui::Pos2, egui::Align2),
    (text, tail): (&str, &str),
    font: &egui::FontId,
    color: egui::Color32,
    fit: Option<f32>,
) -> bool {
    let tail = painter.layout_no_wrap(tail.to_owned(), font.clone(), color);
    let mut job = egui::text::LayoutJob::simple_singleline(text.to_owned(), font.clone(), color);
    if let Some(width) = fit {
        job.wrap = egui::text::TextWrapping::truncate_at_width((width - tail.size().x).max(0.0));
    }
    let text = painter.layout_job(job);
    let cut = text.elided;
    let size = egui::vec2(
        text.size().x + tail.size().x,
        text.size().y.max(tail.size().y),
    );
    let top_left = align.anchor_size(pos, size).min;
    let tail_left = top_left + egui::vec2(text.size().x, 0.0);
    painter.galley(top_left, text, color);
    painter.galley(tail_left, tail, color);
    cut
}

/// One clickable row of the trainees' table: text on the left of the first and last columns,
/// figures aligned on the right, the whole row lit under the pointer. The first and last
/// columns' texts end in "…" (the last's before its `last_tail`) when they do not fit, and the
/// row's tooltip then gives them whole.
fn table_row(
    ui: &mut egui::Ui,
    columns: &[(Column, &str, f32)],
    (cells, last_tail): (&[String], &str),
    height: f32,
) -> egui::Response {
    let width: f32 = columns.iter().map(|(_, _, w)| w).sum();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::click());
    let painter = ui.painter_at(rect);
    if response.hovered() {
        painter.rect_filled(rect, 2.0, ui.visuals().widgets.hovered.weak_bg_fill);
    }
    let font = egui::TextStyle::Body.resolve(ui.style());
    let color = ui.visuals().text_color();
    let mut left = rect.left();
    let mut shortened = Vec::new();
    for (i, ((_, _, w), text)) in columns.iter().zip(cells).enumerate() {
        let (x, align) = cell_anchor(i, columns.len(), left, *w);
        let last = i + 1 == columns.len();
        let anchor = (egui::pos2(x, rect.center().y), align);
        let tail = if last { last_tail } else { "" };
        // The trainee's text is cut only when the column has given way (see `TextColumns`).
        let fit = (last || (i == 0 && *w < NAME_WIDTH)).then_some(*w - 8.0);
        if cell_text(&painter, anchor, (text, tail), &font, color, fit) {
            shortened.push(format!("{text}{tail}"));
        }
        left += w;
    }
    let response = response.on_hover_cursor(egui::CursorIcon::PointingHand);
    if shortened.is_empty() {
        response
    } else {
        response.on_hover_text(shortened.join("\n"))
    }
}

/// The bars per principle, or a word that there is nothing yet.
fn profile_chart(
    ui: &mut egui::Ui,
    averages: &[PrincipleAverage],
    catalogue: Option<&Catalogue>,
    lang: Lang,
    pass_mark: f64,
) {
    if averages.is_empty() {
        ui.weak(tr(lang, "暂无成绩。", "No attempts yet."));
    } else {
        bars(ui, &profile_bars(averages, catalogue, lang), pass_mark);
    }
}

fn cohort_page(
    ui: &mut egui::Ui,
    dashboard: &Dashboard,
    catalogue: Option<&Catalogue>,
    lang: Lang,
    actions: &mut MessageWriter<DashboardAction>,
) {
    let pass_mark = catalogue.map_or(60.0, |c| c.pass_mark);
    ui.horizontal_wrapped(|ui| {
        ui.heading(tr(lang, "学员一览", "Trainees"));
        ui.weak(match lang {
            Lang::Zh => format!(
                "{} 名学员 · 读取用时 {:.0} 毫秒",
                dashboard.rows.len(),
                dashboard.load_ms
            ),
            Lang::En => format!(
                "{} · read in {:.0} ms",
                count_en(dashboard.rows.len(), "trainee", "trainees"),
                dashboard.load_ms
            ),
        });
        let (queued, sent, error) = &dashboard.outbox;
        if *queued + *sent > 0 {
            ui.separator();
            ui.weak(match lang {
                Lang::Zh => format!("学习记录库：已发送 {sent}，待发送 {queued}"),
                Lang::En => format!("LRS: {sent} sent, {queued} queued"),
            });
            if let Some(e) = error {
                ui.colored_label(ui.visuals().warn_fg_color, "⚠")
                    .on_hover_text(e);
            }
        }
    });
    // "7 小时 02 分钟" is wider than "7 h 02 min". The weakest principle's name takes what the
    // figures leave (set below, once their titles have widened them).
    let time_width = match lang {
        Lang::Zh => 150.0,
        Lang::En => 110.0,
    };
    let columns: [(Column, &str, f32); 7] = [
        (Column::Name, tr(lang, "学员", "Trainee"), NAME_WIDTH),
        (Column::Attempts, tr(lang, "练习次数", "Attempts"), 80.0),
        (Column::Best, tr(lang, "最高分", "Best"), 70.0),
        (Column::Latest, tr(lang, "最近一次", "Latest"), 80.0),
        (Column::PassRate, tr(lang, "通过率", "Pass rate"), 80.0),
        (
            Column::Time,
            tr(lang, "练习时长", "Time practised"),
            time_width,
        ),
        (
            Column::Weakest,
            tr(lang, "最薄弱原则", "Weakest principle"),
            0.0,
        ),
    ];
    // Wide enough for its title with the sort arrow, too ("Time practised ▼").
    let font = egui::TextStyle::Body.resolve(ui.style());
    let columns = columns.map(|(column, label, width)| {
        let title = ui
            .painter()
            .layout_no_wrap(
                format!("{label} ▼"),
                font.clone(),
                egui::Color32::PLACEHOLDER,
            )
            .size()
            .x;
        (column, label, width.max(title + 16.0))
    });
    let columns = fit_text_columns(columns, ui.available_width(), &TEXT_COLUMNS);
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    if let Some(column) = header_row(ui, &columns, dashboard.sort, row_height) {
        actions.write(DashboardAction::Sort(column));
    }
    ui.separator();
    if dashboard.rows.is_empty() {
        ui.label(tr(lang, "还没有学员。", "No trainees yet."));
    }
    let dash = "–".to_string();
    egui::ScrollArea::vertical()
        .id_salt("cohort_rows")
        .max_height(row_height * 14.0)
        .show_rows(ui, row_height, dashboard.rows.len(), |ui, range| {
            for row in &dashboard.rows[range] {
                let cells = [
                    row.trainee.label(),
                    row.attempts.to_string(),
                    row.best_total.map_or(dash.clone(), |v| format!("{v:.1}")),
                    row.latest_total.map_or(dash.clone(), |v| format!("{v:.1}")),
                    row.pass_rate
                        .map_or(dash.clone(), |v| format!("{:.0}%", v * 100.0)),
                    human_duration(row.practised_secs, lang),
                    row.weakest
                        .as_ref()
                        .map_or(dash.clone(), |w| principle_name(catalogue, &w.id, lang)),
                ];
                // The average stays in sight when a long name is shortened.
                let average = row
                    .weakest
                    .as_ref()
                    .map_or(String::new(), |w| format!(" ({:.0})", w.average));
                if table_row(ui, &columns, (&cells, &average), row_height).clicked() {
                    actions.write(DashboardAction::Show(Page::Trainee(row.trainee.id)));
                }
            }
        });
    ui.add_space(12.0);
    ui.heading(tr(
        lang,
        "各处理原则平均得分",
        "Average per handling principle",
    ));
    profile_chart(ui, &dashboard.profile, catalogue, lang, pass_mark);
}

fn trainee_page(
    ui: &mut egui::Ui,
    page: &TraineePage,
    zone_label: &str,
    catalogue: Option<&Catalogue>,
    library: &ScenarioLibrary,
    lang: Lang,
    actions: &mut MessageWriter<DashboardAction>,
) {
    let pass_mark = catalogue.map_or(60.0, |c| c.pass_mark);
    let t = &page.trainee;
    ui.heading(t.label());
    let attempts = &page.attempts;
    let passed = attempts.iter().filter(|a| a.passed).count();
    let best = attempts.iter().map(|a| a.total).fold(f64::NAN, f64::max);
    let time: u64 = attempts.iter().map(|a| a.duration_secs).sum();
    let best = if best.is_nan() {
        "–".to_string()
    } else {
        format!("{best:.1}")
    };
    let (n, time) = (attempts.len(), human_duration(time, lang));
    ui.label(match lang {
        Lang::Zh => format!(
            "{} {} · 练习 {n} 次 · 最高 {best} · 通过 {passed} 次 · 共 {time}",
            t.site, t.cohort
        ),
        Lang::En => format!(
            "{} {} · {} · best {best} · {passed} passed · {time} practised",
            t.site,
            t.cohort,
            count_en(n, "attempt", "attempts")
        ),
    });
    ui.add_space(8.0);
    ui.strong(tr(lang, "总分变化", "Total score over time"));
    let points: Vec<(i64, f64)> = attempts.iter().map(|a| (a.ended_at, a.total)).collect();
    score_line(ui, &points, pass_mark, 200.0);
    ui.add_space(8.0);
    ui.strong(tr(
        lang,
        "各处理原则平均得分（橙色为最薄弱）",
        "Average per principle (weakest highlighted)",
    ));
    profile_chart(ui, &page.averages, catalogue, lang, pass_mark);
    ui.add_space(8.0);
    ui.strong(match lang {
        Lang::Zh => format!("每次练习（本地时间，{zone_label}；点击查看讲评）"),
        Lang::En => format!("Every attempt (local time, {zone_label}; click for its debrief)"),
    });
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
    egui::ScrollArea::vertical()
        .id_salt("attempt_rows")
        .max_height(row_height * 12.0)
        .show_rows(ui, row_height, attempts.len(), |ui, range| {
            let zone = Zone::local();
            // Newest first.
            for a in attempts.iter().rev().skip(range.start).take(range.len()) {
                let title = library
                    .scenario(&a.scenario)
                    .map_or(a.scenario.as_str(), |s| s.title.get(lang));
                let persona = catalogue
                    .and_then(|c| c.personas.iter().find(|p| p.id == a.persona))
                    .map_or(a.persona.as_str(), |p| p.name.get(lang));
                let mode = match a.mode {
                    Mode::Practice => tr(lang, "练习", "practice"),
                    Mode::Assessment => tr(lang, "考核", "assessment"),
                };
                let text = egui::RichText::new(format!(
                    "{}   {:>5.1}   {}   {} · {} · {}",
                    zone.short_timestamp(a.ended_at),
                    a.total,
                    if a.passed {
                        tr(lang, "通过", "passed")
                    } else {
                        tr(lang, "未通过", "not passed")
                    },
                    title,
                    persona,
                    mode
                ))
                .color(tone(ui, a.passed));
                if ui.add(egui::Button::new(text).frame(false)).clicked() {
                    actions.write(DashboardAction::Show(Page::Attempt {
                        id: a.id,
                        trainee: a.trainee_id,
                    }));
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_columns_share_what_the_figures_leave() {
        let columns = [
            (Column::Name, "Trainee", 220.0),
            (Column::Attempts, "Attempts", 80.0),
            (Column::Weakest, "Weakest principle", 0.0),
        ];
        let widths = |available: f32| {
            let fitted = fit_text_columns(columns, available, &TEXT_COLUMNS);
            (fitted[0].2, fitted[1].2, fitted[2].2)
        };
        // A wide window: the trainee's preferred width and the principle's widest.
        assert_eq!(widths(1200.0), (220.0, 80.0, 420.0));
        // Narrower: the principle takes what is left while it is comfortable.
        assert_eq!(widths(600.0), (220.0, 80.0, 300.0));
        // Narrower still: the trainee's gives way first, down to its narrowest.
        assert_eq!(widths(450.0), (170.0, 80.0, 200.0));
        assert_eq!(widths(400.0), (150.0, 80.0, 170.0));
        // Then the principle's, down to its narrowest; below that the table scrolls sideways.
        assert_eq!(widths(300.0), (150.0, 80.0, 96.0));
    }

    #[test]
    fn the_two_weakest_principles_are_highlighted_and_any_that_reads_the_same() {
        let average = |id: &str, average: f64| PrincipleAverage {
            id: id.into(),
            average,
            attempts: 3,
        };
        let highlighted = |averages: &[PrincipleAverage]| -> Vec<String> {
            profile_bars(averages, None, Lang::En)
                .into_iter()
                .filter(|b| b.highlight)
                .map(|b| b.label)
                .collect()
        };
        // 26.6 and 27.2 both read "27": both are as weak as the second weakest.
        let tied = [
            average("win_win", 22.0),
            average("follow_through", 26.6),
            average("background", 27.2),
            average("feelings_first", 57.0),
        ];
        assert_eq!(
            highlighted(&tied),
            ["win_win", "follow_through", "background"]
        );
        let apart = [
            average("win_win", 22.0),
            average("follow_through", 26.6),
            average("background", 28.0),
        ];
        assert_eq!(highlighted(&apart), ["win_win", "follow_through"]);
        // As good as the best: nothing stands out.
        let level = [average("win_win", 80.0), average("background", 80.2)];
        assert!(highlighted(&level).is_empty());
    }

    #[test]
    fn a_trainee_sees_only_their_own_pages() {
        let own = Scope::Own(7);
        assert!(permitted(own, &Page::Trainee(7)));
        assert!(!permitted(own, &Page::Trainee(8)));
        assert!(!permitted(own, &Page::Cohort));
        assert!(!permitted(
            own,
            &Page::Attempt {
                id: Uuid::nil(),
                trainee: 8
            }
        ));
        assert!(permitted(Scope::Trainer, &Page::Cohort));
        assert!(!permitted(Scope::Closed, &Page::Trainee(7)));
    }

    #[test]
    fn rows_sort_by_pinyin_or_by_figure_with_ids_breaking_ties() {
        let row = |id: i64, name: &str, attempts: u64| TraineeRow {
            attempts,
            ..TraineeRow::without_attempts(Trainee {
                id,
                name: name.into(),
                ..Trainee::default()
            })
        };
        let mut rows = vec![
            row(1, "周或洋", 5),
            row(2, "陈芳芳", 3),
            row(3, "李伟艳", 5),
        ];
        let ids = |rows: &[TraineeRow]| rows.iter().map(|r| r.trainee.id).collect::<Vec<_>>();
        sort_rows(&mut rows, (Column::Name, false));
        assert_eq!(ids(&rows), [2, 3, 1]);
        sort_rows(&mut rows, (Column::Name, true));
        assert_eq!(ids(&rows), [1, 3, 2]);
        sort_rows(&mut rows, (Column::Attempts, false));
        assert_eq!(ids(&rows), [2, 1, 3]);
        sort_rows(&mut rows, (Column::Attempts, true));
        assert_eq!(ids(&rows), [3, 1, 2]);
    }

    #[test]
    fn dates_in_the_filters_are_checked() {
        let form = FilterForm {
            since: "2026-11-01".into(),
            until: "2026-11-30".into(),
            ..FilterForm::default()
        };
        let f = form.filter(Lang::En).unwrap();
        // From the first moment of the first day to the last of the last, in local time.
        let zone = Zone::local();
        let day = |secs: i64| zone.date_of(secs).to_string();
        let (since, until) = (f.since.unwrap(), f.until.unwrap());
        assert_eq!(
            (day(since - 1), day(since)),
            ("2026-10-31".into(), "2026-11-01".into())
        );
        assert_eq!(
            (day(until - 1), day(until)),
            ("2026-11-30".into(), "2026-12-01".into())
        );
        let bad = FilterForm {
            since: "2026-11-31".into(),
            ..FilterForm::default()
        };
        assert!(bad.filter(Lang::Zh).unwrap_err().contains("2026-11-31"));
    }
}
