//! Waivers: exceptions the city accepted (InSpec-style). A matching, unexpired waiver marks a
//! failing finding `waived`: it no longer fails the run, and a control whose failing findings are
//! all waived is `verified`, naming the waiver (SPEC §8; see `verdict::decide`). An expired one
//! no longer applies, and the finding says so. `validate` refuses a waiver that can match nothing.

use chrono::NaiveDate;

use crate::catalog::Text;
use crate::catalog::{AssetKind, Catalog};
use crate::diagnostic::{both, did_you_mean, Diagnostic};
use crate::inventory::{join_host_port, split_host_port, Inventory, Vendor, Waiver};
use crate::results::{Finding, Status, WaiverNote};

pub fn apply(findings: &mut [Finding], waivers: &[Waiver], today: NaiveDate) {
    for finding in findings.iter_mut() {
        if !matches!(finding.status, Status::Fail | Status::Error) {
            continue;
        }
        let Some(w) = waivers
            .iter()
            .find(|w| w.check == finding.check && same_target(&w.target, &finding.target))
        else {
            continue;
        };
        let expired = w.expires.is_some_and(|last_day| today > last_day);
        finding.waived = !expired;
        finding.waiver = Some(WaiverNote {
            reason: w.reason.clone(),
            expires: w.expires.map(|d| d.to_string()),
            expired,
        });
    }
}

/// Whether a waiver's target names a finding's target: the same text (host names are not
/// case-sensitive), or the same host and port however written (`[::1]:22`, `[0:0::1]:22`; an
/// unbracketed `::1:22` is ambiguous and matches nothing).
fn same_target(waiver: &str, finding: &str) -> bool {
    waiver.eq_ignore_ascii_case(finding)
        || matches!(
            (split_host_port(waiver), split_host_port(finding)),
            (Some(a), Some(b)) if a == b
        )
}

/// The targets a check of `kind` gives findings for among `vendor`'s assets, as findings name
/// them: a swept host (host-wide results) and `HOST:PORT` on each swept port; a TLS endpoint's
/// `HOST:PORT`; a form's URL; `report`.
pub fn targets(vendor: &Vendor, kind: AssetKind) -> Vec<String> {
    match kind {
        AssetKind::Host => vendor
            .hosts
            .iter()
            .flat_map(|h| {
                std::iter::once(h.clone())
                    .chain(vendor.ports.iter().map(move |p| join_host_port(h, *p)))
            })
            .collect(),
        AssetKind::Tls => vendor
            .tls
            .iter()
            .map(|(h, p)| join_host_port(h, *p))
            .collect(),
        AssetKind::Form => vendor.forms.iter().map(|f| f.url.clone()).collect(),
        AssetKind::Report => vec!["report".to_owned()],
    }
}

