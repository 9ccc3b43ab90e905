//! The publication schedule of a form at the run's `now`: whether the form is before its
//! go-live or after its close. The form's openness is the HTTP probe's fact; the checks combine
//! the two.

use chrono::{DateTime, FixedOffset};

use crate::fact::Facts;
use crate::inventory::Form;

/// `form.opens_at`/`form.closes_at` (RFC 3339, as scheduled; "" when not scheduled) and
/// `form.before_go_live`/`form.after_close` at `now` (false when not scheduled).
pub fn schedule_facts(form: &Form, now: DateTime<FixedOffset>) -> Facts {
    let mut facts = Facts::new();
    let show = |t: Option<DateTime<FixedOffset>>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    facts.set("form.opens_at", show(form.opens_at));
    facts.set("form.closes_at", show(form.closes_at));
    facts.set(
        "form.before_go_live",
        form.opens_at.is_some_and(|t| now < t),
    );
    facts.set("form.after_close", form.closes_at.is_some_and(|t| now >= t));
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn form(opens: Option<&str>, closes: Option<&str>) -> Form {
        Form {
            url: "https://forms.example.lab/apply".into(),
            opens_at: opens.map(at),
            closes_at: closes.map(at),
            leak_probe: None,
        }
    }

    #[test]
    fn before_between_and_after_the_schedule() {
        let f = form(
            Some("2026-04-30T10:00:00+09:00"),
            Some("2026-05-31T17:00:00+09:00"),
        );
        // Ten hours early, as in the 2024 incident.
        let early = schedule_facts(&f, at("2026-04-30T00:00:00+09:00"));
        assert_eq!(early.get_bool("form.before_go_live"), Some(true));
        assert_eq!(early.get_bool("form.after_close"), Some(false));
        let open = schedule_facts(&f, at("2026-04-30T10:00:00+09:00"));
        assert_eq!(open.get_bool("form.before_go_live"), Some(false));
        assert_eq!(open.get_bool("form.after_close"), Some(false));
        let late = schedule_facts(&f, at("2026-05-31T17:00:00+09:00"));
        assert_eq!(late.get_bool("form.after_close"), Some(true));
        assert_eq!(
            late.get_str("form.opens_at"),
            Some("2026-04-30T10:00:00+09:00")
        );
    }

    #[test]
    fn an_unscheduled_form_is_never_early_or_late() {
        let f = form(None, None);
        let facts = schedule_facts(&f, at("2026-04-30T00:00:00+09:00"));
        assert_eq!(facts.get_bool("form.before_go_live"), Some(false));
        assert_eq!(facts.get_bool("form.after_close"), Some(false));
        assert_eq!(facts.get_str("form.opens_at"), Some(""));
    }
}
