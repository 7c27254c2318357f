//! `fermyon:spin/variables@2.0.0`: a component reads only the variables its
//! `[component.x.variables]` table names, each its template filled from the application's
//! variables (resolved once at start: `--variable`, `SPIN_VARIABLE_<NAME>`, the default).

use crate::bindings::fermyon::spin::variables::{self, Error};
use crate::state::Instance;

impl variables::Host for Instance {
    async fn get(&mut self, name: String) -> wasmtime::Result<Result<String, Error>> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Ok(Err(Error::InvalidName(name)));
        }
        Ok(match self.grants.variables.get(&name) {
            Some(value) => Ok(value.clone()),
            None => Err(Error::Undefined(format!(
                "no variable for {:?}.{name:?}",
                self.grants.id
            ))),
        })
    }
}
