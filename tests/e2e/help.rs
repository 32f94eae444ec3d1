//! `tsd --help`, `tsd --version` and `tsd <subcommand> --help`: each exits 0
//! and every subcommand is listed; no subcommand is a usage error.

use crate::support::help::HelpPages;
use crate::support::{tsd, tsd_ok};

#[test]
fn help_lists_every_subcommand_and_each_subcommand_help_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    // Reading the pages runs `tsd <cmd> --help` for every listed subcommand and asserts it succeeds.
    let help = HelpPages::read(dir.path());
    let expected = ["codes", "config", "data", "merge", "pareto", "probe", "reproduce", "train"];
    assert_eq!(help.names().into_iter().collect::<Vec<_>>(), expected, "{}", help.top);
    for (name, options) in &help.commands {
        assert!(options.contains_key("--help"), "tsd {name} --help declares no --help: {options:?}");
    }
    let version = tsd_ok(dir.path(), &["--version"]);
    assert!(version.starts_with("tsd "), "{version}");
    let out = tsd(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "tsd without a subcommand should be a usage error");
}
