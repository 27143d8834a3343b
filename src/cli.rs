//! Argument parsing without a crate (a parser crate costs flash for no gain here).
//!
//! `Args` is a cursor over the words after the subcommand. Each command asks for
//! the flags and values it knows, then calls `finish`, which rejects leftovers.
//! Pure: tested with plain vectors of strings.

use crate::error::{code, Error, Result};

fn usage(e: Error) -> Error {
    Error::with_code(code::USAGE, e.msg())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    words: Vec<String>,
}

impl Args {
    pub fn new<I: IntoIterator<Item = String>>(words: I) -> Args {
        Args {
            words: words.into_iter().collect(),
        }
    }

    /// The words as they are (no copy into a new list).
    pub fn from_vec(words: Vec<String>) -> Args {
        Args { words }
    }

    /// True if `name` (e.g. "--json") is present; removes it.
    pub fn flag(&mut self, name: &str) -> bool {
        match self.words.iter().position(|w| w == name) {
            Some(i) => {
                self.words.remove(i);
                true
            }
            None => false,
        }
    }

    /// The value of `--name VALUE` or `--name=VALUE`; removes both words.
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let mut i = 0;
        while i < self.words.len() {
            let w = &self.words[i];
            if w == name {
                if i + 1 >= self.words.len() {
                    return Err(crate::err!("{name} needs a value"));
                }
                let v = self.words.remove(i + 1);
                self.words.remove(i);
                return Ok(Some(v));
            }
            if let Some(v) = w.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                let v = v.to_string();
                self.words.remove(i);
                return Ok(Some(v));
            }
            i += 1;
        }
        Ok(None)
    }

    /// Like `value`, a decimal number that fits `T`.
    pub fn number<T: TryFrom<u64>>(&mut self, name: &str) -> Result<Option<T>> {
        let Some(v) = self.value(name)? else {
            return Ok(None);
        };
        match crate::num::dec(&v).map(T::try_from) {
            Some(Ok(n)) => Ok(Some(n)),
            _ => Err(crate::err!("{name}: '{v}' is not a number")),
        }
    }

    /// The next positional word (one that does not start with '-').
    pub fn positional(&mut self) -> Option<String> {
        let i = self
            .words
            .iter()
            .position(|w| !w.starts_with('-') || w == "-")?;
        Some(self.words.remove(i))
    }

    /// `value`, a bad argument an error with the usage exit code (what the
    /// modem commands answer; `switch` keeps exit 1). One body for every site.
    #[inline(never)]
    pub fn usage_value(&mut self, name: &str) -> Result<Option<String>> {
        self.value(name).map_err(usage)
    }

    /// `finish` with the usage exit code (see `usage_value`).
    pub fn usage_finish(self) -> Result<()> {
        self.finish().map_err(usage)
    }

    /// Error if anything is left that no one asked for.
    pub fn finish(self) -> Result<()> {
        match self.words.first() {
            None => Ok(()),
            Some(w) => Err(crate::err!("unexpected argument '{w}' (see --help)")),
        }
    }
}
