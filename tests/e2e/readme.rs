//! The README's documented commands against the binary: every `tsd ...`
//! command it shows (its ```sh blocks, inline code, and what `scripts/main`
//! runs) names a real subcommand, uses only flags that subcommand's `--help`
//! declares, and gives a listed value where clap lists the possible ones; the
//! scripts it tells the reader to run exist and are executable. Keeps the
//! README honest when a flag or subcommand is renamed.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;

use crate::support::help::HelpPages;
use crate::support::workspace_root;

/// One documented command: where it was found, and its words after `tsd`.
#[derive(Debug)]
struct Documented {
    place: String,
    words: Vec<String>,
}

/// The text of a shell line before its comment (`#` at the start or after a blank).
fn strip_comment(line: &str) -> &str {
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        if c == '#' && previous.is_whitespace() {
            return &line[..i];
        }
        previous = c;
    }
    line
}

/// The fenced ```sh blocks of a Markdown text, each with the heading it sits under.
fn sh_blocks(markdown: &str) -> Vec<(String, Vec<String>)> {
    let mut blocks = Vec::new();
    let mut heading = String::new();
    // The fenced block being read: whether it is ```sh, and its lines.
    let mut block: Option<(bool, Vec<String>)> = None;
    for line in markdown.lines() {
        let fence = line.trim_start().starts_with("```");
        match block.take() {
            Some((true, lines)) if fence => blocks.push((heading.clone(), lines)),
            Some((false, _)) if fence => {}
            Some((is_sh, mut lines)) => {
                lines.push(line.to_string());
                block = Some((is_sh, lines));
            }
            None if fence => block = Some((line.trim_start().trim_start_matches('`').trim() == "sh", Vec::new())),
            None if line.starts_with('#') => heading = line.trim_start_matches('#').trim().to_string(),
            None => {}
        }
    }
    blocks
}

/// `tsd ...` commands of shell lines: the words after `tsd`, comments dropped.
fn tsd_commands(place: &str, lines: &[String]) -> Vec<Documented> {
    lines
        .iter()
        .filter_map(|line| {
            let words: Vec<String> = strip_comment(line).split_whitespace().map(str::to_string).collect();
            (words.first().map(String::as_str) == Some("tsd"))
                .then(|| Documented { place: format!("{place}: {}", line.trim()), words: words[1..].to_vec() })
        })
        .collect()
}

/// The inline code spans (`` `...` ``) of a Markdown text outside fenced blocks.
fn inline_code(markdown: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            spans.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
        }
    }
    spans
}

/// Why `command` would not parse, judged from the help pages; `None` when it looks right.
fn problem(command: &Documented, help: &HelpPages) -> Option<String> {
    let Some(name) = command.words.first() else {
        return Some("no subcommand".into());
    };
    let Some(options) = help.commands.get(name) else {
        return Some(format!("tsd has no subcommand {name:?} (it has {:?})", help.names()));
    };
    for (i, word) in command.words.iter().enumerate().skip(1) {
        if !word.starts_with('-') {
            continue;
        }
        let (flag, inline_value) = match word.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (word.as_str(), None),
        };
        let Some(option) = options.get(flag) else {
            let known: Vec<&String> = options.keys().collect();
            return Some(format!("tsd {name} --help declares no {flag} (it has {known:?})"));
        };
        let value = inline_value.or(command.words.get(i + 1).map(String::as_str).filter(|v| !v.starts_with('-')));
        if let (false, Some(value)) = (option.possible_values.is_empty(), value) {
            if !option.possible_values.iter().any(|p| p == value) {
                return Some(format!("{flag} {value}: not one of {:?}", option.possible_values));
            }
        }
    }
    None
}

