//! Integration tests of tsd-data, in one binary (see the modules).

mod common;
mod datasets;
mod errors;
mod facts;
mod formats;
mod fuzz;
mod locate;
mod real;
mod resize;
mod returns;
mod splits;
