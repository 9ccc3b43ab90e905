//! The README's grade formula is what `vendor-audit checks grading` prints (both come from the
//! constants of `src/grade/mod.rs`), so the documented formula is the one that grades.

use std::process::Command;

use vendor_audit::catalog::Lang;

fn readme_block(after: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find(after)
        .unwrap_or_else(|| panic!("README has no {after:?}"));
    let block = &readme[start + after.len()..];
    block[..block.find("\n```").unwrap()].to_owned()
}

#[test]
fn the_readme_pastes_the_formula_the_code_uses() {
    let pasted = readme_block("$ vendor-audit checks grading\n");
    assert_eq!(
        pasted.trim_end(),
        vendor_audit::grade::formula(Lang::En).trim_end(),
        "README.md's formula is out of date: paste `vendor-audit checks grading` again"
    );
}

#[test]
fn checks_grading_prints_the_formula_in_both_languages() {
    for (lang, expected) in [("en", Lang::En), ("ja", Lang::Ja)] {
        let out = Command::new(env!("CARGO_BIN_EXE_vendor-audit"))
            .args(["checks", "grading", "--lang", lang])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            vendor_audit::grade::formula(expected)
        );
    }
}