#[test]
fn every_tsd_command_in_the_readme_names_a_subcommand_and_flags_its_help_declares() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let help = HelpPages::read(dir.path());
    let expected = ["data", "config", "train", "codes", "probe", "reproduce", "merge"];
    assert!(expected.iter().all(|c| help.names().contains(c)), "tsd --help lists {:?}:\n{}", help.names(), help.top);

    // The checker itself rejects what tsd would reject.
    let bad = |line: &str| tsd_commands("self-check", &[line.to_string()]).pop().unwrap();
    assert!(problem(&bad("tsd data --json"), &help).is_none());
    for wrong in
        ["tsd nosuch --json", "tsd data --no-such-flag", "tsd config --method=nope", "tsd config --method nope"]
    {
        assert!(problem(&bad(wrong), &help).is_some(), "{wrong:?} passed the check");
    }

    // The block of section "What is here" that lists the commands.
    let blocks = sh_blocks(&readme);
    let listed: Vec<Documented> = blocks
        .iter()
        .filter(|(heading, _)| heading == "What is here")
        .flat_map(|(heading, lines)| tsd_commands(heading, lines))
        .collect();
    assert!(listed.len() >= 5, "README's \"What is here\" lists {} tsd commands: {listed:?}", listed.len());

    // Every other sh block, the inline code, and what scripts/main runs.
    let mut commands: Vec<Documented> = blocks
        .iter()
        .filter(|(heading, _)| heading != "What is here")
        .flat_map(|(heading, lines)| tsd_commands(heading, lines))
        .collect();
    let inline: Vec<String> = inline_code(&readme).into_iter().filter(|s| s.starts_with("tsd ")).collect();
    commands.extend(tsd_commands("README inline code", &inline));
    let main = std::fs::read_to_string(root.join("scripts/main")).unwrap();
    let main_lines: Vec<String> = main.lines().map(|l| l.replace("\"$tsd\"", "tsd")).collect();
    let from_main = tsd_commands("scripts/main", &main_lines);
    assert!(!from_main.is_empty(), "scripts/main runs no tsd command:\n{main}");
    commands.extend(from_main);

    let problems: Vec<String> = listed
        .iter()
        .chain(&commands)
        .filter_map(|c| problem(c, &help).map(|p| format!("{}\n    {p}", c.place)))
        .collect();
    assert!(problems.is_empty(), "README commands that tsd would not take:\n{}", problems.join("\n"));

    // Every subcommand is documented somewhere in the README.
    let documented: BTreeSet<&str> = listed.iter().chain(&commands).map(|c| c.words[0].as_str()).collect();
    let undocumented: Vec<&str> = help.names().into_iter().filter(|n| !documented.contains(n)).collect();
    assert!(undocumented.is_empty(), "subcommands the README never shows: {undocumented:?}");
}

#[test]
fn the_scripts_the_readme_names_exist_and_are_executable() {
    let root = workspace_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut scripts: BTreeSet<String> = ["scripts/main".to_string(), "scripts/test".to_string()].into();
    let block_lines = sh_blocks(&readme).into_iter().flat_map(|(_, lines)| lines);
    for line in block_lines.chain(inline_code(&readme)) {
        if let Some(first) = strip_comment(&line).split_whitespace().next().filter(|w| w.starts_with("scripts/")) {
            scripts.insert(first.to_string());
        }
    }
    assert!(scripts.len() > 2, "no script found in the README's code: {scripts:?}");
    for script in &scripts {
        let meta = std::fs::metadata(root.join(script)).unwrap_or_else(|e| panic!("{script}: {e}"));
        assert!(meta.is_file() && meta.permissions().mode() & 0o111 != 0, "{script} is not an executable file");
    }
}

#[test]
fn the_readme_parser_finds_commands_and_skips_comments() {
    let markdown = "## A\n```sh\ntsd data   # survey\n#SBATCH --array=0-7\n```\n```text\ntsd nope\n```\n\
                    ## B\nRun `tsd merge --runs r` or `scripts/x`.\n```sh\nscripts/main --device cuda # tsd y\n```\n";
    let blocks = sh_blocks(markdown);
    assert_eq!(blocks.len(), 2, "{blocks:?}");
    let a = tsd_commands(&blocks[0].0, &blocks[0].1);
    assert_eq!((a.len(), a[0].words.clone()), (1, vec!["data".to_string()]));
    assert!(tsd_commands(&blocks[1].0, &blocks[1].1).is_empty());
    assert_eq!(inline_code(markdown), ["tsd merge --runs r", "scripts/x"]);
    assert_eq!(strip_comment("tsd x --shard $ID/8 # c"), "tsd x --shard $ID/8 ");
}
