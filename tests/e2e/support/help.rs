//! Reading clap's `--help` pages of `tsd`: the subcommands it lists and the
//! options each subcommand declares (with their possible values, when clap
//! lists them). Only the declaration lines count, not the prose, so a renamed
//! flag that is still mentioned in some description is caught.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::tsd_ok;

/// One option of a `--help` page: its names (`--data-dir`, `-h`) and, when
/// clap lists them, the values it accepts.
#[derive(Debug, Clone, Default)]
pub struct HelpOption {
    /// `[possible values: a, b]` of the option, empty when clap lists none.
    pub possible_values: Vec<String>,
}

/// The subcommands listed under `Commands:` of `tsd --help` (clap's own `help` left out).
pub fn subcommands(top_help: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_commands = false;
    for line in top_help.lines() {
        if line.trim_end() == "Commands:" {
            in_commands = true;
        } else if in_commands {
            if line.trim().is_empty() || !line.starts_with(' ') {
                break;
            }
            let name = line.split_whitespace().next().unwrap_or_default();
            if name != "help" {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The options declared under `Options:` of a help page (short or long form),
/// by every name they have (`-h` and `--help` both map to the same option).
pub fn options(help: &str) -> BTreeMap<String, HelpOption> {
    let mut found = BTreeMap::new();
    let mut in_options = false;
    let mut current: Vec<String> = Vec::new();
    for line in help.lines() {
        if line.trim_end() == "Options:" {
            in_options = true;
            continue;
        }
        if !in_options || line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            // Text after the options (e.g. `after_long_help`): no more declarations.
            break;
        }
        let trimmed = line.trim_start();
        if indent <= 6 && trimmed.starts_with('-') {
            current = trimmed
                .split_whitespace()
                .take_while(|t| t.starts_with('-'))
                .map(|t| t.trim_end_matches(',').split(['=', '<', '[']).next().unwrap_or_default().to_string())
                .filter(|t| t.len() > 1)
                .collect();
            for name in &current {
                found.entry(name.clone()).or_insert_with(HelpOption::default);
            }
        }
        // `[possible values: a, b]` on the declaration line (short help) or on a description line (long help).
        if let Some(start) = line.find("[possible values: ") {
            let rest = &line[start + "[possible values: ".len()..];
            let values: Vec<String> =
                rest.split(']').next().unwrap_or_default().split(',').map(|v| v.trim().to_string()).collect();
            for name in &current {
                found.get_mut(name).expect("declared above").possible_values.clone_from(&values);
            }
        }
    }
    found
}

/// The `--help` pages of `tsd` and of each of its subcommands, read once.
pub struct HelpPages {
    /// `tsd --help`.
    pub top: String,
    /// Subcommand name -> its options.
    pub commands: BTreeMap<String, BTreeMap<String, HelpOption>>,
}

impl HelpPages {
    /// Runs `tsd --help` and `tsd <cmd> --help` for every subcommand, in `cwd`.
    pub fn read(cwd: &Path) -> HelpPages {
        let top = tsd_ok(cwd, &["--help"]);
        let commands = subcommands(&top)
            .into_iter()
            .map(|name| {
                let page = tsd_ok(cwd, &[&name, "--help"]);
                assert!(page.contains(&format!("Usage: tsd {name}")), "tsd {name} --help:\n{page}");
                (name, options(&page))
            })
            .collect();
        HelpPages { top, commands }
    }

    /// The subcommand names.
    pub fn names(&self) -> BTreeSet<&str> {
        self.commands.keys().map(String::as_str).collect()
    }
}

#[test]
fn help_parsing_reads_declarations_not_prose() {
    let short =
        "About\n\nUsage: tsd x [OPTIONS]\n\nOptions:\n      --method <METHOD>    The method (`--old-name` once) \
                 [default: a] [possible values: a, b]\n      --quick              Fast\n  -h, --help               \
                 Print help\n";
    let opts = options(short);
    assert_eq!(opts.keys().map(String::as_str).collect::<Vec<_>>(), ["--help", "--method", "--quick", "-h"]);
    assert_eq!(opts["--method"].possible_values, ["a", "b"]);
    let long =
        "About\n\nUsage: tsd x [OPTIONS]\n\nOptions:\n      --set <[METHOD:]KEY=VALUE>\n          Override, e.g. \
                `--set a=1`\n\n          [possible values: p, q]\n\n  -h, --help\n          Print help\n\nAfter:\n  \
                --not-an-option\n";
    let opts = options(long);
    assert_eq!(opts.keys().map(String::as_str).collect::<Vec<_>>(), ["--help", "--set", "-h"]);
    assert_eq!(opts["--set"].possible_values, ["p", "q"]);
    let top = "About\n\nUsage: tsd <COMMAND>\n\nCommands:\n  data   Data\n  config  Config\n  help  Help\n\nOptions:\n";
    assert_eq!(subcommands(top), ["data", "config"]);
}
