//! The workspace's end-to-end tests live in `e2e/` (one test binary, so
//! libtorch is linked once); this library is empty.
