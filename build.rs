//! Link the `hotro` binary as a fixed-address executable on Linux (not PIE): a PIE start
//! spends ~0.7 ms and ~360 page faults applying 57,000 relocations to the binary's tables
//! before `main`, a quarter of the 3 ms start-up budget (`hotro --version`; issue 19). The
//! library and its tests are unaffected.
#![allow(clippy::disallowed_macros)] // a build script speaks to cargo on stdout

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
