//! The per-epoch training log: kept in the checkpoint (so a resume keeps it)
//! and written as CSV for plotting.
//!
//! Trainers return typed figures (a struct per phase, see
//! [`Trainable::Figures`](super::Trainable::Figures)); serde flattens them
//! into named values, in field order, for the checkpoint and the long-format
//! `log.csv`, and [`EpochRecord::figures`] reads them back into the type.

use std::fmt;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{CoreError, Result};

/// The key of a figures enum's phase tag (`#[serde(tag = "phase")]`).
const PHASE_TAG: &str = "phase";

/// Figures of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Phase name.
    pub phase: String,
    /// Epoch within the phase (0-based).
    pub epoch: usize,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
    /// Named figures (losses, accuracies, samples/s), in column order.
    pub values: Vec<(String, f64)>,
}

impl EpochRecord {
    /// A record from a trainer's typed figures: every numeric field, in
    /// declaration order (a `None` field is left out; a `phase` tag is not a figure).
    pub fn new<F: Serialize>(phase: &str, epoch: usize, seconds: f64, figures: &F) -> Result<Self> {
        let bad = |problem: String| CoreError::Data(format!("figures of {phase} epoch {}: {problem}", epoch + 1));
        let value = serde_json::to_value(figures).map_err(|e| bad(e.to_string()))?;
        let serde_json::Value::Object(fields) = value else {
            return Err(bad("not a struct of numbers".into()));
        };
        let mut values = Vec::with_capacity(fields.len());
        for (key, value) in fields {
            match value {
                serde_json::Value::Null => {}
                serde_json::Value::String(_) if key == PHASE_TAG => {}
                serde_json::Value::Number(n) => values.push((key, n.as_f64().unwrap_or(f64::NAN))),
                other => return Err(bad(format!("field {key} is {other}, not a number"))),
            }
        }
        Ok(EpochRecord { phase: phase.to_string(), epoch, seconds, values })
    }

    /// The record read back into the trainer's figures type `F` (with the
    /// phase as its `phase` tag, for enums of phases).
    pub fn figures<F: DeserializeOwned>(&self) -> Result<F> {
        let mut fields = serde_json::Map::new();
        fields.insert(PHASE_TAG.into(), serde_json::Value::String(self.phase.clone()));
        for (key, value) in &self.values {
            let number =
                serde_json::Number::from_f64(*value).map_or(serde_json::Value::Null, serde_json::Value::Number);
            fields.insert(key.clone(), number);
        }
        serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|e| CoreError::Data(format!("log of {} epoch {}: {e}", self.phase, self.epoch + 1)))
    }

    /// The figure named `key`, if present.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.values.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }
}

impl fmt::Display for EpochRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} epoch {}: ", self.phase, self.epoch + 1)?;
        for (k, v) in &self.values {
            write!(f, "{k} {v:.4}  ")?;
        }
        write!(f, "({:.1} s)", self.seconds)
    }
}

/// Every epoch of a run, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// The epochs.
    pub records: Vec<EpochRecord>,
    /// How many of them were trained before this process resumed the run
    /// (0 for a fresh run).
    #[serde(default, skip)]
    pub resumed: usize,
}

impl History {
    /// Appends an epoch.
    pub fn push(&mut self, record: EpochRecord) {
        self.records.push(record);
    }

    /// The records of one phase.
    pub fn phase<'a>(&'a self, phase: &'a str) -> impl Iterator<Item = &'a EpochRecord> + 'a {
        self.records.iter().filter(move |r| r.phase == phase)
    }

    /// Seconds of the epochs trained before this process resumed the run.
    pub fn earlier_seconds(&self) -> f64 {
        self.records[..self.resumed.min(self.records.len())].iter().map(|r| r.seconds).sum()
    }

    /// Every epoch's figures as the trainer's type `F`, in order.
    pub fn figures<F: DeserializeOwned>(&self) -> Result<Vec<F>> {
        self.records.iter().map(EpochRecord::figures).collect()
    }

    /// JSON form (stored in checkpoints).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.records).unwrap_or_else(|_| "[]".into())
    }

    /// Parses [`History::to_json`]'s output read from `path`.
    pub fn from_json(text: &str, path: &Path) -> Result<Self> {
        serde_json::from_str(text).map(|records| History { records, resumed: 0 }).map_err(|e| {
            CoreError::BadCheckpoint { path: path.to_path_buf(), problem: format!("training history: {e}") }
        })
    }

    /// Writes a long-format CSV (`phase,epoch,seconds,metric,value`), atomically.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let rows = || -> std::result::Result<Vec<u8>, Box<dyn std::error::Error>> {
            writer.write_record(["phase", "epoch", "seconds", "metric", "value"])?;
            for r in &self.records {
                for (k, v) in &r.values {
                    writer.write_record([
                        &r.phase,
                        &r.epoch.to_string(),
                        &format!("{:.3}", r.seconds),
                        k,
                        &v.to_string(),
                    ])?;
                }
            }
            Ok(writer.into_inner()?)
        };
        let bytes = rows().map_err(|e| CoreError::Data(format!("{}: {e}", path.display())))?;
        crate::common::checkpoint::write_atomic(path, &bytes)
    }

    /// Reads a log written by [`History::write_csv`]: consecutive rows of one
    /// (phase, epoch) make one record.
    pub fn read_csv(path: &Path) -> Result<Self> {
        #[derive(Deserialize)]
        struct Row {
            phase: String,
            epoch: usize,
            seconds: f64,
            metric: String,
            value: f64,
        }
        let bad = |e: csv::Error| CoreError::Data(format!("{}: {e}", path.display()));
        let mut reader = csv::Reader::from_path(path).map_err(bad)?;
        let mut history = History::default();
        for row in reader.deserialize::<Row>() {
            let row = row.map_err(bad)?;
            match history.records.last_mut() {
                Some(last) if last.phase == row.phase && last.epoch == row.epoch => {
                    last.values.push((row.metric, row.value))
                }
                _ => history.push(EpochRecord {
                    phase: row.phase,
                    epoch: row.epoch,
                    seconds: row.seconds,
                    values: vec![(row.metric, row.value)],
                }),
            }
        }
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: `summary.json`'s wall time after a resume counted only the last segment.
    #[test]
    fn earlier_seconds_count_the_epochs_trained_before_the_resume() {
        let record = |epoch, seconds| EpochRecord { phase: "p".into(), epoch, seconds, values: Vec::new() };
        let mut history = History { records: vec![record(0, 1.5), record(1, 2.0), record(2, 4.0)], resumed: 2 };
        assert_eq!(history.earlier_seconds(), 3.5);
        history.resumed = 0;
        assert_eq!(history.earlier_seconds(), 0.0);
    }
}
