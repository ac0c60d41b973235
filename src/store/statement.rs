//! [`Sql`]: a statement as the shared SQL writes it, text and bound values, for either
//! database.
//!
//! sqlx's own `QueryBuilder` cannot serve generic code here: its arguments carry the
//! builder's lifetime, so a generic builder must stay borrowed until it is dropped, and no
//! transaction could run two statements. `Sql` owns its values and hands them to the driver
//! only when it runs (see `dialect::Encodes`).

use std::marker::PhantomData;

use super::dialect::{Fetch, SqlDb};
use crate::error::Result;

/// A value bound to a placeholder: the handful of types the schema uses.
#[derive(Clone, Debug)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Text(String),
    Bytes(Vec<u8>),
    NullableInt(Option<i64>),
    NullableText(Option<String>),
    /// A GeoIP coordinate, or none.
    Float(Option<f64>),
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Self::Float(Some(value))
    }
}

impl From<Option<f64>> for Value {
    fn from(value: Option<f64>) -> Self {
        Self::Float(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Self::Bool(value)
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<Vec<u8>> for Value {
    fn from(value: Vec<u8>) -> Self {
        Self::Bytes(value)
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Self::NullableInt(value)
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Self::NullableText(value)
    }
}

impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        Self::NullableText(value.map(str::to_owned))
    }
}

/// SQL text with placeholders in `DB`'s style, and the values bound to them, in order.
/// Running a statement consumes what it holds.
pub struct Sql<DB> {
    text: String,
    values: Vec<Value>,
    db: PhantomData<fn() -> DB>,
}

impl<DB: SqlDb> Sql<DB> {
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            values: Vec::new(),
            db: PhantomData,
        }
    }

    /// Appends SQL text as it is: never a user's input (that is what `bind` is for).
    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.text.push_str(text.as_ref());
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        DB::push_placeholder(&mut self.text, self.values.len());
        self
    }

    /// Appends ` VALUES (…)` with one placeholder per value.
    pub fn values(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        self.push(" VALUES (");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    pub async fn fetch_all<T>(&mut self, on: &mut DB::Connection) -> Result<Vec<T>>
    where
        DB: Fetch<T>,
    {
        let (text, values) = self.take();
        Ok(<DB as Fetch<T>>::fetch_all(text, values, on).await?)
    }

    pub async fn fetch_optional<T>(&mut self, on: &mut DB::Connection) -> Result<Option<T>>
    where
        DB: Fetch<T>,
    {
        let (text, values) = self.take();
        Ok(<DB as Fetch<T>>::fetch_optional(text, values, on).await?)
    }

    /// Exactly one row, as `INSERT … RETURNING` and aggregates give.
    pub async fn fetch_one<T>(&mut self, on: &mut DB::Connection) -> Result<T>
    where
        DB: Fetch<T>,
    {
        self.fetch_optional(on)
            .await?
            .ok_or_else(|| sqlx::Error::RowNotFound.into())
    }

    /// Executes a statement that returns no rows; returns how many rows it touched.
    pub async fn run(&mut self, on: &mut DB::Connection) -> Result<u64> {
        let (text, values) = self.take();
        Ok(DB::run(text, values, on).await?)
    }

    fn take(&mut self) -> (String, Vec<Value>) {
        debug_assert!(!self.text.is_empty(), "a statement runs once");
        (
            std::mem::take(&mut self.text),
            std::mem::take(&mut self.values),
        )
    }
}
