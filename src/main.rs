//! The `vendor-audit` command line: parses arguments and hands over to the library.

fn main() {
    println!("vendor-audit");
}
