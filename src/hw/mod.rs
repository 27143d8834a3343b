//! Seams to the operating system, each behind a trait or a root path, with fakes.

pub mod clock;
pub mod fake;
pub mod serial;
pub mod state;
pub mod sysfs;
