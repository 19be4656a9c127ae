//! The command line: flags (clap), the glue from flags to library calls, where results go, and
//! usage errors.

pub mod commands;
pub mod flags;
pub mod output;
pub mod usage;
