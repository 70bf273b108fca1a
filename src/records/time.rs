//! Calendar dates and timestamps: parsing, ISO 8601 output (UTC), and the local time zone that
//! people see times and type dates in.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::scenario::Lang;

/// A calendar day, as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// Parses `YYYY-MM-DD`; `None` for anything else, including 2026-02-30.
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let mut parts = s.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let month: u8 = m.parse().ok()?;
        let day: u8 = d.parse().ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Seconds since the Unix epoch at the start of this day (UTC).
    pub fn start_secs(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
    }

    /// The day a timestamp falls on (UTC).
    pub fn of_secs(secs: i64) -> Date {
        civil_from_days(secs.div_euclid(86_400))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date: {s}")))
    }
}

/// Seconds since the Unix epoch now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `2026-11-23T01:27:31Z`.
pub fn iso_timestamp(secs: i64) -> String {
    let date = Date::of_secs(secs);
    let s = secs.rem_euclid(86_400);
    format!("{date}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// The time zone people read times and type dates in: the computer's own, so that a
/// dealership sees its own clock and counts its own calendar days. Records keep UTC seconds;
/// only what is shown and typed goes through a zone.
#[derive(Debug, Clone)]
pub struct Zone(jiff::tz::TimeZone);

impl Zone {
    /// The computer's time zone (`TZ`, else the system setting), looked up once; UTC when
    /// neither names a zone this computer knows.
    pub fn local() -> Zone {
        static LOCAL: std::sync::OnceLock<Zone> = std::sync::OnceLock::new();
        LOCAL
            .get_or_init(|| Zone(jiff::tz::TimeZone::system()))
            .clone()
    }

    pub fn utc() -> Zone {
        Zone(jiff::tz::TimeZone::UTC)
    }

    /// A zone a whole number of hours east of UTC, with no daylight saving time.
    pub fn fixed_hours(hours: i8) -> Zone {
        match jiff::tz::Offset::from_hours(hours) {
            Ok(offset) => Zone(jiff::tz::TimeZone::fixed(offset)),
            Err(_) => Zone::utc(),
        }
    }

    /// An IANA zone by name (`Europe/Berlin`), when this computer knows it.
    pub fn named(name: &str) -> Option<Zone> {
        jiff::tz::TimeZone::get(name).ok().map(Zone)
    }

    /// Seconds east of UTC at the instant `secs`.
    pub fn offset_secs(&self, secs: i64) -> i64 {
        // Instants beyond the years jiff covers (a damaged record, the day after 9999-12-31)
        // take the offset at the nearest one it does.
        let covered = secs.clamp(
            jiff::Timestamp::MIN.as_second(),
            jiff::Timestamp::MAX.as_second(),
        );
        jiff::Timestamp::from_second(covered)
            .map_or(0, |t| i64::from(self.0.to_offset(t).seconds()))
    }

    /// The local seconds of the instant `secs`: UTC seconds with the offset added.
    fn local_secs(&self, secs: i64) -> i64 {
        secs.saturating_add(self.offset_secs(secs))
    }

    /// The local calendar day the instant `secs` falls on.
    pub fn date_of(&self, secs: i64) -> Date {
        Date::of_secs(self.local_secs(secs))
    }

    /// The instant this local day begins (the first moment that exists, where a change of
    /// clocks skips midnight).
    pub fn day_start(&self, date: Date) -> i64 {
        let midnight = date.start_secs();
        // Beyond the years jiff covers, the offset at the nearest instant it does.
        let fallback = midnight - self.offset_secs(midnight);
        let Some(civil) = i16::try_from(date.year)
            .ok()
            .and_then(|year| jiff::civil::Date::new(year, date.month as i8, date.day as i8).ok())
        else {
            return fallback;
        };
        self.0
            .to_ambiguous_timestamp(civil.at(0, 0, 0, 0))
            .compatible()
            .map_or(fallback, |t| t.as_second())
    }

    /// The instant the local day after `date` begins: the end of `date`.
    pub fn day_end(&self, date: Date) -> i64 {
        self.day_start(Date::of_secs(date.start_secs() + 86_400))
    }

    /// `2026-11-23 09:27`, in this zone, for tables.
    pub fn short_timestamp(&self, secs: i64) -> String {
        let local = self.local_secs(secs);
        let s = local.rem_euclid(86_400);
        format!(
            "{} {:02}:{:02}",
            Date::of_secs(local),
            s / 3600,
            s / 60 % 60
        )
    }

    /// `UTC+08:00`, `UTC−05:00` or `UTC`: this zone's offset at the instant `secs`.
    pub fn label(&self, secs: i64) -> String {
        let offset = self.offset_secs(secs);
        if offset == 0 {
            return "UTC".to_string();
        }
        let sign = if offset < 0 { '−' } else { '+' };
        let minutes = offset.unsigned_abs() / 60;
        format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// An ISO 8601 duration: `PT3M12S`, `PT1H0M5S`, `PT0S`.
pub fn iso_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("PT{s}S"),
        (0, _) => format!("PT{m}M{s}S"),
        _ => format!("PT{h}H{m}M{s}S"),
    }
}

/// `1 h 05 min`, `12 min`, `45 s`; in Chinese `1 小时 05 分钟`, `12 分钟`, `45 秒`.
pub fn human_duration(secs: u64, lang: Lang) -> String {
    let (h, m) = (secs / 3600, secs / 60 % 60);
    match (lang, h, m) {
        (Lang::Zh, 0, 0) => format!("{secs} 秒"),
        (Lang::Zh, 0, _) => format!("{m} 分钟"),
        (Lang::Zh, _, _) => format!("{h} 小时 {m:02} 分钟"),
        (Lang::En, 0, 0) => format!("{secs} s"),
        (Lang::En, 0, _) => format!("{m} min"),
        (Lang::En, _, _) => format!("{h} h {m:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_dates_and_timestamps() {
        let d = Date::parse("2026-11-23").unwrap();
        assert_eq!(d.start_secs(), 1_795_392_000);
        assert_eq!(iso_timestamp(1_795_392_000 + 5_251), "2026-11-23T01:27:31Z");
        assert_eq!(Date::of_secs(0).to_string(), "1970-01-01");
        assert_eq!(Date::of_secs(-1).to_string(), "1969-12-31");
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "20261101",
            "",
            "2026-11-23x",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(iso_duration(192), "PT3M12S");
        assert_eq!(iso_duration(3605), "PT1H0M5S");
        assert_eq!(iso_duration(0), "PT0S");
        assert_eq!(human_duration(3900, Lang::En), "1 h 05 min");
        assert_eq!(human_duration(720, Lang::En), "12 min");
        assert_eq!(human_duration(3900, Lang::Zh), "1 小时 05 分钟");
        assert_eq!(human_duration(45, Lang::Zh), "45 秒");
    }

    #[test]
    fn a_zone_shows_local_times_and_counts_local_days() {
        // 2026-11-23T01:27:31Z is 09:27 in China and still the 22nd in New York.
        let secs = 1_795_392_000 + 5_251;
        let china = Zone::fixed_hours(8);
        assert_eq!(china.short_timestamp(secs), "2026-11-23 09:27");
        assert_eq!(china.label(secs), "UTC+08:00");
        assert_eq!(Zone::utc().short_timestamp(secs), "2026-11-23 01:27");
        assert_eq!(Zone::utc().label(secs), "UTC");
        let west = Zone::fixed_hours(-5);
        assert_eq!(west.date_of(secs).to_string(), "2026-11-22");
        assert_eq!(west.label(secs), "UTC−05:00");
        // A local day begins at local midnight: 16:00 UTC the day before, in China.
        let day = Date::parse("2026-11-23").unwrap();
        assert_eq!(china.day_start(day), day.start_secs() - 8 * 3600);
        assert_eq!(china.day_end(day) - china.day_start(day), 86_400);
        assert_eq!(china.date_of(china.day_start(day)), day);
        assert_eq!(china.date_of(china.day_end(day) - 1), day);
        assert_eq!(Zone::utc().day_start(day), day.start_secs());
    }

    #[test]
    fn a_day_with_a_change_of_clocks_is_as_long_as_it_is() {
        // Berlin moved its clocks forward on 2026-03-29: that day has 23 hours.
        let Some(berlin) = Zone::named("Europe/Berlin") else {
            eprintln!("no zone database on this computer: skipped");
            return;
        };
        let day = Date::parse("2026-03-29").unwrap();
        assert_eq!(berlin.day_end(day) - berlin.day_start(day), 23 * 3600);
        assert_eq!(berlin.label(berlin.day_start(day)), "UTC+01:00");
        assert_eq!(berlin.label(berlin.day_end(day)), "UTC+02:00");
    }

    #[test]
    fn the_last_day_a_date_field_takes_still_has_an_end() {
        // "Until 9999-12-31" ends on a day no calendar library covers.
        let last = Date::parse("9999-12-31").unwrap();
        for zone in [Zone::utc(), Zone::fixed_hours(8), Zone::fixed_hours(-5)] {
            assert_eq!(zone.day_end(last) - zone.day_start(last), 86_400);
            let first = Date::parse("0000-01-01").unwrap();
            assert!(zone.day_start(first) < zone.day_end(first));
        }
    }

    proptest! {
        #[test]
        fn any_instant_shows_without_a_panic(secs in i64::MIN / 4..i64::MAX / 4, hours in -12i8..=14) {
            // A damaged record can hold any number; it must still show.
            let zone = Zone::fixed_hours(hours);
            let day = zone.date_of(secs);
            prop_assert!(zone.day_start(day) < zone.day_end(day));
            prop_assert!(!zone.short_timestamp(secs).is_empty() && !zone.label(secs).is_empty());
        }

        #[test]
        fn local_days_hold_their_instants(secs in -2_000_000_000i64..4_000_000_000, hours in -12i8..=14) {
            let zone = Zone::fixed_hours(hours);
            let day = zone.date_of(secs);
            prop_assert!(zone.day_start(day) <= secs && secs < zone.day_end(day));
        }

        #[test]
        fn days_round_trip(days in -800_000i64..800_000) {
            let date = civil_from_days(days);
            prop_assert_eq!(days_from_civil(date.year, date.month, date.day), days);
            let text = date.to_string();
            if date.year >= 1000 && date.year <= 9999 {
                prop_assert_eq!(Date::parse(&text), Some(date));
            }
        }
    }
}
