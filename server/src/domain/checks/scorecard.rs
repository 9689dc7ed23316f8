//! The maintenance scorecard of one service, from the status of each rule: both level models
//! at once. Cumulative levels (a level needs every applicable rule of that level and below
//! passing) say what a service has reached; the weighted percentage says how far along it is,
//! so a service one rule short of Bronze does not look like one that fails everything.

use super::Level;

/// How one rule stands for one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pass,
    Fail,
    Unknown,
    Error,
    /// Failing, but waived by an active exemption.
    Exempt,
    /// Failing, but the rule's grace period has not ended.
    Grace,
    NotApplicable,
    Disabled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unknown => "unknown",
            Status::Error => "error",
            Status::Exempt => "exempt",
            Status::Grace => "grace",
            Status::NotApplicable => "not-applicable",
            Status::Disabled => "disabled",
        }
    }
    pub fn counts(self) -> bool {
        !matches!(self, Status::NotApplicable | Status::Disabled)
    }
    pub fn passes(self) -> bool {
        matches!(self, Status::Pass | Status::Exempt | Status::Grace)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub rule: &'a str,
    pub level: Level,
    pub weight: i64,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub level: Option<Level>,
    /// Basis points: 10000 is 100 %.
    pub percent_bp: i64,
    pub passing: i64,
    pub applicable: i64,
    pub next_level: Option<Level>,
    /// The rules standing between the service and `next_level`.
    pub to_next: Vec<String>,
}

pub fn score(lines: &[Line<'_>]) -> Score {
    let counted: Vec<&Line<'_>> = lines.iter().filter(|l| l.status.counts()).collect();
    let total: i64 = counted.iter().map(|l| l.weight.max(0)).sum();
    let gained: i64 = counted
        .iter()
        .filter(|l| l.status.passes())
        .map(|l| l.weight.max(0))
        .sum();
    let percent_bp = if total == 0 {
        10_000
    } else {
        gained * 10_000 / total
    };
    let mut level = None;
    let mut next_level = None;
    let mut to_next = Vec::new();
    for l in Level::ALL {
        let blocking: Vec<String> = counted
            .iter()
            .filter(|c| c.level <= *l && !c.status.passes())
            .map(|c| c.rule.to_string())
            .collect();
        if blocking.is_empty() {
            level = Some(*l);
        } else {
            next_level = Some(*l);
            to_next = blocking;
            break;
        }
    }
    Score {
        level,
        percent_bp,
        passing: counted.iter().filter(|l| l.status.passes()).count() as i64,
        applicable: counted.len() as i64,
        next_level,
        to_next,
    }
}

pub fn level_name(level: Option<Level>) -> &'static str {
    level.map_or("none", Level::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(rule: &str, level: Level, weight: i64, status: Status) -> Line<'_> {
        Line {
            rule,
            level,
            weight,
            status,
        }
    }

    #[test]
    fn levels_are_cumulative_and_percentages_weighted() {
        let lines = [
            line("a", Level::Bronze, 10, Status::Pass),
            line("b", Level::Bronze, 5, Status::Exempt),
            line("c", Level::Silver, 5, Status::Fail),
            line("d", Level::Gold, 5, Status::Pass),
            line("e", Level::Gold, 50, Status::NotApplicable),
        ];
        let s = score(&lines);
        assert_eq!(s.level, Some(Level::Bronze));
        assert_eq!(s.next_level, Some(Level::Silver));
        assert_eq!(s.to_next, vec!["c".to_string()]);
        assert_eq!(s.percent_bp, 20 * 10_000 / 25);
        assert_eq!((s.passing, s.applicable), (3, 4));
    }

    #[test]
    fn a_gold_rule_passing_does_not_lift_a_service_failing_bronze() {
        let lines = [
            line("a", Level::Bronze, 1, Status::Unknown),
            line("d", Level::Gold, 9, Status::Pass),
        ];
        let s = score(&lines);
        assert_eq!(s.level, None);
        assert_eq!(s.next_level, Some(Level::Bronze));
        assert_eq!(s.percent_bp, 9000);
    }

    #[test]
    fn everything_passing_is_gold_with_nothing_next() {
        let s = score(&[line("a", Level::Silver, 1, Status::Grace)]);
        assert_eq!(s.level, Some(Level::Gold));
        assert_eq!(s.next_level, None);
        assert_eq!(s.percent_bp, 10_000);
        assert_eq!(level_name(s.level), "gold");
        assert_eq!(score(&[]).percent_bp, 10_000);
    }
}
