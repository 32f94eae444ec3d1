//! Integration tests of the model crate (one binary, so libtorch is linked once),
//! on small generated data whose label and nuisances are known by construction.

mod checkpoint;
mod common;
mod device;
mod matched_z;
mod mathieu;
mod series;
mod two_step;
