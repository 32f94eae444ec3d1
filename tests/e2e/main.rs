//! End-to-end tests of the built `tsd` binary, run from a temporary folder with
//! no library path set: libtorch must be found through the binary's rpath.
//! One module per subcommand, on small generated data (never the real
//! datasets), plus the README's documented commands (`readme`) and the
//! `--help` pages (`help`).

mod codes;
mod config;
mod data;
mod help;
mod interrupt;
mod probe;
mod readme;
mod reproduce;
mod returns;
mod support;
mod train;
