//! The per-epoch training log: kept in the checkpoint (so a resume keeps it)
//! and written as CSV for plotting.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{CoreError, Result};

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
    /// A record from a trainer's figures.
    pub fn new(phase: &str, epoch: usize, seconds: f64, values: Vec<(&'static str, f64)>) -> Self {
        let values = values.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        EpochRecord { phase: phase.to_string(), epoch, seconds, values }
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

    /// JSON form (stored in checkpoints).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.records).unwrap_or_else(|_| "[]".into())
    }

    /// Parses [`History::to_json`]'s output read from `path`.
    pub fn from_json(text: &str, path: &Path) -> Result<Self> {
        serde_json::from_str(text).map(|records| History { records }).map_err(|e| CoreError::BadCheckpoint {
            path: path.to_path_buf(),
            problem: format!("training history: {e}"),
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
        crate::checkpoint::write_atomic(path, &bytes)
    }
}
