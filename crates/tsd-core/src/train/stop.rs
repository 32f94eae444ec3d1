//! When a phase stops: after its epochs, or once its validation figure has
//! stopped improving (then its epochs are a maximum).

use serde::{Deserialize, Serialize};

/// The stopping rule of a phase.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stop {
    /// Train every epoch of the phase.
    #[default]
    Epochs,
    /// Stop once the best value of the last `patience` epochs is not lower
    /// than the best value before them by `min_improvement` of it
    /// (relative); the phase's epochs are the maximum.
    Converged {
        /// Epochs without a sufficient improvement before the phase stops.
        patience: usize,
        /// Relative improvement that counts (0.01: one percent).
        min_improvement: f64,
    },
}

impl Stop {
    /// Whether this rule stops the phase, given its validation figure after
    /// each epoch so far (lower is better). A function of the values only,
    /// so a resumed run stops where an uninterrupted one would.
    pub fn reached(&self, values: &[f64]) -> bool {
        match *self {
            Stop::Epochs => false,
            Stop::Converged { patience, min_improvement } => {
                if patience == 0 || values.len() <= patience {
                    return false;
                }
                let (before, recent) = values.split_at(values.len() - patience);
                let best = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
                let (best_before, best_recent) = (best(before), best(recent));
                // An improvement must be a number below the margin; NaN never is.
                let improved = best_recent < best_before - min_improvement * best_before.abs();
                !improved
            }
        }
    }

    /// Whether this is [`Stop::Epochs`] (left out of config files).
    pub fn is_epochs(&self) -> bool {
        *self == Stop::Epochs
    }

    /// The rule in words, e.g. `converged (no 1% better val. over 20 epochs)`.
    pub fn describe(&self) -> String {
        match *self {
            Stop::Epochs => "fixed epochs".into(),
            Stop::Converged { patience, min_improvement } => {
                format!("until converged: no {}% improvement in {patience} epochs", min_improvement * 100.0)
            }
        }
    }
}

/// How a run's training ended (the `stopped` of its summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// Every epoch trained, as the config fixed them (older summaries).
    #[default]
    FixedEpochs,
    /// A phase converged before its maximum.
    Converged,
    /// A converging phase reached its maximum first.
    MaxEpochs,
}

impl Stopped {
    /// How a run under `rule` that trained `trained` of at most `max` epochs ended.
    pub fn of(rule: Stop, trained: usize, max: usize) -> Self {
        match rule {
            Stop::Epochs => Stopped::FixedEpochs,
            Stop::Converged { .. } if trained < max => Stopped::Converged,
            Stop::Converged { .. } => Stopped::MaxEpochs,
        }
    }

    /// The words tables use.
    pub fn as_str(&self) -> &'static str {
        match self {
            Stopped::FixedEpochs => "fixed epochs",
            Stopped::Converged => "converged",
            Stopped::MaxEpochs => "max epochs",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Stop;

    const RULE: Stop = Stop::Converged { patience: 3, min_improvement: 0.01 };

    #[test]
    fn a_phase_stops_once_the_last_epochs_improve_less_than_the_margin() {
        assert!(!RULE.reached(&[1.0, 0.9, 0.8]), "too few epochs to judge");
        assert!(!RULE.reached(&[1.0, 0.9, 0.95, 0.95, 0.85]), "0.85 improves on 0.9 by more than 1%");
        assert!(RULE.reached(&[1.0, 0.9, 0.95, 0.95, 0.895]), "0.895 is within 1% of 0.9");
        assert!(RULE.reached(&[1.0, 0.9, 0.95, 1.2, 1.1]), "worse epochs count against the patience");
    }

    #[test]
    fn a_nan_figure_never_counts_as_an_improvement() {
        assert!(RULE.reached(&[1.0, f64::NAN, f64::NAN, f64::NAN]));
    }

    #[test]
    fn fixed_epochs_and_zero_patience_never_stop_early() {
        assert!(!Stop::Epochs.reached(&[1.0; 50]));
        assert!(!Stop::Converged { patience: 0, min_improvement: 0.0 }.reached(&[1.0; 50]));
    }
}