/// What `validate` says of each waiver: an error for a check not in the catalogue or a target
/// that is not one of the vendor's assets that check judges (such a waiver can never apply), a
/// warning for one that has expired (it no longer applies).
pub fn check_waivers(
    inventory: &Inventory,
    catalog: &Catalog,
    today: NaiveDate,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (v, vendor) in inventory.vendors.iter().enumerate() {
        for (w, waiver) in vendor.waivers.iter().enumerate() {
            let at = |span: std::ops::Range<usize>, field: &str, message: Text| {
                Diagnostic::at(
                    &inventory.path,
                    &inventory.source,
                    Some(span),
                    Some(format!("vendor[{v}].waiver[{w}].{field}")),
                    message,
                )
            };
            match catalog.check(&waiver.check) {
                None => {
                    let hint =
                        did_you_mean(&waiver.check, catalog.checks.keys().map(String::as_str));
                    found.push(at(
                        waiver.spans.check.clone(),
                        "check",
                        both(
                            format!(
                                "no check `{}` in the catalogue{}: this waiver can never apply (`vendor-audit checks list` shows the ids)",
                                waiver.check, hint.en
                            ),
                            format!(
                                "`{}` というチェックはない{}: この例外承認は適用されることがない（チェック ID の一覧は `vendor-audit checks list` で確認できる）",
                                waiver.check, hint.ja
                            ),
                        ),
                    ))
                }
                Some(check) => {
                    let targets = targets(vendor, check.asset);
                    if !targets.iter().any(|t| same_target(&waiver.target, t)) {
                        let (expected, expected_ja) = match check.asset {
                            AssetKind::Host => (
                                "a swept host, or HOST:PORT on one of its swept ports",
                                "走査するホスト、またはその走査ポートの HOST:PORT",
                            ),
                            AssetKind::Tls => (
                                "one of its TLS endpoints (HOST:PORT)",
                                "その TLS 接続先（HOST:PORT）",
                            ),
                            AssetKind::Form => ("one of its form URLs", "そのフォームの URL"),
                            AssetKind::Report => ("\"report\"", "\"report\""),
                        };
                        let listed = if targets.is_empty() {
                            both(
                                format!("vendor `{}` lists none", vendor.id),
                                format!("委託先 `{}` には一つもない", vendor.id),
                            )
                        } else {
                            let shown: Vec<&str> =
                                targets.iter().take(6).map(String::as_str).collect();
                            let (rest, rest_ja) = if targets.len() > shown.len() {
                                (
                                    format!(", … ({} in all)", targets.len()),
                                    format!("、…（全 {} 件）", targets.len()),
                                )
                            } else {
                                (String::new(), String::new())
                            };
                            both(
                                format!("vendor `{}` has {}{rest}", vendor.id, shown.join(", ")),
                                format!(
                                    "委託先 `{}` にあるのは {}{rest_ja}",
                                    vendor.id,
                                    shown.join("、")
                                ),
                            )
                        };
                        let hint = did_you_mean(&waiver.target, targets.iter().map(String::as_str));
                        found.push(at(
                            waiver.spans.target.clone(),
                            "target",
                            both(
                                format!(
                                    "`{}` is not one of vendor `{}`'s assets that `{}` ({} check) judges{}: expected {expected}; {}",
                                    waiver.target,
                                    vendor.id,
                                    check.id,
                                    check.asset.name(),
                                    hint.en,
                                    listed.en,
                                ),
                                format!(
                                    "`{}` は、委託先 `{}` の資産のうちチェック `{}`（{} のチェック）が判定するものではない{}: {expected_ja}を書く。{}",
                                    waiver.target,
                                    vendor.id,
                                    check.id,
                                    check.asset.name(),
                                    hint.ja,
                                    listed.ja,
                                ),
                            ),
                        ));
                    }
                }
            }
            if let (Some(last_day), Some(span)) = (waiver.expires, waiver.spans.expires.clone()) {
                if today > last_day {
                    found.push(
                        at(
                            span,
                            "expires",
                            both(
                                format!(
                                    "this waiver of `{}` on `{}` expired on {last_day} (today is {today}): it no longer applies; renew or remove it",
                                    waiver.check, waiver.target
                                ),
                                format!(
                                    "`{}`（対象 `{}`）の例外承認は {last_day} に期限切れとなった（今日は {today}）: もう適用されない。更新するか削除する",
                                    waiver.check, waiver.target
                                ),
                            ),
                        )
                        .warning(),
                    );
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Severity;
    use std::collections::BTreeMap;

    fn ssh_fail() -> Finding {
        Finding {
            check: "ssh-exposed".into(),
            target: "x.example:22".into(),
            status: Status::Fail,
            severity: Severity::Medium,
            title: String::new(),
            title_ja: String::new(),
            message: String::new(),
            message_ja: String::new(),
            control: None,
            waived: false,
            waiver: None,
            evidence: BTreeMap::new(),
            cause: None,
        }
    }

    fn waiver(expires: &str) -> Waiver {
        Waiver {
            check: "ssh-exposed".into(),
            target: "x.example:22".into(),
            reason: "clause 12".into(),
            expires: Some(expires.parse().unwrap()),
            spans: Default::default(),
        }
    }

    #[test]
    fn applies_until_the_last_day_inclusive_then_says_it_expired() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut f = [ssh_fail()];
        apply(&mut f, &[waiver("2027-03-31")], day("2027-03-31"));
        assert!(f[0].waived);
        let mut f = [ssh_fail()];
        apply(&mut f, &[waiver("2027-03-31")], day("2027-04-01"));
        assert!(!f[0].waived);
        assert!(f[0].waiver.as_ref().unwrap().expired);
    }

    #[test]
    fn only_the_named_check_and_target() {
        let mut f = [ssh_fail()];
        let mut w = waiver("2099-01-01");
        w.target = "x.example:2222".into();
        apply(&mut f, &[w], "2026-11-26".parse().unwrap());
        assert!(!f[0].waived && f[0].waiver.is_none());
    }

    #[test]
    fn targets_match_however_the_host_is_written() {
        assert!(same_target("X.Example:22", "x.example:22"));
        // Findings print an IPv6 host in brackets (issue 10); `::1:22` is ambiguous (is 22 part
        // of the address?), so a waiver written so matches nothing and `validate` says so.
        assert!(same_target("[::1]:22", "[0:0::1]:22"));
        assert!(!same_target("::1:22", "[::1]:22"));
        assert!(!same_target("x.example:22", "x.example:2222"));
        assert!(same_target("report", "report"));
    }

    fn inventory(waivers: &str) -> Inventory {
        let src = format!(
            "[[vendor]]\nid = \"a\"\nhosts = [\"x.example\"]\nports = [22, 3389]\ntls = [\"portal.example:443\"]\n[[vendor.form]]\nurl = \"https://f.example/apply\"\n{waivers}"
        );
        Inventory::parse(std::path::Path::new("vendors.toml"), &src).unwrap()
    }

    fn waiver_problems(waivers: &str) -> Vec<Diagnostic> {
        let catalog = Catalog::load(&[]).unwrap();
        check_waivers(&inventory(waivers), &catalog, "2026-11-26".parse().unwrap())
    }

    #[test]
    fn a_waiver_of_a_vendors_asset_under_a_known_check_is_accepted() {
        for (check, target) in [
            ("ssh-exposed", "x.example:22"),
            ("ssh-exposed", "x.example"),
            ("tls-legacy-protocol", "portal.example:443"),
            ("form-cacheable", "https://f.example/apply"),
            ("report-stale", "report"),
        ] {
            let found = waiver_problems(&format!(
                "[[vendor.waiver]]\ncheck = \"{check}\"\ntarget = \"{target}\"\nreason = \"r\"\nexpires = 2027-03-31\n"
            ));
            assert!(found.is_empty(), "{check} {target}: {found:?}");
        }
    }

    #[test]
    fn unknown_check_foreign_target_and_expiry_are_located() {
        let found = waiver_problems(
            "[[vendor.waiver]]\ncheck = \"ssh-exposd\"\ntarget = \"x.example:22\"\nreason = \"r\"\n\
             [[vendor.waiver]]\ncheck = \"ssh-exposed\"\ntarget = \"x.example:2222\"\nreason = \"r\"\n\
             [[vendor.waiver]]\ncheck = \"ssh-exposed\"\ntarget = \"portal.example:443\"\nreason = \"r\"\nexpires = 2026-03-31\n",
        );
        let shown: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(found.len(), 4, "{shown:#?}");
        assert_eq!((found[0].line, found[0].column), (9, 9));
        assert!(
            shown[0].contains("no check `ssh-exposd`")
                && shown[0].contains("did you mean `ssh-exposed`?"),
            "{}",
            shown[0]
        );
        assert_eq!(found[1].line, 14);
        assert!(
            shown[1].contains("`x.example:2222` is not one of vendor `a`'s assets")
                && shown[1].contains("x.example:22"),
            "{}",
            shown[1]
        );
        assert_eq!(found[2].line, 18, "a TLS endpoint is not a swept service");
        assert!(
            found[3].level == crate::diagnostic::Level::Warning
                && shown[3].contains("expired on 2026-03-31"),
            "{}",
            shown[3]
        );
    }
}
